//! Python `re` sources (with their flags) read as `re` reads them.
//!
//! What this rewrites, where the engine would otherwise match something else:
//! - Inside a class, `[`, `&&`, `--`, `~~` and `||` are literal (Rust reads nested classes
//!   and set operations); `\b` is a backspace.
//! - `\s` also takes the information separators U+001C–U+001F (`str.isspace`); `\Z` is
//!   the end of the text; `{,n}` is `{0,n}`; a `{` that starts no quantifier is literal.
//! - `\N{NAME}` is resolved from the Unicode name table; `\x`, `\u`, `\U` and octal
//!   escapes become the characters they name.
//! - `re.ASCII` (or `(?a)`) makes `\d`, `\w`, `\s` and `\b` ASCII.
//! - `re.VERBOSE` is applied here, as `re` does it: whitespace inside a class stays.
//! - `(?#…)` comments are dropped.
//!
//! What it refuses, as `re` does: unknown escapes (`\z`, `\p`, `\k`), `(?<name>`, flags
//! not at the start, references to groups that are undefined or still open,
//! out-of-order ranges and repeats, duplicate names, `re.LOCALE` on text.

use super::{
    ascii_class, check_duplicate_names, groups, literal, quantifier_len, Cursor, Member,
    ASCII_BOUNDARY, ASCII_NON_BOUNDARY,
};
use crate::error::{Error, ErrorCode, Result};
use crate::pattern::RegexFlags;

// `re` flag values (stable since Python 3.6).
const TEMPLATE: u32 = 1;
const IGNORECASE: u32 = 2;
const LOCALE: u32 = 4;
const MULTILINE: u32 = 8;
const DOTALL: u32 = 16;
const UNICODE: u32 = 32;
const VERBOSE: u32 = 64;
const DEBUG: u32 = 128;
const ASCII: u32 = 256;

/// `re`'s `\s` on text: Unicode white space and the information separators.
const PY_SPACE: &str = "\\s\\x{1C}-\\x{1F}";
/// `\s` under `re.ASCII`.
const PY_ASCII_SPACE: &str = "\\t\\n\\x{B}\\x{C}\\r\\x20";

fn pattern_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidPattern, message)
}

/// Rewrites a Python source and `re` flags into the engine's source and flags.
pub(crate) fn from_python(source: &str, flags: u32) -> Result<(String, RegexFlags)> {
    let known =
        TEMPLATE | IGNORECASE | LOCALE | MULTILINE | DOTALL | UNICODE | VERBOSE | DEBUG | ASCII;
    if flags & !known != 0 {
        return Err(pattern_error(format!("unknown regex flags {flags:#x}")));
    }
    if flags & LOCALE != 0 {
        return Err(pattern_error("re.LOCALE cannot be used with a str pattern"));
    }
    if flags & TEMPLATE != 0 {
        return Err(pattern_error(
            "re.TEMPLATE cannot be honoured by the regex engine",
        ));
    }
    let mut t = Translator {
        c: Cursor::new(source),
        ascii: flags & ASCII != 0,
        verbose: flags & VERBOSE != 0,
        engine: RegexFlags {
            ignore_case: flags & IGNORECASE != 0,
            multi_line: flags & MULTILINE != 0,
            dot_all: flags & DOTALL != 0,
            verbose: false,
        },
        unicode: flags & UNICODE != 0,
        names: Vec::new(),
        after_quantifier: false,
    };
    t.global_flags()?;
    if t.ascii && t.unicode {
        return Err(pattern_error("ASCII and UNICODE flags are incompatible"));
    }
    t.run()?;
    check_duplicate_names(source, &groups(&t.c.chars))?;
    Ok((t.c.out, t.engine))
}

struct Translator<'a> {
    c: Cursor<'a>,
    ascii: bool,
    verbose: bool,
    unicode: bool,
    engine: RegexFlags,
    /// Group names by number - 1.
    names: Vec<Option<String>>,
    /// Just after a quantifier: one `+` (possessive) or `?` (lazy) may follow, nothing else.
    after_quantifier: bool,
}

impl<'a> std::ops::Deref for Translator<'a> {
    type Target = Cursor<'a>;
    fn deref(&self) -> &Cursor<'a> {
        &self.c
    }
}

impl<'a> std::ops::DerefMut for Translator<'a> {
    fn deref_mut(&mut self) -> &mut Cursor<'a> {
        &mut self.c
    }
}

impl Translator<'_> {
    /// `(?aiLmsux)` groups at the very start set flags for the whole pattern.
    fn global_flags(&mut self) -> Result<()> {
        while self.peek(0) == Some('(') && self.peek(1) == Some('?') {
            let rest = self.c.chars[self.c.i + 2..].to_vec();
            let len = rest.iter().take_while(|c| "aiLmsux".contains(**c)).count();
            if len == 0 || rest.get(len) != Some(&')') {
                return Ok(());
            }
            for c in &rest[..len] {
                match c {
                    'a' => self.ascii = true,
                    'i' => self.engine.ignore_case = true,
                    'L' => {
                        return Err(
                            self.err("bad inline flags: cannot use 'L' flag with a str pattern")
                        )
                    }
                    'm' => self.engine.multi_line = true,
                    's' => self.engine.dot_all = true,
                    'u' => self.unicode = true,
                    _ => self.verbose = true,
                }
            }
            self.i += len + 3;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<()> {
        while let Some(c) = self.peek(0) {
            if self.verbose && c.is_whitespace() {
                self.i += 1;
                continue;
            }
            if self.verbose && c == '#' {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                continue;
            }
            if self.after_quantifier {
                self.after_quantifier = false;
                if c == '?' || c == '+' {
                    self.i += 1;
                    self.out.push(c);
                    continue;
                }
            }
            match c {
                '\\' => self.escape()?,
                '[' => {
                    self.i += 1;
                    let class = self.class()?;
                    self.out.push_str(&class);
                    self.quantifiable = true;
                }
                '(' => self.open_group()?,
                ')' => self.close_group("unbalanced parenthesis")?,
                '*' | '+' | '?' => {
                    self.i += 1;
                    self.quantifier(c.to_string())?;
                }
                '{' => match quantifier_len(&self.chars[self.i..], true) {
                    Some(len) => {
                        let body: String =
                            self.chars[self.i + 1..self.i + len - 1].iter().collect();
                        self.i += len;
                        let (low, high) = match body.split_once(',') {
                            Some((l, h)) => (
                                if l.is_empty() { "0" } else { l }.to_owned(),
                                Some(h.to_owned()),
                            ),
                            None => (body.clone(), None),
                        };
                        if let Some(h) = high.as_deref().filter(|h| !h.is_empty()) {
                            if low.parse::<u64>().ok() > h.parse::<u64>().ok() {
                                return Err(self.err("min repeat greater than max repeat"));
                            }
                        }
                        let q = match high {
                            Some(h) => format!("{{{low},{h}}}"),
                            None => format!("{{{low}}}"),
                        };
                        self.quantifier(q)?;
                    }
                    None => self.char_literal('{'),
                },
                '.' | '^' | '$' | '|' => {
                    self.i += 1;
                    self.out.push(c);
                    self.quantifiable = c == '.';
                }
                _ => self.char_literal(c),
            }
        }
        if !self.groups.balanced() {
            return Err(self.err("missing ), unterminated subpattern"));
        }
        Ok(())
    }

    fn quantifier(&mut self, q: String) -> Result<()> {
        if !self.quantifiable {
            return Err(self.err(if self.out.ends_with(['*', '+', '?', '}']) {
                "multiple repeat"
            } else {
                "nothing to repeat"
            }));
        }
        self.out.push_str(&q);
        self.quantifiable = false;
        self.after_quantifier = true;
        Ok(())
    }

    fn open_group(&mut self) -> Result<()> {
        let rest: Vec<char> = self.chars[self.i..].to_vec();
        let at = |k: usize| rest.get(k).copied();
        if at(1) != Some('?') {
            self.i += 1;
            self.capture(None);
            return Ok(());
        }
        match (at(2), at(3)) {
            (Some(':' | '=' | '!' | '>'), _) | (Some('<'), Some('=' | '!')) => {
                let len = if at(2) == Some('<') { 4 } else { 3 };
                self.out.extend(&rest[..len]);
                self.i += len;
                self.groups.open(false);
                self.quantifiable = false;
            }
            (Some('P'), Some('<')) => {
                let end = rest
                    .iter()
                    .position(|c| *c == '>')
                    .ok_or_else(|| self.err("missing >, unterminated name"))?;
                let name: String = rest[4..end].iter().collect();
                if !is_identifier(&name) {
                    return Err(self.err(format!("bad character in group name {name:?}")));
                }
                self.i += end + 1;
                self.capture(Some(name));
            }
            (Some('P'), Some('=')) => {
                let end = rest
                    .iter()
                    .position(|c| *c == ')')
                    .ok_or_else(|| self.err("missing ), unterminated name"))?;
                let name: String = rest[4..end].iter().collect();
                self.i += end + 1;
                let n = self.names.iter().position(|g| g.as_deref() == Some(&name));
                self.backref(n.map(|g| g + 1), &name)?;
            }
            (Some('#'), _) => {
                let end = rest
                    .iter()
                    .position(|c| *c == ')')
                    .ok_or_else(|| self.err("missing ), unterminated comment"))?;
                self.i += end + 1;
            }
            (Some('('), _) => {
                // A condition on a group: by number or name, of a group defined before.
                let end = rest
                    .iter()
                    .position(|c| *c == ')')
                    .ok_or_else(|| self.err("missing ), unterminated name"))?;
                let id: String = rest[3..end].iter().collect();
                let known = match id.parse::<usize>() {
                    Ok(n) => n >= 1 && n <= self.groups.opened(),
                    Err(_) => self.names.iter().any(|g| g.as_deref() == Some(&id)),
                };
                if !known {
                    return Err(self.err(format!("invalid group reference {id}")));
                }
                self.out.extend(&rest[..end + 1]);
                self.i += end + 1;
                self.groups.open(false);
                self.quantifiable = false;
            }
            _ => self.scoped_flags(&rest)?,
        }
        Ok(())
    }

    /// `(?i:…)`, `(?-i:…)` and the like; flags anywhere else are refused, as by `re`.
    fn scoped_flags(&mut self, rest: &[char]) -> Result<()> {
        let len = rest[2..]
            .iter()
            .take_while(|c| "aiLmsux-".contains(**c))
            .count();
        match rest.get(2 + len) {
            Some(':') if len > 0 => {}
            Some(')') if len > 0 => {
                return Err(self.err("global flags not at the start of the expression"))
            }
            _ => return Err(self.err("unknown extension")),
        }
        let flags: String = rest[2..2 + len].iter().collect();
        if flags.contains(['a', 'L', 'x']) {
            return Err(self.err(format!(
                "the inline flags {flags:?} inside a group cannot be honoured"
            )));
        }
        let kept: String = flags.chars().filter(|c| *c != 'u').collect();
        self.out.push_str("(?");
        self.out.push_str(&kept);
        self.out.push(':');
        self.i += 3 + len;
        self.groups.open(false);
        self.quantifiable = false;
        Ok(())
    }

    fn capture(&mut self, name: Option<String>) {
        self.groups.open(true);
        match &name {
            Some(n) => self.out.push_str(&format!("(?P<{n}>")),
            None => self.out.push('('),
        }
        self.names.push(name);
        self.quantifiable = false;
    }

    /// A reference to group `n`, which must be defined before and closed.
    fn backref(&mut self, n: Option<usize>, shown: &str) -> Result<()> {
        match n {
            Some(n) if self.groups.is_closed(n) => {
                self.out.push_str(&format!("\\{n}"));
                self.quantifiable = true;
                Ok(())
            }
            Some(n) if n <= self.groups.opened() => Err(self.err("cannot refer to an open group")),
            _ => Err(self.err(format!("invalid group reference {shown}"))),
        }
    }

    fn escape(&mut self) -> Result<()> {
        let Some(next) = self.peek(1) else {
            return Err(self.err("bad escape (end of pattern)"));
        };
        self.i += 2;
        self.quantifiable = true;
        match next {
            'A' => {
                self.out.push_str("\\A");
                self.quantifiable = false;
            }
            'Z' => {
                self.out.push_str("\\z");
                self.quantifiable = false;
            }
            'b' | 'B' => {
                let ascii = self.ascii;
                self.out.push_str(match (ascii, next) {
                    (true, 'b') => ASCII_BOUNDARY,
                    (true, _) => ASCII_NON_BOUNDARY,
                    (false, 'b') => "\\b",
                    (false, _) => "\\B",
                });
                self.quantifiable = false;
            }
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                let set = self.class_escape(next);
                self.out.push('[');
                self.out.push_str(&set);
                self.out.push(']');
            }
            '1'..='9' => {
                if let Some(c) = self.octal_after(next) {
                    literal(&mut self.out, c);
                    return Ok(());
                }
                let mut digits = next.to_string();
                if let Some(d) = self.peek(0).filter(char::is_ascii_digit) {
                    digits.push(d);
                    self.i += 1;
                }
                let n: usize = digits.parse().unwrap_or(usize::MAX);
                self.backref(Some(n).filter(|n| *n <= self.groups.opened()), &digits)?;
            }
            _ => {
                let c = self.character_escape(next)?;
                literal(&mut self.out, c);
            }
        }
        Ok(())
    }

    /// An octal escape whose first digit `d` is read: `\0`, `\0N`, `\0NN`, or three octal
    /// digits; `None` (nothing consumed) for a group reference.
    fn octal_after(&mut self, d: char) -> Option<char> {
        let digits: Vec<u32> = std::iter::once(d)
            .chain(self.chars[self.i..].iter().copied())
            .take(3)
            .map_while(|c| c.to_digit(8))
            .collect();
        let take = if d == '0' {
            digits.len()
        } else if digits.len() == 3 {
            3
        } else {
            return None;
        };
        let value = digits[..take].iter().fold(0, |v, d| v * 8 + d);
        self.i += take - 1;
        char::from_u32(value)
    }

    /// The character an escape stands for (`next` already read), or the error `re` gives.
    fn character_escape(&mut self, next: char) -> Result<char> {
        Ok(match next {
            'a' => '\x07',
            'f' => '\x0C',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0B',
            'x' => self
                .hex(2)
                .ok_or_else(|| self.err("incomplete escape \\x"))?,
            'u' => self
                .hex(4)
                .ok_or_else(|| self.err("incomplete escape \\u"))?,
            'U' => self
                .hex(8)
                .ok_or_else(|| self.err("incomplete escape \\U"))?,
            'N' => self.named_character()?,
            '0' => self.octal_after('0').unwrap_or('\0'),
            c if c.is_ascii_alphanumeric() => return Err(self.err(format!("bad escape \\{c}"))),
            c => c,
        })
    }

    /// `{NAME}` after `\N`: the character the Unicode name table gives.
    fn named_character(&mut self) -> Result<char> {
        let name = self.delimited('{', '}', "a \\N escape needs {name}")?;
        unicode_names2::character(&name)
            .ok_or_else(|| self.err(format!("undefined character name {name:?}")))
    }

    /// The class body for `\d`, `\w`, `\s` or a negation, Unicode or ASCII.
    fn class_escape(&self, c: char) -> String {
        let body = match (c.to_ascii_lowercase(), self.ascii) {
            ('s', true) => PY_ASCII_SPACE.to_owned(),
            ('s', false) => PY_SPACE.to_owned(),
            (other, true) => ascii_class(other).expect("d or w").to_owned(),
            (other, false) => format!("\\{other}"),
        };
        if c.is_ascii_uppercase() {
            format!("^{body}")
        } else {
            body
        }
    }

    /// A class after its `[`, as an engine class.
    fn class(&mut self) -> Result<String> {
        let mut out = String::from("[");
        if self.peek(0) == Some('^') {
            self.i += 1;
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(self.err("unterminated character set"));
            };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            let a = self.member()?;
            if self.peek(0) == Some('-') && self.peek(1).is_some_and(|n| n != ']') {
                self.i += 1;
                let b = self.member()?;
                match (a, b) {
                    (Member::Char(a), Member::Char(b)) if a <= b => {
                        literal(&mut out, a);
                        out.push('-');
                        literal(&mut out, b);
                    }
                    _ => return Err(self.err("bad character range")),
                }
            } else {
                match a {
                    Member::Char(c) => literal(&mut out, c),
                    Member::Set(s) => out.push_str(&s),
                }
            }
        }
        out.push(']');
        Ok(out)
    }

    fn member(&mut self) -> Result<Member> {
        let c = self
            .peek(0)
            .ok_or_else(|| self.err("unterminated character set"))?;
        self.i += 1;
        if c != '\\' {
            return Ok(Member::Char(c));
        }
        let next = self
            .peek(0)
            .ok_or_else(|| self.err("unterminated character set"))?;
        self.i += 1;
        Ok(match next {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                Member::Set(format!("[{}]", self.class_escape(next)))
            }
            'b' => Member::Char('\x08'),
            '1'..='7' => {
                let c = self.octal_in_class(next)?;
                Member::Char(c)
            }
            _ => Member::Char(self.character_escape(next)?),
        })
    }

    /// In a class, digits are octal only.
    fn octal_in_class(&mut self, d: char) -> Result<char> {
        let digits: Vec<u32> = std::iter::once(d)
            .chain(self.chars[self.i..].iter().copied())
            .take(3)
            .map_while(|c| c.to_digit(8))
            .collect();
        if digits.len() < 3
            && self
                .peek(digits.len() - 1)
                .is_some_and(|c| c.is_ascii_digit())
        {
            return Err(self.err(format!("bad escape \\{d}")));
        }
        let value = digits.iter().fold(0, |v, d| v * 8 + d);
        self.i += digits.len() - 1;
        char::from_u32(value).ok_or_else(|| self.err("octal escape value outside of range"))
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py(source: &str, flags: u32) -> String {
        from_python(source, flags).unwrap().0
    }

    #[test]
    fn classes_read_literally_what_the_engine_would_nest() {
        assert_eq!(py("[a&&b]", 0), "[a\\&\\&b]");
        assert_eq!(py("[[a]]", 0), "[\\[a]\\]");
        assert_eq!(py("[]a]", 0), "[\\]a]");
        assert!(from_python("[\\d-x]", 0).is_err());
        assert!(from_python("[z-a]", 0).is_err());
    }

    #[test]
    fn escapes_and_flags() {
        assert_eq!(py("\\N{BULLET}", 0), "\u{2022}");
        assert!(from_python("\\N{NO SUCH NAME}", 0).is_err());
        assert_eq!(py("a{,2}", 0), "a{0,2}");
        assert!(from_python("\\z", 0).is_err());
        assert!(from_python("x", LOCALE).is_err());
        assert!(from_python("a(?i)b", 0).is_err());
        assert!(from_python("(?i)a", 0).unwrap().1.ignore_case);
    }
}

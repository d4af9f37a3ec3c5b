//! JavaScript regex sources read as V8 reads them (with Annex B's rules without the `u`
//! flag, and the `v` flag's class syntax).
//!
//! What this rewrites, where the engine would otherwise match something else:
//! - `\d`, `\w`, `\b` and their negations are ASCII in V8, with or without `u`; `\s` is
//!   V8's own list (it has U+FEFF, not U+0085); `.` stops at `\r`, U+2028 and U+2029 too.
//! - Inside a class (without `v`) `[`, `&&`, `--` and `~~` are literal; `[]` never
//!   matches and `[^]` matches anything; `\b` is a backspace.
//! - Without `u`: a `{` that starts no quantifier is literal (`{,2}` included), an unknown
//!   escape is the character itself (`\a` is `a`, `\z` is `z`), `\cX` is a control
//!   character, `\1` with no group 1 is an octal escape and `\8` is `8`.
//! - A backreference to a group that has not closed yet matches the empty string.
//! - The `y` flag anchors the match at the start of the line.
//!
//! What it refuses, as V8 does: `(?P<…>`, inline flags, `(?#…)`, possessive quantifiers,
//! duplicate group names, out-of-order ranges, and under `u`/`v` every escape V8 rejects.

use super::{
    ascii_class, capture_name, check_duplicate_names, groups, literal, push_member, quantifier_len,
    refuse, Cursor, Member, ASCII_BOUNDARY, ASCII_NON_BOUNDARY,
};
use crate::error::{Error, ErrorCode, Result};
use crate::pattern::RegexFlags;

/// V8's `\s`: WhiteSpace and LineTerminator of ECMAScript.
const JS_SPACE: &str = "\\t\\n\\x{B}\\x{C}\\r\\x20\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";

/// The flags of a JS `RegExp`, as they bear on one line.
struct Flags {
    engine: RegexFlags,
    /// `u` or `v`: the strict grammar.
    unicode: bool,
    /// `v`: nested classes and set operations.
    sets: bool,
    /// `y`: the match starts at the start of the line.
    sticky: bool,
}

fn flags(source: &str, text: &str) -> Result<Flags> {
    let mut f = Flags {
        engine: RegexFlags::default(),
        unicode: false,
        sets: false,
        sticky: false,
    };
    let mut seen = String::new();
    for c in text.chars() {
        if seen.contains(c) {
            return Err(Error::new(
                ErrorCode::InvalidPattern,
                format!("invalid regex /{source}/{text}: the flag {c:?} is given twice"),
            ));
        }
        seen.push(c);
        match c {
            'i' => f.engine.ignore_case = true,
            'm' => f.engine.multi_line = true,
            's' => f.engine.dot_all = true,
            'u' => f.unicode = true,
            'v' => {
                f.unicode = true;
                f.sets = true;
            }
            'y' => f.sticky = true,
            'g' | 'd' => {}
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidPattern,
                    format!("unknown regex flag {other:?}"),
                ));
            }
        }
    }
    if seen.contains('u') && seen.contains('v') {
        return Err(refuse(source, "the u and v flags cannot be combined"));
    }
    Ok(f)
}

/// Rewrites a JS source and flags into the engine's source and flags.
pub(crate) fn from_js(source: &str, flag_text: &str) -> Result<(String, RegexFlags)> {
    let f = flags(source, flag_text)?;
    let all = groups(&source.chars().collect::<Vec<_>>());
    check_duplicate_names(source, &all)?;
    let mut t = Translator {
        c: Cursor::new(source),
        f: &f,
        named: all.iter().any(Option::is_some),
        all,
    };
    t.run()?;
    let out = if f.sticky {
        format!("\\A(?:{})", t.c.out)
    } else {
        t.c.out
    };
    Ok((out, f.engine))
}

struct Translator<'a> {
    c: Cursor<'a>,
    f: &'a Flags,
    /// Every capturing group of the source, with its name.
    all: Vec<Option<String>>,
    named: bool,
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
    fn run(&mut self) -> Result<()> {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.escape()?,
                '[' => {
                    self.i += 1;
                    let class = self.class()?;
                    self.out.push_str(&class);
                    self.quantifiable = true;
                }
                '.' => {
                    self.i += 1;
                    if self.f.engine.dot_all {
                        self.out.push('.');
                    } else {
                        self.out.push_str("[^\\n\\r\\x{2028}\\x{2029}]");
                    }
                    self.quantifiable = true;
                }
                '(' => self.open_group()?,
                ')' => self.close_group("unmatched ')'")?,
                '*' | '+' | '?' => {
                    self.i += 1;
                    self.quantifier(&c.to_string())?;
                }
                '{' => match quantifier_len(&self.chars[self.i..], false) {
                    Some(len) => {
                        let q: String = self.chars[self.i..self.i + len].iter().collect();
                        self.i += len;
                        self.quantifier(&q)?;
                    }
                    None if self.f.unicode => {
                        return Err(self.err("a lone '{' is a syntax error with the u or v flag"))
                    }
                    None => self.char_literal('{'),
                },
                '}' | ']' if self.f.unicode => {
                    return Err(self.err(format!(
                        "a lone '{c}' is a syntax error with the u or v flag"
                    )))
                }
                '^' | '$' | '|' => {
                    self.i += 1;
                    self.out.push(c);
                    self.quantifiable = false;
                }
                _ => self.char_literal(c),
            }
        }
        if !self.groups.balanced() {
            return Err(self.err("unterminated group"));
        }
        Ok(())
    }

    /// Writes a quantifier (with its lazy `?`), refusing one with nothing to repeat and
    /// a possessive one (`a++`), which V8 reads as a syntax error.
    fn quantifier(&mut self, q: &str) -> Result<()> {
        if !self.quantifiable {
            return Err(self.err(format!("nothing to repeat before '{q}'")));
        }
        if let Some((low, high)) = q.trim_matches(['{', '}']).split_once(',') {
            if let (Ok(l), Ok(h)) = (low.parse::<u64>(), high.parse::<u64>()) {
                if l > h {
                    return Err(self.err("numbers out of order in {} quantifier"));
                }
            }
        }
        self.out.push_str(q);
        if self.peek(0) == Some('?') {
            self.i += 1;
            self.out.push('?');
        }
        self.quantifiable = false;
        Ok(())
    }

    fn open_group(&mut self) -> Result<()> {
        let rest = &self.chars[self.i..];
        let prefix_len = match (rest.get(1), rest.get(2), rest.get(3)) {
            (Some('?'), Some(':' | '=' | '!'), _) => 3,
            (Some('?'), Some('<'), Some('=' | '!')) => 4,
            (Some('?'), Some('<'), _) => {
                let end = rest.iter().position(|c| *c == '>');
                match end {
                    Some(e) if e > 3 => e + 1,
                    _ => return Err(self.err("invalid capture group name")),
                }
            }
            (Some('?'), _, _) => return Err(self.err("invalid group (V8 has no such '(?' form)")),
            _ => 1,
        };
        let prefix: String = rest[..prefix_len].iter().collect();
        // Lookarounds are quantifiable in V8 without `u`, and never in the engine: the
        // quantifier is refused below, where V8 would take it.
        if capture_name(rest).is_some() {
            self.groups.open(true);
        } else {
            self.groups.open(false);
        }
        self.i += prefix_len;
        self.out.push_str(&prefix);
        self.quantifiable = false;
        Ok(())
    }

    /// A backreference to group `n` (1-based), written as the engine reads it.
    fn backref(&mut self, n: usize) {
        if self.groups.is_closed(n) {
            self.out.push_str(&format!("\\{n}"));
        } else {
            // V8: a group that has not closed yet has captured nothing, and a
            // reference to it matches the empty string.
            self.out.push_str("(?:)");
        }
        self.quantifiable = true;
    }

    fn escape(&mut self) -> Result<()> {
        let Some(next) = self.peek(1) else {
            return Err(self.err("\\ at end of pattern"));
        };
        self.i += 2;
        self.quantifiable = true;
        match next {
            '1'..='9' => {
                let start = self.i - 1;
                let mut end = start;
                while self.chars.get(end).is_some_and(char::is_ascii_digit) {
                    end += 1;
                }
                let digits: String = self.chars[start..end].iter().collect();
                let n: usize = digits.parse().unwrap_or(usize::MAX);
                if n <= self.all.len() {
                    self.i = end;
                    self.backref(n);
                } else if self.f.unicode {
                    return Err(self.err(format!("invalid escape \\{digits}: no group {n}")));
                } else if next >= '8' {
                    // `\8` and `\9` are the digits themselves.
                    literal(&mut self.out, next);
                } else {
                    self.i -= 1;
                    let c = self.octal();
                    literal(&mut self.out, c);
                }
            }
            '0' => {
                if self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                    if self.f.unicode {
                        return Err(self.err("invalid decimal escape"));
                    }
                    self.i -= 1;
                    let c = self.octal();
                    literal(&mut self.out, c);
                } else {
                    literal(&mut self.out, '\0');
                }
            }
            'k' if self.named || self.f.unicode => {
                let name = self.group_name()?;
                match self.all.iter().position(|g| g.as_deref() == Some(&name)) {
                    Some(g) => self.backref(g + 1),
                    None => return Err(self.err(format!("invalid named reference \\k<{name}>"))),
                }
            }
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                let set = class_escape(next);
                self.out.push('[');
                self.out.push_str(&set);
                self.out.push(']');
            }
            'b' => {
                self.out.push_str(ASCII_BOUNDARY);
                self.quantifiable = false;
            }
            'B' => {
                self.out.push_str(ASCII_NON_BOUNDARY);
                self.quantifiable = false;
            }
            'p' | 'P' if self.f.unicode => {
                let prop = self.property(next)?;
                self.out.push_str(&prop);
            }
            _ => {
                let c = self.character_escape(next, false)?;
                literal(&mut self.out, c);
            }
        }
        Ok(())
    }

    /// `\p{…}` or `\P{…}` (the `p` already read), as the engine writes it.
    fn property(&mut self, p: char) -> Result<String> {
        let body = self.delimited('{', '}', "invalid property name")?;
        Ok(format!("\\{p}{{{body}}}"))
    }

    /// `<name>` after `\k`.
    fn group_name(&mut self) -> Result<String> {
        self.delimited('<', '>', "invalid named reference")
    }

    /// Up to three octal digits at the position (at most `\377`), as a character.
    fn octal(&mut self) -> char {
        let mut value = 0u32;
        let mut taken = 0;
        while taken < 3 {
            match self.peek(0).and_then(|c| c.to_digit(8)) {
                Some(d) if value * 8 + d <= 0o377 => {
                    value = value * 8 + d;
                    self.i += 1;
                    taken += 1;
                }
                _ => break,
            }
        }
        char::from_u32(value).unwrap_or('\0')
    }

    /// The character an escape `\next` stands for (`next` already read), where it is
    /// one: control and hex escapes, the syntax characters, and without `u` any other
    /// character itself.
    fn character_escape(&mut self, next: char, in_class: bool) -> Result<char> {
        let u = self.f.unicode;
        Ok(match next {
            'f' => '\x0C',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0B',
            'c' => match self.peek(0) {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.i += 1;
                    char::from(l as u8 % 32)
                }
                Some(l) if in_class && !u && (l.is_ascii_digit() || l == '_') => {
                    self.i += 1;
                    char::from(l as u8 % 32)
                }
                _ if u => return Err(self.err("invalid unicode escape \\c")),
                // Annex B: the backslash is itself, and `c` is read next.
                _ => {
                    self.i -= 1;
                    '\\'
                }
            },
            'x' => match self.hex(2) {
                Some(c) => c,
                None if u => return Err(self.err("invalid escape \\x")),
                None => 'x',
            },
            'u' => match self.unicode_escape()? {
                Some(c) => c,
                None if u => return Err(self.err("invalid unicode escape")),
                None => 'u',
            },
            '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|'
            | '/' => next,
            '-' if in_class || !u => '-',
            c if !u => c,
            c => return Err(self.err(format!("invalid escape \\{c}"))),
        })
    }

    /// After `\u`: four hex digits (a surrogate pair joined), or `{…}` under `u`.
    fn unicode_escape(&mut self) -> Result<Option<char>> {
        if self.f.unicode && self.peek(0) == Some('{') {
            let close = self.chars[self.i..].iter().position(|c| *c == '}');
            let body: Option<String> =
                close.map(|e| self.chars[self.i + 1..self.i + e].iter().collect());
            let value = body
                .as_deref()
                .and_then(|b| u32::from_str_radix(b, 16).ok());
            return match (close, value.and_then(char::from_u32)) {
                (Some(e), Some(c)) => {
                    self.i += e + 1;
                    Ok(Some(c))
                }
                _ => Err(self.err("invalid Unicode escape")),
            };
        }
        let digits: String = self
            .chars
            .get(self.i..self.i + 4)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        let Ok(high) = u32::from_str_radix(&digits, 16) else {
            return Ok(None);
        };
        if digits.len() != 4 {
            return Ok(None);
        }
        self.i += 4;
        if (0xD800..0xDC00).contains(&high)
            && self.peek(0) == Some('\\')
            && self.peek(1) == Some('u')
        {
            let low: String = self
                .chars
                .get(self.i + 2..self.i + 6)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            if let Ok(low) = u32::from_str_radix(&low, 16) {
                if (0xDC00..0xE000).contains(&low) {
                    self.i += 6;
                    return Ok(char::from_u32(
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00),
                    ));
                }
            }
        }
        match char::from_u32(high) {
            Some(c) => Ok(Some(c)),
            // A lone surrogate: text is matched as Unicode scalar values, which never
            // hold one.
            None => {
                Err(self.err("a lone surrogate (\\uD800-\\uDFFF) can never match decoded output"))
            }
        }
    }

    /// A class, after its `[`: written as an engine class.
    fn class(&mut self) -> Result<String> {
        let negated = self.peek(0) == Some('^');
        if negated {
            self.i += 1;
        }
        let mut out = String::from(if negated { "[^" } else { "[" });
        if self.peek(0) == Some(']') {
            // `[]` matches nothing and `[^]` anything (the engine refuses an empty class).
            self.i += 1;
            return Ok(if negated {
                "[\\x{0}-\\x{10FFFF}]"
            } else {
                "[^\\x{0}-\\x{10FFFF}]"
            }
            .into());
        }
        loop {
            let Some(c) = self.peek(0) else {
                return Err(self.err("missing /"));
            };
            if c == ']' {
                self.i += 1;
                break;
            }
            if self.f.sets {
                if c == '[' {
                    self.i += 1;
                    let nested = self.class()?;
                    out.push_str(&nested);
                    continue;
                }
                if (c == '&' || c == '-') && self.peek(1) == Some(c) {
                    self.i += 2;
                    out.push(c);
                    out.push(c);
                    continue;
                }
                if "()[]{}/|".contains(c)
                    || (c.is_ascii_punctuation()
                        && self.peek(1) == Some(c)
                        && "&!#$%*+,.:;<=>?@^`~".contains(c))
                {
                    return Err(self.err(format!(
                        "invalid character {c:?} in a class with the v flag"
                    )));
                }
            }
            let first = self.member()?;
            if self.peek(0) == Some('-')
                && self.peek(1).is_some_and(|n| n != ']')
                && !(self.f.sets && self.peek(1) == Some('-'))
            {
                self.i += 1;
                let second = self.member()?;
                match (first, second) {
                    (Member::Char(a), Member::Char(b)) => {
                        if a > b {
                            return Err(self.err("range out of order in character class"));
                        }
                        literal(&mut out, a);
                        out.push('-');
                        literal(&mut out, b);
                    }
                    (a, b) if !self.f.unicode => {
                        // Annex B: a range with a class escape at either end is the
                        // members and a literal '-'.
                        push_member(&mut out, a);
                        literal(&mut out, '-');
                        push_member(&mut out, b);
                    }
                    _ => {
                        return Err(
                            self.err("invalid character class: a range needs single characters")
                        )
                    }
                }
            } else {
                push_member(&mut out, first);
            }
        }
        out.push(']');
        Ok(out)
    }

    /// One member of a class at the position.
    fn member(&mut self) -> Result<Member> {
        let c = self.peek(0).ok_or_else(|| self.err("missing /"))?;
        self.i += 1;
        if c != '\\' {
            return Ok(Member::Char(c));
        }
        let next = self
            .peek(0)
            .ok_or_else(|| self.err("\\ at end of pattern"))?;
        self.i += 1;
        Ok(match next {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => Member::Set(format!("[{}]", class_escape(next))),
            'b' => Member::Char('\x08'),
            'p' | 'P' if self.f.unicode => Member::Set(self.property(next)?),
            'q' if self.f.sets => {
                return Err(self.err("\\q{…} strings in classes are not supported"))
            }
            '0'..='9' if !self.f.unicode => {
                self.i -= 1;
                if next >= '8' {
                    self.i += 1;
                    Member::Char(next)
                } else {
                    Member::Char(self.octal())
                }
            }
            '0' if self.peek(0).map_or(true, |c| !c.is_ascii_digit()) => Member::Char('\0'),
            'B' | 'k' if !self.f.unicode => Member::Char(next),
            _ => Member::Char(self.character_escape(next, true)?),
        })
    }
}

/// The engine's class body (without brackets) for V8's `\d`, `\w`, `\s` and negations.
fn class_escape(c: char) -> String {
    let body = match c.to_ascii_lowercase() {
        's' => JS_SPACE,
        other => ascii_class(other).expect("d or w"),
    };
    if c.is_ascii_uppercase() {
        format!("^{body}")
    } else {
        body.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(source: &str, flags: &str) -> String {
        from_js(source, flags).unwrap().0
    }

    #[test]
    fn a_brace_that_is_no_quantifier_is_literal() {
        assert_eq!(js("hel{,2}o", ""), "hel\\{\\,2\\}o");
        assert_eq!(js("a{2}b{1,}c{1,3}", ""), "a{2}b{1,}c{1,3}");
        assert!(from_js("hel{,2}o", "u").is_err());
        assert_eq!(js("\\p{Script=Greek}+", "u"), "\\p{Script=Greek}+");
    }

    #[test]
    fn a_backreference_before_its_group_closes_matches_empty() {
        assert_eq!(js("\\1(h)", ""), "(?:)(h)");
        assert_eq!(js("(a\\1)", ""), "(a(?:))");
        assert_eq!(js("(a)\\1", ""), "(a)\\1");
        assert_eq!(js("\\k<n>(?<n>a)", ""), "(?:)(?<n>a)");
        assert_eq!(js("(?<n>a)\\k<n>", ""), "(?<n>a)\\1");
    }

    #[test]
    fn classes_read_literally_what_the_engine_would_nest() {
        assert_eq!(js("[a&&b]", ""), "[a\\&\\&b]");
        assert_eq!(js("[[a]]", ""), "[\\[a]\\]");
        assert!(from_js("[a--b]", "").is_err());
        assert_eq!(js("[\\d-x]", ""), "[[0-9]\\-x]");
        assert!(from_js("[\\d-x]", "u").is_err());
    }
}

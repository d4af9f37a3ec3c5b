//! Regex dialects: a JavaScript or Python source rewritten so that the Rust engine
//! (fancy-regex) reads it as V8 or `re` does, or refused where it cannot.
//!
//! The engines differ in ways that change what matches without any error: JS's `\d`,
//! `\w` and `\b` are ASCII, Python's `\s` takes the information separators; inside a
//! class JS and Python read `[`, `&&`, `--` and `~~` literally where Rust reads nested
//! classes and set operations; a `{` that starts no quantifier is a literal; JS
//! identity escapes (`\a`, `\z`) are letters where Rust reads a bell or an anchor. Each
//! dialect walks the source once and writes the engine's source. The cases are in
//! `tests/dialects/cases.json`, checked against V8 and `re` themselves.

mod js;
mod python;

pub(crate) use js::from_js;
pub(crate) use python::from_python;

use crate::error::{Error, ErrorCode, Result};

/// An `INVALID_PATTERN` error naming the source as the user wrote it.
pub(crate) fn refuse(source: &str, why: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidPattern,
        format!("invalid regex /{source}/: {why}"),
    )
}

/// The groups around a position of a source being walked, and those already closed: a
/// backreference may only name a closed one.
#[derive(Default)]
pub(crate) struct Groups {
    opened: usize,
    /// A group's number, or 0 for a non-capturing one.
    open: Vec<usize>,
    closed: std::collections::HashSet<usize>,
}

impl Groups {
    /// A group opens here.
    pub fn open(&mut self, capturing: bool) {
        if capturing {
            self.opened += 1;
            self.open.push(self.opened);
        } else {
            self.open.push(0);
        }
    }

    /// The innermost group closes here; false if none is open.
    pub fn close(&mut self) -> bool {
        match self.open.pop() {
            Some(g) => {
                if g > 0 {
                    self.closed.insert(g);
                }
                true
            }
            None => false,
        }
    }

    /// How many capturing groups have opened so far.
    pub fn opened(&self) -> usize {
        self.opened
    }

    /// Whether group `n` has closed.
    pub fn is_closed(&self, n: usize) -> bool {
        self.closed.contains(&n)
    }

    /// Whether every group opened has closed.
    pub fn balanced(&self) -> bool {
        self.open.is_empty()
    }
}

/// A source being walked: the position, what has been written, the groups, and whether
/// what was just written can take a quantifier. Each dialect's translator derefs to it.
pub(crate) struct Cursor<'a> {
    pub source: &'a str,
    pub chars: Vec<char>,
    pub i: usize,
    pub out: String,
    pub groups: Groups,
    pub quantifiable: bool,
}

impl<'a> Cursor<'a> {
    pub fn new(source: &'a str) -> Cursor<'a> {
        Cursor {
            source,
            chars: source.chars().collect(),
            i: 0,
            out: String::with_capacity(source.len() + 8),
            groups: Groups::default(),
            quantifiable: false,
        }
    }

    /// `INVALID_PATTERN` for this source.
    pub fn err(&self, why: impl std::fmt::Display) -> Error {
        refuse(self.source, why)
    }

    /// The character `k` after the position.
    pub fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// Writes the character at the position as a literal.
    pub fn char_literal(&mut self, c: char) {
        self.i += 1;
        literal(&mut self.out, c);
        self.quantifiable = true;
    }

    /// A `)` at the position; `unmatched` is the dialect's words for a stray one.
    pub fn close_group(&mut self, unmatched: &str) -> Result<()> {
        self.i += 1;
        if !self.groups.close() {
            return Err(self.err(unmatched));
        }
        self.out.push(')');
        self.quantifiable = true;
        Ok(())
    }

    /// The text between `open` at the position and the next `close`, both consumed.
    pub fn delimited(&mut self, open: char, close: char, missing: &str) -> Result<String> {
        if self.peek(0) != Some(open) {
            return Err(self.err(missing));
        }
        let end = self.chars[self.i..]
            .iter()
            .position(|c| *c == close)
            .ok_or_else(|| self.err(missing))?;
        let body: String = self.chars[self.i + 1..self.i + end].iter().collect();
        self.i += end + 1;
        Ok(body)
    }

    /// `n` hex digits at the position, as a character, consumed.
    pub fn hex(&mut self, n: usize) -> Option<char> {
        let c = hex(&self.chars[self.i..], n)?;
        self.i += n;
        Some(c)
    }
}

/// One member of a class: a character, or a set written in engine syntax.
pub(crate) enum Member {
    Char(char),
    Set(String),
}

/// Writes a class member.
pub(crate) fn push_member(out: &mut String, m: Member) {
    match m {
        Member::Char(c) => literal(out, c),
        Member::Set(s) => out.push_str(&s),
    }
}

/// `n` hex digits at the start of `rest`, as a character.
pub(crate) fn hex(rest: &[char], n: usize) -> Option<char> {
    let digits: String = rest.get(..n)?.iter().collect();
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
}

/// `{n}`, `{n,}`, `{n,m}` (and, when `open_low`, `{,m}`) at the start of `rest`: the
/// length of the quantifier, braces included.
pub(crate) fn quantifier_len(rest: &[char], open_low: bool) -> Option<usize> {
    let close = rest.iter().position(|c| *c == '}')?;
    let body: String = rest[1..close].iter().collect();
    let mut parts = body.splitn(2, ',');
    let low = parts.next().unwrap_or("");
    let high = parts.next();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let ok = match high {
        None => digits(low),
        Some(h) => {
            (digits(low) || (open_low && low.is_empty() && digits(h)))
                && (h.is_empty() || digits(h))
        }
    };
    ok.then_some(close + 1)
}

/// The capturing groups of a source in order, with their names (`None` if unnamed):
/// `(`, `(?<name>` and `(?P<name>` open one.
pub(crate) fn groups(chars: &[char]) -> Vec<Option<String>> {
    let (mut out, mut in_class, mut i) = (Vec::new(), false, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                if let Some(name) = capture_name(&chars[i..]) {
                    out.push(name);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `Some(name)` for a capturing group at the start of `rest` (`(`, `(?<name>`,
/// `(?P<name>`), `None` for any other `(?…`.
pub(crate) fn capture_name(rest: &[char]) -> Option<Option<String>> {
    if rest.get(1) != Some(&'?') {
        return Some(None);
    }
    let after = match (rest.get(2), rest.get(3)) {
        (Some('<'), Some(c)) if *c != '=' && *c != '!' => 3,
        (Some('P'), Some('<')) => 4,
        _ => return None,
    };
    Some(Some(
        rest[after..].iter().take_while(|c| **c != '>').collect(),
    ))
}

/// Refuses a source that names two groups alike (both V8 and `re` do; the engine
/// would take it).
pub(crate) fn check_duplicate_names(source: &str, groups: &[Option<String>]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for name in groups.iter().flatten() {
        if !seen.insert(name) {
            return Err(refuse(
                source,
                format!("the group name {name:?} is used twice"),
            ));
        }
    }
    Ok(())
}

/// Writes `c` so that the engine reads it as that character, in a class or out of one.
pub(crate) fn literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() || c == ' ' {
        // The engine takes an escape of any ASCII punctuation as the character itself.
        if c == ' ' {
            out.push_str("\\x20");
        } else {
            out.push('\\');
            out.push(c);
        }
    } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
        out.push_str(&format!("\\x{{{:X}}}", c as u32));
    } else {
        out.push(c);
    }
}

/// The ASCII class behind JS's `\d`/`\w` (and Python's under `re.ASCII`), for use in a
/// class; `None` for any other letter.
pub(crate) fn ascii_class(c: char) -> Option<&'static str> {
    match c.to_ascii_lowercase() {
        'd' => Some("0-9"),
        'w' => Some("0-9A-Za-z_"),
        _ => None,
    }
}

/// An ASCII word boundary (`\b` of JS, and of Python under `re.ASCII`): the engine
/// only has a Unicode one, so it is spelled with lookarounds.
pub(crate) const ASCII_BOUNDARY: &str =
    "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))";
/// Its negation, `\B`.
pub(crate) const ASCII_NON_BOUNDARY: &str =
    "(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantifiers_and_groups() {
        let q = |s: &str, open| quantifier_len(&s.chars().collect::<Vec<_>>(), open);
        assert_eq!(q("{2}x", false), Some(3));
        assert_eq!(q("{2,}", false), Some(4));
        assert_eq!(q("{2,3}", false), Some(5));
        assert_eq!(q("{,3}", false), None);
        assert_eq!(q("{,3}", true), Some(4));
        assert_eq!(q("{a}", true), None);
        assert_eq!(q("{1", true), None);
        let g: Vec<char> = r"(a)(?:b)(?<n>c)(?P<m>d)[(]\(".chars().collect();
        assert_eq!(groups(&g), [None, Some("n".into()), Some("m".into())]);
    }
}

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

//! JavaScript regex sources read as V8 reads them, where the Rust engine would differ.
//!
//! Two differences change what matches without any error, so they are rewritten here:
//! - `{` that does not start a valid quantifier (`{,2}`, `{a}`) is a literal in a JS
//!   regex without the `u`/`v` flag (and a syntax error with it); the Rust engine reads
//!   `{,2}` as `{0,2}`.
//! - A backreference to a group that has not closed yet (`\1(h)`, `(a\1)`) matches the
//!   empty string in JS; the Rust engine never matches it.

use crate::error::{Error, ErrorCode, Result};

/// Rewrites a JS source so that the engine gives it V8's meaning; `unicode` is the
/// `u` or `v` flag.
pub(crate) fn from_js(source: &str, unicode: bool) -> Result<String> {
    let total = count_groups(source);
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    // Capturing groups by number (index + 1), with their names, as they open.
    let mut names: Vec<Option<String>> = Vec::new();
    // The groups open around the current position: a group's number, or 0 for `(?:…`.
    let mut open: Vec<usize> = Vec::new();
    let mut closed = std::collections::HashSet::new();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let next = chars[i + 1];
                if !in_class && next.is_ascii_digit() && next != '0' {
                    let digits: String = chars[i + 1..]
                        .iter()
                        .take_while(|d| d.is_ascii_digit())
                        .collect();
                    let n: usize = digits.parse().unwrap_or(usize::MAX);
                    if n <= total && !closed.contains(&n) {
                        out.push_str("(?:)");
                        i += 1 + digits.chars().count();
                        continue;
                    }
                }
                if !in_class && next == 'k' && chars.get(i + 2) == Some(&'<') {
                    let name: String = chars[i + 3..].iter().take_while(|c| **c != '>').collect();
                    let number = names.iter().position(|n| n.as_deref() == Some(&name));
                    let later = number.is_none() && source.contains(&format!("(?<{name}>"));
                    if later || number.is_some_and(|g| !closed.contains(&(g + 1))) {
                        out.push_str("(?:)");
                        i += 4 + name.chars().count();
                        continue;
                    }
                }
                // `\p{…}`, `\u{…}` and the like: the braces belong to the escape.
                if matches!(next, 'p' | 'P' | 'u' | 'x') && chars.get(i + 2) == Some(&'{') {
                    if let Some(len) = chars[i + 2..].iter().position(|c| *c == '}') {
                        out.extend(&chars[i..i + 3 + len]);
                        i += 3 + len;
                        continue;
                    }
                }
                out.push(c);
                out.push(next);
                i += 2;
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                if let Some(name) = capture_name(&chars[i..]) {
                    names.push(name);
                    open.push(names.len());
                } else {
                    open.push(0);
                }
            }
            ')' if !in_class => {
                if let Some(g) = open.pop().filter(|g| *g > 0) {
                    closed.insert(g);
                }
            }
            '{' if !in_class && !is_quantifier(&chars[i..]) => {
                if unicode {
                    return Err(Error::new(
                        ErrorCode::InvalidPattern,
                        format!("invalid regex /{source}/: a lone '{{' is a syntax error with the u or v flag"),
                    ));
                }
                out.push_str("\\{");
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// `Some(name)` for a capturing group at the start of `rest` (`(`, `(?<name>`,
/// `(?P<name>`), `None` for any other `(?…`.
fn capture_name(rest: &[char]) -> Option<Option<String>> {
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

/// `{n}`, `{n,}` or `{n,m}` at the start of `rest`.
fn is_quantifier(rest: &[char]) -> bool {
    let body: String = rest[1..].iter().take_while(|c| **c != '}').collect();
    if rest.len() < body.chars().count() + 2 {
        return false;
    }
    let mut parts = body.splitn(2, ',');
    let low = parts.next().unwrap_or("");
    let high = parts.next();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(low) && high.map_or(true, |h| h.is_empty() || digits(h))
}

/// How many capturing groups the source has.
fn count_groups(source: &str) -> usize {
    let chars: Vec<char> = source.chars().collect();
    let (mut n, mut in_class, mut i) = (0, false, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class && capture_name(&chars[i..]).is_some() => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brace_that_is_no_quantifier_is_literal() {
        assert_eq!(from_js("hel{,2}o", false).unwrap(), "hel\\{,2}o");
        assert_eq!(
            from_js("a{2}b{1,}c{1,3}", false).unwrap(),
            "a{2}b{1,}c{1,3}"
        );
        assert_eq!(from_js("[{,2}]", false).unwrap(), "[{,2}]");
        assert!(from_js("hel{,2}o", true).is_err());
        assert_eq!(
            from_js("\\p{Script=Greek}+", true).unwrap(),
            "\\p{Script=Greek}+"
        );
    }

    #[test]
    fn a_backreference_before_its_group_closes_matches_empty() {
        assert_eq!(from_js("\\1(h)", false).unwrap(), "(?:)(h)");
        assert_eq!(from_js("(a\\1)", false).unwrap(), "(a(?:))");
        assert_eq!(from_js("(a)\\1", false).unwrap(), "(a)\\1");
        assert_eq!(from_js("(?:x)\\1(y)", false).unwrap(), "(?:x)(?:)(y)");
        assert_eq!(from_js("\\k<n>(?<n>a)", false).unwrap(), "(?:)(?<n>a)");
        assert_eq!(from_js("(?<n>a)\\k<n>", false).unwrap(), "(?<n>a)\\k<n>");
        assert_eq!(from_js("[\\1](a)", false).unwrap(), "[\\1](a)");
    }
}

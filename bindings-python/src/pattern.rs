//! `wait_for_log` patterns: a `str` is a substring, a compiled `re.Pattern` a regex.

use crate::error::{pattern_error, wrong_type, IntoPyResult};
use procwright::{Pattern, RegexFlags};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

// `re` flag values (stable since Python 3.6).
const TEMPLATE: i64 = 1;
const IGNORECASE: i64 = 2;
const LOCALE: i64 = 4;
const MULTILINE: i64 = 8;
const DOTALL: i64 = 16;
const UNICODE: i64 = 32;
const VERBOSE: i64 = 64;
const DEBUG: i64 = 128;
const ASCII: i64 = 256;

fn re_pattern_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static T: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    T.import(py, "re", "Pattern")
}

/// Converts a `str` or `re.Pattern`; flags the engine cannot honour are `INVALID_PATTERN`.
pub fn pattern(obj: &Bound<'_, PyAny>) -> PyResult<Pattern> {
    let py = obj.py();
    if let Ok(s) = obj.cast::<PyString>() {
        return Pattern::substring(s.to_str()?).py();
    }
    if !obj.is_instance(re_pattern_type(py)?)? {
        return Err(wrong_type(format!(
            "pattern must be a str or a compiled re.Pattern, got {}",
            obj.get_type().name()?
        )));
    }
    let source = obj.getattr("pattern")?;
    let Ok(source) = source.cast::<PyString>() else {
        return Err(pattern_error(
            "bytes patterns are not supported: output is matched as text, compile a str pattern",
        ));
    };
    let flags: i64 = obj.getattr("flags")?.extract()?;
    let unsupported: Vec<&str> = [
        (ASCII, "re.ASCII"),
        (LOCALE, "re.LOCALE"),
        (DEBUG, "re.DEBUG"),
        (TEMPLATE, "re.TEMPLATE"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    if !unsupported.is_empty() {
        return Err(pattern_error(format!(
            "{} cannot be honoured by the regex engine (it is always Unicode-aware)",
            unsupported.join(", ")
        )));
    }
    let known = IGNORECASE | MULTILINE | DOTALL | UNICODE | VERBOSE | ASCII | LOCALE | DEBUG;
    if flags & !known & !TEMPLATE != 0 {
        return Err(pattern_error(format!("unknown regex flags {flags:#x}")));
    }
    let source = named_characters(py, source.to_str()?)?;
    check_set_operations(&source)?;
    Pattern::regex(
        &source,
        RegexFlags {
            ignore_case: flags & IGNORECASE != 0,
            multi_line: flags & MULTILINE != 0,
            dot_all: flags & DOTALL != 0,
            verbose: flags & VERBOSE != 0,
        },
    )
    .py()
}

/// Python's `\N{NAME}` names a character, which the Rust engine does not know: each is
/// replaced by `\x{HEX}` of the character Python's own `unicodedata` names.
fn named_characters(py: Python<'_>, source: &str) -> PyResult<String> {
    if !source.contains("\\N{") {
        return Ok(source.to_owned());
    }
    let lookup = py.import("unicodedata")?.getattr("lookup")?;
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let esc = &rest[i..];
        if let Some(body) = esc.strip_prefix("\\N{") {
            let Some(end) = body.find('}') else {
                return Err(pattern_error("\\N{ has no closing brace"));
            };
            let name = &body[..end];
            let ch: String = lookup
                .call1((name,))
                .and_then(|c| c.extract())
                .map_err(|_| pattern_error(format!("unknown character name \\N{{{name}}}")))?;
            for c in ch.chars() {
                out.push_str(&format!("\\x{{{:X}}}", c as u32));
            }
            rest = &body[end + 1..];
        } else {
            // Any other escape is kept whole, so `\\N{` (an escaped backslash) is not read.
            let len = esc[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&esc[..len]);
            rest = &esc[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Inside `[...]`, Python reads `[`, `&&`, `--` and `~~` literally, while the Rust engine
/// reads a nested class (or `[:alpha:]`) and set operations: the same source would
/// silently match differently, so it is refused. (Python itself warns about these.)
fn check_set_operations(source: &str) -> PyResult<()> {
    let bytes = source.as_bytes();
    let mut in_class = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' {
            i += 2;
            continue;
        }
        if !in_class {
            if c == b'[' {
                in_class = true;
                // A `]` right after `[` or `[^` is a literal.
                if bytes.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
        } else if c == b']' {
            in_class = false;
        } else if c == b'[' {
            return Err(pattern_error(
                "an unescaped '[' inside a character class is a nested class for the regex \
                 engine but a literal for Python; escape it as \\[",
            ));
        } else if matches!(c, b'&' | b'-' | b'~') && bytes.get(i + 1) == Some(&c) {
            return Err(pattern_error(format!(
                "{:?} inside a character class is a set operation for the regex engine \
                 but literal for Python; escape it",
                &source[i..i + 2]
            )));
        }
        i += 1;
    }
    Ok(())
}

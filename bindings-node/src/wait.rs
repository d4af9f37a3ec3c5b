//! `NativeLogMatch`: the line that satisfied `waitForLog`.

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use procwright::input;
use std::collections::BTreeMap;

/// `waitForLog`'s options (the JS layer turns a bare timeout into `{timeout}`).
#[napi(object)]
pub struct NativeLogWaitOptions {
    /// Milliseconds before it rejects with `ProcessReadyTimeoutError`.
    pub timeout: Option<f64>,
    /// Resolve on the Nth matching line (default 1).
    pub times: Option<f64>,
    /// `'stdout'` or `'stderr'`: only that stream's lines.
    pub stream: Option<String>,
    /// A cursor to read from, or `'now'` to ignore kept output.
    #[napi(ts_type = "number | 'now'")]
    pub since: Option<Either<f64, String>>,
}

impl NativeLogWaitOptions {
    pub(crate) fn into_core(self) -> procwright::Result<procwright::LogWaitOptions> {
        Ok(procwright::LogWaitOptions {
            timeout: crate::convert::millis("timeout", self.timeout)?,
            times: match self.times {
                Some(t) => input::times(input::integer("times", t)?)?,
                None => 1,
            },
            stream: crate::convert::stream(self.stream)?,
            since: match self.since {
                None => procwright::LogSince::Start,
                Some(Either::A(c)) => {
                    procwright::LogSince::Cursor(input::cursor(input::integer("since", c)?)?)
                }
                Some(Either::B(s)) if s == "now" => procwright::LogSince::Now,
                Some(Either::B(s)) => {
                    return Err(procwright::Error::invalid(format!(
                        "since must be a cursor or 'now', got {s:?}"
                    )))
                }
            },
        })
    }
}

/// `waitForLog`'s result; the JS layer turns `match` into a RegExp-like match array.
#[napi(object)]
pub struct NativeLogMatch {
    /// The whole line, without its newline.
    pub line: String,
    /// `"stdout"` or `"stderr"`.
    pub stream: String,
    /// For a RegExp: `[whole match, group 1, …]` (`null` for a group that did not take part).
    #[napi(js_name = "match")]
    pub matched: Option<Vec<Option<String>>>,
    /// Named groups of a RegExp, if it has any.
    pub groups: Option<BTreeMap<String, Option<String>>>,
    /// Where the match starts in `line`, in UTF-16 code units (as `RegExp` counts).
    pub index: u32,
    /// The cursor just after the line: `since` this finds the next match.
    pub cursor: f64,
}

impl From<procwright::LogMatch> for NativeLogMatch {
    fn from(m: procwright::LogMatch) -> Self {
        let index = m
            .line
            .get(..m.index)
            .map_or(0, |p| p.encode_utf16().count()) as u32;
        NativeLogMatch {
            stream: m.stream.as_str().to_owned(),
            matched: m.groups,
            groups: (!m.named.is_empty()).then_some(m.named),
            index,
            cursor: m.cursor as f64,
            line: m.line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::PatternArg;

    #[test]
    fn match_index_counts_utf16_units_like_javascript() {
        let pattern = PatternArg::RegExp {
            source: r"port (?<n>\d+)".into(),
            flags: "gi".into(),
        }
        .compile()
        .unwrap();
        let line = "αβγ😀 PORT 42";
        let m = pattern.find(line).unwrap().unwrap();
        let js: NativeLogMatch = procwright::LogMatch {
            line: line.into(),
            stream: procwright::StreamKind::Stdout,
            groups: Some(m.groups),
            named: m.named,
            index: m.index,
            cursor: 0,
        }
        .into();
        assert_eq!(js.index, 6); // 3 BMP letters, one surrogate pair, a space
        assert_eq!(js.matched.unwrap()[1].as_deref(), Some("42"));
        assert_eq!(js.groups.unwrap()["n"].as_deref(), Some("42"));
        assert!(PatternArg::Text(String::new()).compile().is_err());
    }
}

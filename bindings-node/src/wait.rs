//! `NativeLogMatch`: the line that satisfied `waitForLog`.

use napi_derive::napi;
use std::collections::BTreeMap;

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

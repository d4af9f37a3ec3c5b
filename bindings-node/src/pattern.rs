//! `string | RegExp` → core `Pattern`. A RegExp has no napi type: we check
//! `instanceof RegExp` and read its `source` and `flags` (as rolldown does).

use napi::bindgen_prelude::*;
use napi::{sys, Env, JsValue, ValueType};
use procwright::Pattern;
use std::collections::BTreeMap;

/// What `waitForLog` was given.
pub enum PatternArg {
    Text(String),
    RegExp { source: String, flags: String },
}

impl TypeName for PatternArg {
    fn type_name() -> &'static str {
        "string | RegExp"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for PatternArg {}

impl FromNapiValue for PatternArg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let unknown = unsafe { Unknown::from_napi_value(env, value)? };
        match unknown.get_type()? {
            ValueType::String => Ok(PatternArg::Text(unsafe {
                String::from_napi_value(env, value)?
            })),
            ValueType::Object => {
                let env = Env::from_raw(env);
                let obj = unsafe { Object::from_napi_value(env.raw(), value)? };
                let ctor: Unknown = env.get_global()?.get_named_property("RegExp")?;
                if !obj.instanceof(ctor)? {
                    return Err(not_a_pattern());
                }
                Ok(PatternArg::RegExp {
                    source: obj.get_named_property("source")?,
                    flags: obj.get_named_property("flags")?,
                })
            }
            _ => Err(not_a_pattern()),
        }
    }
}

fn not_a_pattern() -> Error {
    Error::new(
        Status::InvalidArg,
        "pattern must be a string or a RegExp".to_owned(),
    )
}

impl PatternArg {
    /// The core pattern: flags i, m, s honoured; g, y, u, d, v change nothing line by line.
    pub(crate) fn compile(self) -> procwright::Result<Pattern> {
        match self {
            PatternArg::Text(s) => Pattern::substring(s),
            PatternArg::RegExp { source, flags } => Pattern::from_js(&source, &flags),
        }
    }
}

/// `waitForLog`'s result; the JS layer turns `match` into a RegExp-like match array.
#[napi_derive::napi(object)]
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
        }
        .into();
        assert_eq!(js.index, 6); // 3 BMP letters, one surrogate pair, a space
        assert_eq!(js.matched.unwrap()[1].as_deref(), Some("42"));
        assert_eq!(js.groups.unwrap()["n"].as_deref(), Some("42"));
        assert!(PatternArg::Text(String::new()).compile().is_err());
    }
}

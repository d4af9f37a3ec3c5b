//! `string | RegExp` → core `Pattern`. A RegExp has no napi type: we check
//! `instanceof RegExp` and read its `source` and `flags` (as rolldown does).

use napi::bindgen_prelude::*;
use napi::{sys, Env, JsValue, ValueType};
use procwright::Pattern;

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
    /// The core pattern, the RegExp read as V8 reads it.
    pub(crate) fn compile(self) -> procwright::Result<Pattern> {
        match self {
            PatternArg::Text(s) => Pattern::substring(s),
            PatternArg::RegExp { source, flags } => Pattern::from_js(&source, &flags),
        }
    }
}

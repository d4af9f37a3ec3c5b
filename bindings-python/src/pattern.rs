//! `wait_for_log` patterns: a `str` is a substring, a compiled `re.Pattern` a regex whose
//! source and flags the core reads as `re` does (`Pattern::from_python`).

use crate::error::{pattern_error, wrong_type, IntoPyResult};
use procwright::Pattern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

fn re_pattern_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static T: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    T.import(py, "re", "Pattern")
}

/// Converts a `str` or a `re.Pattern` into the core's pattern.
pub fn pattern(obj: &Bound<'_, PyAny>) -> PyResult<Pattern> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Pattern::substring(s.to_cow()?.into_owned()).py();
    }
    if !obj.is_instance(re_pattern_type(obj.py())?)? {
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
    let flags: u32 = obj.getattr("flags")?.extract()?;
    Pattern::from_python(&source.to_cow()?, flags).py()
}

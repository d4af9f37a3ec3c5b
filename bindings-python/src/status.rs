//! `ExitResult`: how a process ended.

use crate::process::Q;
use pyo3::prelude::*;

/// How a process ended.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct ExitResult {
    /// The exit code (128+N after signal N); None if it never started.
    pub exit_code: Option<i32>,
    /// The signal that ended it, e.g. `"SIGKILL"`.
    pub signal: Option<&'static str>,
    /// `completed`, `failed`, `killed` or `error`.
    pub status: &'static str,
}

impl From<procwright::ExitInfo> for ExitResult {
    fn from(e: procwright::ExitInfo) -> Self {
        ExitResult {
            exit_code: e.exit_code,
            signal: e.signal,
            status: e.status.as_str(),
        }
    }
}

#[pymethods]
impl ExitResult {
    fn __repr__(&self) -> String {
        format!(
            "<ExitResult status={:?} exit_code={} signal={}>",
            Q(self.status),
            self.exit_code.map_or("None".into(), |c| c.to_string()),
            self.signal.map_or("None".into(), |s| format!("{:?}", Q(s)))
        )
    }
}

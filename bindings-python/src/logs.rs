//! `Logs`: the output kept for a process.

use crate::process::preview;
use pyo3::prelude::*;

/// Output kept for a process.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct Logs {
    /// Everything kept from stdout.
    pub stdout: String,
    /// Everything kept from stderr.
    pub stderr: String,
    /// Bytes of stdout dropped past the log limit.
    pub stdout_dropped: u64,
    /// Bytes of stderr dropped past the log limit.
    pub stderr_dropped: u64,
    /// Where to continue from: pass it as `since=` to get only newer output.
    pub cursor: u64,
    /// Whether the log limit dropped output inside the window asked for.
    pub truncated: bool,
}

impl From<procwright::Logs> for Logs {
    fn from(l: procwright::Logs) -> Self {
        Logs {
            stdout: l.stdout,
            stderr: l.stderr,
            stdout_dropped: l.stdout_dropped,
            stderr_dropped: l.stderr_dropped,
            cursor: l.cursor,
            truncated: l.truncated,
        }
    }
}

#[pymethods]
impl Logs {
    fn __repr__(&self) -> String {
        format!(
            "<Logs stdout={} stderr={} cursor={}{}>",
            preview(&self.stdout),
            preview(&self.stderr),
            self.cursor,
            if self.truncated { " truncated" } else { "" }
        )
    }
}

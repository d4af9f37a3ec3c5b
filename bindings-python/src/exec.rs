//! `exec`'s result.

use crate::process::{preview, Q};
use pyo3::prelude::*;

/// What `exec` returns.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct ExecResult {
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
    /// The exit code (128+N after signal N).
    pub exit_code: i32,
    /// Whether the exit code is 0.
    pub success: bool,
    /// How long it ran, in seconds.
    pub duration: f64,
    /// The command as given.
    pub command: String,
    /// Whether output beyond `max_buffer` was dropped.
    pub truncated: bool,
    /// Bytes of stdout dropped from the front to stay within `max_buffer`.
    pub stdout_dropped: u64,
    /// Bytes of stderr dropped from the front to stay within `max_buffer`.
    pub stderr_dropped: u64,
    /// A session's exec ran in a fresh shell (the previous one ended): state was reset.
    pub shell_restarted: bool,
}

impl From<procwright::ExecResult> for ExecResult {
    fn from(r: procwright::ExecResult) -> Self {
        ExecResult {
            stdout: r.stdout,
            stderr: r.stderr,
            exit_code: r.exit_code,
            success: r.success,
            duration: r.duration.as_secs_f64(),
            command: r.command,
            truncated: r.truncated,
            stdout_dropped: r.stdout_dropped,
            stderr_dropped: r.stderr_dropped,
            shell_restarted: r.shell_restarted,
        }
    }
}

#[pymethods]
impl ExecResult {
    fn __repr__(&self) -> String {
        format!(
            "<ExecResult command={:?} exit_code={} success={} duration={:.3} stdout={} stderr={}>",
            Q(&self.command),
            self.exit_code,
            if self.success { "True" } else { "False" },
            self.duration,
            preview(&self.stdout),
            preview(&self.stderr)
        )
    }
}

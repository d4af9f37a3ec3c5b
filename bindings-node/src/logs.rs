//! `NativeLogs`: the output kept for a process.

use napi_derive::napi;

/// Output kept so far, and how many bytes of each stream the log limit dropped.
#[napi(object)]
pub struct NativeLogs {
    pub stdout: String,
    pub stderr: String,
    pub stdout_dropped: f64,
    pub stderr_dropped: f64,
}

impl From<procwright::Logs> for NativeLogs {
    fn from(l: procwright::Logs) -> Self {
        NativeLogs {
            stdout: l.stdout,
            stderr: l.stderr,
            // Exact up to 2^53 bytes, far past anything a pipe delivers.
            stdout_dropped: l.stdout_dropped as f64,
            stderr_dropped: l.stderr_dropped as f64,
        }
    }
}

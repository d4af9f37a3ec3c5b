//! `NativeLogs`: the output kept for a process.

use crate::convert::{byte_limit, cursor, stream};
use napi_derive::napi;

/// Output kept so far, and how many bytes of each stream the log limit dropped.
#[napi(object)]
pub struct NativeLogs {
    pub stdout: String,
    pub stderr: String,
    pub stdout_dropped: f64,
    pub stderr_dropped: f64,
    /// Where to continue from (`since`).
    pub cursor: f64,
    /// Whether the log limit dropped output inside the window asked for.
    pub truncated: bool,
}

/// `getLogs` options: which part of the kept output.
#[napi(object)]
pub struct NativeLogQuery {
    /// Only output after this cursor.
    pub since: Option<f64>,
    /// Only the last N lines.
    pub tail: Option<f64>,
    /// `'stdout'` or `'stderr'`.
    pub stream: Option<String>,
    /// At most this many bytes, the newest.
    pub max_bytes: Option<f64>,
}

impl NativeLogQuery {
    pub(crate) fn into_core(self) -> procwright::Result<procwright::LogQuery> {
        use procwright::input;
        Ok(procwright::LogQuery {
            since: cursor(self.since)?,
            tail: self
                .tail
                .map(|t| input::line_count("tail", input::integer("tail", t)?))
                .transpose()?,
            stream: stream(self.stream)?,
            max_bytes: byte_limit("maxBytes", self.max_bytes)?,
        })
    }
}

impl From<procwright::Logs> for NativeLogs {
    fn from(l: procwright::Logs) -> Self {
        NativeLogs {
            stdout: l.stdout,
            stderr: l.stderr,
            // Exact up to 2^53 bytes, far past anything a pipe delivers.
            stdout_dropped: l.stdout_dropped as f64,
            stderr_dropped: l.stderr_dropped as f64,
            cursor: l.cursor as f64,
            truncated: l.truncated,
        }
    }
}

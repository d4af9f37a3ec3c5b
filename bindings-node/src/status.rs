//! `NativeExit`: how a process ended.

use napi_derive::napi;

/// How a process ended.
#[napi(object)]
pub struct NativeExit {
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    pub status: String,
}

impl From<procwright::ExitInfo> for NativeExit {
    fn from(e: procwright::ExitInfo) -> Self {
        NativeExit {
            exit_code: e.exit_code,
            signal: e.signal.map(str::to_owned),
            status: e.status.as_str().to_owned(),
        }
    }
}

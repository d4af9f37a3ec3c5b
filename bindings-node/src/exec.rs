//! `exec`: run to completion; with `onOutput`, output and the result travel on one
//! queue so every chunk is delivered before the Promise settles.

use crate::convert::{byte_limit, env as env_changes, millis};
use crate::observer::{Event, StrongTsfn};
use napi::bindgen_prelude::{Either, Uint8Array};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi_derive::napi;
use procwright::{ExecOptions, ExecResult, OutputCallback};
use std::collections::HashMap;
use std::sync::Arc;

/// Options of `exec`; times in milliseconds.
#[napi(object)]
pub struct NativeExecOptions {
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
    pub timeout: Option<f64>,
    /// When `timeout` fires, how long after SIGTERM SIGKILL follows.
    pub kill_timeout: Option<f64>,
    /// Bytes of each stream kept for the result; default 100 MiB.
    pub max_buffer: Option<f64>,
    /// Written to stdin, which is then closed: a string (UTF-8) or bytes.
    #[napi(ts_type = "string | Uint8Array")]
    pub input: Option<Either<String, Uint8Array>>,
}

/// What `exec` resolves with; `duration` in milliseconds.
#[napi(object)]
pub struct NativeExecResult {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    pub success: bool,
    pub duration: f64,
    pub command: String,
    /// Whether output beyond `maxBuffer` was dropped.
    pub truncated: bool,
    /// Bytes of stdout dropped from the front to stay within `maxBuffer`.
    pub stdout_dropped: f64,
    /// Bytes of stderr dropped from the front to stay within `maxBuffer`.
    pub stderr_dropped: f64,
    /// A session's exec ran in a fresh shell (the previous one ended): state was reset.
    pub shell_restarted: bool,
}

impl From<ExecResult> for NativeExecResult {
    fn from(r: ExecResult) -> Self {
        NativeExecResult {
            stdout: r.stdout,
            stderr: r.stderr,
            exit_code: r.exit_code,
            success: r.success,
            duration: r.duration.as_secs_f64() * 1000.0,
            command: r.command,
            truncated: r.truncated,
            stdout_dropped: r.stdout_dropped as f64,
            stderr_dropped: r.stderr_dropped as f64,
            shell_restarted: r.shell_restarted,
        }
    }
}

pub(crate) fn options(
    o: Option<NativeExecOptions>,
    on_output: Option<&Arc<StrongTsfn>>,
) -> procwright::Result<ExecOptions> {
    let o = o.unwrap_or(NativeExecOptions {
        cwd: None,
        env: None,
        timeout: None,
        kill_timeout: None,
        max_buffer: None,
        input: None,
    });
    let on_output = on_output.map(|tsfn| {
        let tsfn = tsfn.clone();
        Arc::new(move |stream, data: &str| {
            let _ = tsfn.call(
                Event::Output(stream, data.to_owned()),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }) as OutputCallback
    });
    Ok(ExecOptions {
        cwd: o.cwd.map(Into::into),
        env: env_changes(o.env),
        timeout: millis("timeout", o.timeout)?,
        kill_timeout: millis("killTimeout", o.kill_timeout)?,
        on_output,
        session_id: None,
        max_buffer: byte_limit("maxBuffer", o.max_buffer)?,
        input: o.input.map(crate::convert::bytes),
    })
}

/// Delivers the end of an `exec` after its output.
pub(crate) fn done(tsfn: &Arc<StrongTsfn>, r: procwright::Result<ExecResult>) {
    let _ = tsfn.call(
        Event::Done(Box::new(r)),
        ThreadsafeFunctionCallMode::NonBlocking,
    );
}

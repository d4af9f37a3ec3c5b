//! `NativeProcess`: the live fields of a core `Process`, its kill and its waits.

use crate::convert::{epoch_ms, millis, signal};
use crate::error::promise;
use crate::event::NativeLogStream;
use crate::logs::NativeLogs;
use crate::pattern::PatternArg;
use crate::port::NativePortOptions;
use crate::status::NativeExit;
use crate::wait::NativeLogMatch;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{PortWaitOptions, DEFAULT_KILL_TIMEOUT};
use std::time::Duration;

/// A handle on a started process (which, as every core handle, keeps its sandbox).
#[napi]
pub struct NativeProcess {
    pub(crate) inner: procwright::Process,
}

impl NativeProcess {
    pub(crate) fn new(inner: procwright::Process) -> Self {
        NativeProcess { inner }
    }
}

#[napi]
impl NativeProcess {
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_owned()
    }

    #[napi(getter)]
    pub fn pid(&self) -> Option<u32> {
        self.inner.pid()
    }

    #[napi(getter)]
    pub fn command(&self) -> String {
        self.inner.command().to_owned()
    }

    #[napi(getter)]
    pub fn status(&self) -> &'static str {
        self.inner.status().as_str()
    }

    /// Milliseconds since the epoch.
    #[napi(getter)]
    pub fn start_time_ms(&self) -> f64 {
        epoch_ms(self.inner.start_time())
    }

    /// Milliseconds since the epoch, once ended.
    #[napi(getter)]
    pub fn end_time_ms(&self) -> Option<f64> {
        self.inner.end_time().map(epoch_ms)
    }

    #[napi(getter)]
    pub fn exit_code(&self) -> Option<i32> {
        self.inner.exit_code()
    }

    #[napi(getter)]
    pub fn signal(&self) -> Option<&'static str> {
        self.inner.signal()
    }

    #[napi(getter)]
    pub fn session_id(&self) -> Option<String> {
        self.inner.session_id().map(str::to_owned)
    }

    /// Signals the whole group; for terminating signals resolves once it has exited.
    #[napi(ts_args_type = "signal?: string | number | null, timeoutMs?: number | null")]
    pub fn kill<'env>(
        &self,
        env: &'env Env,
        sig: Option<Either<String, f64>>,
        timeout_ms: Option<f64>,
    ) -> Result<PromiseRaw<'env, ()>> {
        let p = self.inner.clone();
        promise(
            env,
            async move {
                let sig = signal(sig)?;
                let timeout: Duration =
                    millis("timeout", timeout_ms)?.unwrap_or(DEFAULT_KILL_TIMEOUT);
                p.kill(sig, timeout).await
            },
            |_, ()| Ok(()),
        )
    }

    /// Writes to the stdin pipe; resolves once the pipe took it all. `cancel`, when
    /// given, ends the write early (an `AbortSignal` in the JS layer).
    #[napi(ts_args_type = "data: string | Uint8Array, cancel?: NativeCancel | null")]
    pub fn write<'env>(
        &self,
        env: &'env Env,
        data: Either<String, Uint8Array>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'env, ()>> {
        let (p, data) = (self.inner.clone(), crate::convert::bytes(data));
        let mut cancelled = cancel.map(|c| c.0.subscribe());
        promise(
            env,
            async move {
                let Some(rx) = cancelled.as_mut() else {
                    return p.write(&data).await;
                };
                tokio::select! {
                    r = p.write(&data) => r,
                    _ = rx.wait_for(|c| *c) => Err(procwright::Error::new(
                        procwright::ErrorCode::ProcessError,
                        format!("the write to process {:?} was aborted", p.id()),
                    ).with_process(p.id())),
                }
            },
            |_, ()| Ok(()),
        )
    }

    /// Resizes the terminal of a process started with `pty` (it gets SIGWINCH).
    #[napi]
    pub fn resize(&self, env: Env, cols: f64, rows: f64) -> Result<()> {
        crate::scope::pty_size(cols, rows)
            .and_then(|size| self.inner.resize(size))
            .map_err(|e| crate::error::throwable(&env, e))
    }

    /// Closes the stdin pipe (on a terminal, types Ctrl-D): the process reads end of file.
    #[napi]
    pub fn close_stdin<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let p = self.inner.clone();
        promise(env, async move { p.close_stdin().await }, |_, ()| Ok(()))
    }

    /// Output kept so far.
    #[napi]
    pub fn logs(&self) -> NativeLogs {
        self.inner.logs().into()
    }

    #[napi(ts_args_type = "pattern: string | RegExp, timeoutMs?: number | null")]
    pub fn wait_for_log<'env>(
        &self,
        env: &'env Env,
        pattern: PatternArg,
        timeout_ms: Option<f64>,
    ) -> Result<PromiseRaw<'env, NativeLogMatch>> {
        let p = self.inner.clone();
        promise(
            env,
            async move {
                let pattern = pattern.compile()?;
                let timeout = millis("timeout", timeout_ms)?;
                p.wait_for_log(&pattern, timeout).await
            },
            |_, m| Ok(m.into()),
        )
    }

    #[napi]
    pub fn wait_for_port<'env>(
        &self,
        env: &'env Env,
        port: f64,
        options: Option<NativePortOptions>,
    ) -> Result<PromiseRaw<'env, ()>> {
        let p = self.inner.clone();
        promise(
            env,
            async move {
                let port = procwright::input::port(procwright::input::integer("port", port)?)?;
                let options = match options {
                    Some(o) => o.into_core()?,
                    None => PortWaitOptions::default(),
                };
                p.wait_for_port(port, &options).await
            },
            |_, ()| Ok(()),
        )
    }

    #[napi]
    pub fn wait_for_exit<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
    ) -> Result<PromiseRaw<'env, NativeExit>> {
        let p = self.inner.clone();
        promise(
            env,
            async move {
                let timeout = millis("timeout", timeout_ms)?;
                p.wait_for_exit(timeout).await
            },
            |_, e| Ok(e.into()),
        )
    }

    /// Kept output in read order, then live output, then `exit`.
    #[napi]
    pub fn stream_logs(&self) -> NativeLogStream {
        NativeLogStream::new(self.inner.stream_logs())
    }
}

/// Ends a pending `write` when `cancel()` is called (the JS layer's `AbortSignal`).
#[napi]
pub struct NativeCancel(tokio::sync::watch::Sender<bool>);

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    pub fn new() -> Self {
        NativeCancel(tokio::sync::watch::Sender::new(false))
    }

    /// Cancels every write given this token.
    #[napi]
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

//! `NativeProcess`: the live fields of a core `Process`, its kill and its waits.

use crate::cancel::{NativeCancel, Watch};
use crate::convert::{epoch_ms, millis, signal};
use crate::error::promise;
use crate::event::{NativeLogStream, NativeLogStreamOptions};
use crate::logs::{NativeLogQuery, NativeLogs};
use crate::pattern::PatternArg;
use crate::port::{to_js, NativeListeningPort, NativePortOptions};
use crate::status::NativeExit;
use crate::wait::{NativeLogMatch, NativeLogWaitOptions};
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

    /// How many times the restart policy started it again.
    #[napi(getter)]
    pub fn restarts(&self) -> u32 {
        self.inner.restarts()
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
        let p = self.inner.clone();
        // The place in line is taken now, at the call: writes arrive in call order.
        let write = p.write(&crate::convert::bytes(data));
        let watch = Watch::new(cancel);
        promise(
            env,
            async move { watch.run(write, || aborted(&p, "write to")).await },
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
        let close = self.inner.close_stdin();
        promise(env, close, |_, ()| Ok(()))
    }

    /// Output kept so far, as selected (`since`, `tail`, `stream`, `maxBytes`).
    #[napi]
    pub fn logs(&self, env: Env, query: Option<NativeLogQuery>) -> Result<NativeLogs> {
        query
            .map_or_else(|| Ok(Default::default()), NativeLogQuery::into_core)
            .and_then(|q| self.inner.get_logs(&q))
            .map(NativeLogs::from)
            .map_err(|e| crate::error::throwable(&env, e))
    }

    #[napi(
        ts_args_type = "pattern: string | RegExp, options?: NativeLogWaitOptions | null, cancel?: NativeCancel | null"
    )]
    pub fn wait_for_log<'env>(
        &self,
        env: &'env Env,
        pattern: PatternArg,
        options: Option<NativeLogWaitOptions>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'env, NativeLogMatch>> {
        let (p, watch) = (self.inner.clone(), Watch::new(cancel));
        promise(
            env,
            async move {
                let pattern = pattern.compile()?;
                let options = options.map_or_else(|| Ok(Default::default()), |o| o.into_core())?;
                watch
                    .run(p.wait_for_log_with(&pattern, &options), || {
                        aborted(&p, "wait for a log line of")
                    })
                    .await
            },
            |_, m| Ok(m.into()),
        )
    }

    #[napi(
        ts_args_type = "port: number, options?: NativePortOptions | null, cancel?: NativeCancel | null"
    )]
    pub fn wait_for_port<'env>(
        &self,
        env: &'env Env,
        port: f64,
        options: Option<NativePortOptions>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'env, ()>> {
        let (p, watch) = (self.inner.clone(), Watch::new(cancel));
        promise(
            env,
            async move {
                let port = procwright::input::port(procwright::input::integer("port", port)?)?;
                let options = match options {
                    Some(o) => o.into_core()?,
                    None => PortWaitOptions::default(),
                };
                watch
                    .run(p.wait_for_port(port, &options), || {
                        aborted(&p, "wait for a port of")
                    })
                    .await
            },
            |_, ()| Ok(()),
        )
    }

    /// Waits until the process tree listens on any TCP port; resolves with the port.
    #[napi(ts_args_type = "options?: NativePortOptions | null, cancel?: NativeCancel | null")]
    pub fn wait_for_any_port<'env>(
        &self,
        env: &'env Env,
        options: Option<NativePortOptions>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'env, u32>> {
        let (p, watch) = (self.inner.clone(), Watch::new(cancel));
        promise(
            env,
            async move {
                let options = match options {
                    Some(o) => o.into_core()?,
                    None => PortWaitOptions::default(),
                };
                watch
                    .run(p.wait_for_any_port(&options), || {
                        aborted(&p, "wait for a listening port of")
                    })
                    .await
            },
            |_, port| Ok(u32::from(port)),
        )
    }

    /// The TCP sockets in LISTEN state the process tree holds.
    #[napi]
    pub fn get_ports<'env>(
        &self,
        env: &'env Env,
    ) -> Result<PromiseRaw<'env, Vec<NativeListeningPort>>> {
        let p = self.inner.clone();
        promise(
            env,
            async move { Ok(to_js(p.get_ports().await)) },
            |_, v| Ok(v),
        )
    }

    #[napi(ts_args_type = "timeoutMs?: number | null, cancel?: NativeCancel | null")]
    pub fn wait_for_exit<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<f64>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'env, NativeExit>> {
        let (p, watch) = (self.inner.clone(), Watch::new(cancel));
        promise(
            env,
            async move {
                let timeout = millis("timeout", timeout_ms)?;
                watch
                    .run(p.wait_for_exit(timeout), || {
                        aborted(&p, "wait for the exit of")
                    })
                    .await
            },
            |_, e| Ok(e.into()),
        )
    }

    /// Kept output in read order (from `since`; none without `replay`), then live
    /// output (none without `follow`), then `exit`.
    #[napi]
    pub fn stream_logs(
        &self,
        env: Env,
        options: Option<NativeLogStreamOptions>,
    ) -> Result<NativeLogStream> {
        options
            .map_or_else(|| Ok(Default::default()), NativeLogStreamOptions::into_core)
            .and_then(|o| self.inner.stream_logs_with(&o))
            .map(NativeLogStream::new)
            .map_err(|e| crate::error::throwable(&env, e))
    }
}

/// The error an aborted call ends with; the JS layer rejects with the signal's reason
/// instead, so this is what a caller without the JS layer sees.
fn aborted(p: &procwright::Process, what: &str) -> procwright::Error {
    procwright::Error::new(
        procwright::ErrorCode::ProcessError,
        format!("the {what} process {:?} was aborted", p.id()),
    )
    .with_process(p.id())
}

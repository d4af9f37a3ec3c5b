//! `NativeProcess`: the live fields of a core `Process`, its kill and its waits.

use crate::convert::{epoch_ms, integer, millis, signal};
use crate::error::promise;
use crate::event::NativeLogStream;
use crate::pattern::{NativeLogMatch, PatternArg};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{Ownership, PortMode, PortWaitOptions, StatusRange, DEFAULT_KILL_TIMEOUT};
use std::time::Duration;

/// A handle on a started process. It keeps its sandbox alive, so that a process
/// is not killed while JavaScript still holds it.
#[napi]
pub struct NativeProcess {
    pub(crate) inner: procwright::Process,
    pub(crate) _sandbox: procwright::Sandbox,
}

impl NativeProcess {
    pub(crate) fn new(inner: procwright::Process, sandbox: procwright::Sandbox) -> Self {
        NativeProcess {
            inner,
            _sandbox: sandbox,
        }
    }
}

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

/// `{min, max}` of accepted HTTP statuses (defaults 100 and 599).
#[napi(object)]
pub struct NativeStatusRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Options of `waitForPort`; times in milliseconds.
#[napi(object)]
pub struct NativePortOptions {
    /// `"http"` (default) or `"tcp"`.
    pub mode: Option<String>,
    pub path: Option<String>,
    pub status: Option<Either<f64, NativeStatusRange>>,
    pub timeout: Option<f64>,
    pub interval: Option<f64>,
    pub host: Option<String>,
    /// `true`: only the process tree's listener; `false`: any; `"auto"` (default): any
    /// but a stale server's.
    #[napi(ts_type = "boolean | 'auto'")]
    pub owned: Option<Either<bool, String>>,
}

impl NativePortOptions {
    fn into_core(self) -> procwright::Result<PortWaitOptions> {
        let status = match self.status {
            None => StatusRange::default(),
            Some(Either::A(n)) => StatusRange::exactly(integer("status", n)?)?,
            Some(Either::B(r)) => StatusRange::between(
                r.min.map(|n| integer("status.min", n)).transpose()?,
                r.max.map(|n| integer("status.max", n)).transpose()?,
            )?,
        };
        Ok(PortWaitOptions {
            mode: match self.mode {
                Some(m) => m.parse()?,
                None => PortMode::Http,
            },
            path: self.path,
            status,
            timeout: millis("timeout", self.timeout)?,
            interval: millis("interval", self.interval)?,
            host: self.host,
            owned: match self.owned {
                None => Ownership::Auto,
                Some(Either::A(flag)) => Ownership::from_flag(Some(flag)),
                Some(Either::B(s)) => s.parse()?,
            },
        })
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

    #[napi(ts_return_type = "Promise<string>")]
    pub fn get_status<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, &'static str>> {
        let p = self.inner.clone();
        promise(env, async move { Ok(p.status().as_str()) }, |_, s| Ok(s))
    }

    #[napi]
    pub fn get_logs<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, NativeLogs>> {
        let p = self.inner.clone();
        promise(env, async move { Ok(p.logs()) }, |_, l| Ok(l.into()))
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
                let port = integer("port", port)?;
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

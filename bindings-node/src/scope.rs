//! `NativeScope`: the core's `Scope`, the process methods a sandbox and a session share.

use crate::convert::{command, env as env_changes, millis, signal};
use crate::error::{promise, throwable};
use crate::event::{NativeLogStream, NativeLogStreamOptions};
use crate::exec::{self, NativeExecOptions, NativeExecResult};
use crate::logs::{NativeLogQuery, NativeLogs};
use crate::observer::{self, Event, Observer};
use crate::process::NativeProcess;
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{ProcessObserver, ProcessOptions, DEFAULT_KILL_TIMEOUT};
use std::collections::HashMap;
use std::sync::Arc;

/// Options of `startProcess`; times in milliseconds. Callbacks travel separately.
#[napi(object)]
pub struct NativeProcessOptions {
    pub process_id: Option<String>,
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
    pub timeout: Option<f64>,
    /// When `timeout` fires, how long after SIGTERM SIGKILL follows.
    pub kill_timeout: Option<f64>,
    pub auto_cleanup: Option<bool>,
    /// The session to start in (the core refuses another session's id in a session).
    pub session_id: Option<String>,
    /// `"pipe"` for a stdin to `write` to; default `"ignore"` (`/dev/null`).
    #[napi(ts_type = "'pipe' | 'ignore'")]
    pub stdin: Option<String>,
    /// Run on a pseudo-terminal of this size (default 80×24 for a missing field).
    pub pty: Option<NativePtySize>,
    /// Start it again when it ends: a policy name, or the options.
    #[napi(ts_type = "'no' | 'on-failure' | 'always' | NativeRestartOptions")]
    pub restart: Option<Either<String, NativeRestartOptions>>,
}

/// `restart` of `startProcess`; times in milliseconds.
#[napi(object)]
pub struct NativeRestartOptions {
    #[napi(ts_type = "'no' | 'on-failure' | 'always'")]
    pub policy: Option<String>,
    pub max_restarts: Option<f64>,
    pub backoff: Option<NativeBackoff>,
    pub reset_after: Option<f64>,
}

/// `{initial, max, factor}` of a restart backoff; times in milliseconds.
#[napi(object)]
pub struct NativeBackoff {
    pub initial: Option<f64>,
    pub max: Option<f64>,
    pub factor: Option<f64>,
}

fn restart(
    r: Either<String, NativeRestartOptions>,
) -> procwright::Result<procwright::RestartPolicy> {
    let spec = match r {
        Either::A(policy) => procwright::RestartSpec {
            policy: Some(policy),
            ..Default::default()
        },
        Either::B(o) => {
            let b = o.backoff.unwrap_or(NativeBackoff {
                initial: None,
                max: None,
                factor: None,
            });
            procwright::RestartSpec {
                policy: o.policy,
                max_restarts: o
                    .max_restarts
                    .map(|n| procwright::input::integer("maxRestarts", n))
                    .transpose()?,
                initial: millis("backoff.initial", b.initial)?,
                max: millis("backoff.max", b.max)?,
                factor: b.factor,
                reset_after: millis("resetAfter", o.reset_after)?,
            }
        }
    };
    spec.into_policy()
}

/// `{cols, rows}` of a terminal.
#[napi(object)]
pub struct NativePtySize {
    pub cols: Option<f64>,
    pub rows: Option<f64>,
}

/// A terminal size from JavaScript numbers, judged by the core.
pub(crate) fn pty_size(cols: f64, rows: f64) -> procwright::Result<procwright::PtySize> {
    use procwright::input::{integer, pty_size};
    pty_size(integer("pty cols", cols)?, integer("pty rows", rows)?)
}

fn process_options(
    o: Option<NativeProcessOptions>,
    observer: Option<Arc<dyn ProcessObserver>>,
) -> procwright::Result<ProcessOptions> {
    let Some(o) = o else {
        return Ok(ProcessOptions {
            observer,
            ..Default::default()
        });
    };
    Ok(ProcessOptions {
        process_id: o.process_id,
        cwd: o.cwd.map(Into::into),
        env: env_changes(o.env),
        timeout: millis("timeout", o.timeout)?,
        kill_timeout: millis("killTimeout", o.kill_timeout)?,
        auto_cleanup: o.auto_cleanup.unwrap_or(false),
        observer,
        session_id: o.session_id,
        log_limit: None,
        stdin: o.stdin.map(|s| s.parse()).transpose()?,
        pty: o
            .pty
            .map(|p| pty_size(p.cols.unwrap_or(80.0), p.rows.unwrap_or(24.0)))
            .transpose()?,
        restart: o.restart.map(restart).transpose()?,
    })
}

/// Where processes are started and found: a whole sandbox, or one session.
#[napi]
pub struct NativeScope {
    scope: procwright::Scope,
}

impl NativeScope {
    pub(crate) fn new(scope: procwright::Scope) -> Self {
        NativeScope { scope }
    }
}

#[napi]
impl NativeScope {
    /// The session id, for a session's scope.
    #[napi(getter)]
    pub fn session_id(&self) -> Option<String> {
        self.scope.session_id().map(str::to_owned)
    }

    /// Starts a background process; `observer` receives its events. The start belongs to
    /// the sandbox as it is when called (a `destroy` begun before it runs rejects it).
    #[napi(
        ts_args_type = "command: string | string[], options?: NativeProcessOptions | null, observer?: ((event: any) => void) | null"
    )]
    pub fn start_process<'env>(
        &self,
        env: &'env Env,
        cmd: Either<String, Vec<String>>,
        options: Option<NativeProcessOptions>,
        observer: Option<Function<'_, Event, ()>>,
    ) -> Result<PromiseRaw<'env, NativeProcess>> {
        let observer: Option<Arc<dyn ProcessObserver>> = match observer {
            Some(f) => Some(Arc::new(Observer {
                tsfn: observer::weak(f)?,
            })),
            None => None,
        };
        // Called now, on the JS thread, so that it belongs to the sandbox as it is now.
        let start =
            process_options(options, observer).map(|o| self.scope.start_process(command(cmd), o));
        promise(env, async move { start?.await }, |_, p| {
            Ok(NativeProcess::new(p))
        })
    }

    /// Every record kept, running or ended, in start order.
    #[napi]
    pub fn list_processes(&self) -> Vec<NativeProcess> {
        self.scope
            .list_processes()
            .into_iter()
            .map(NativeProcess::new)
            .collect()
    }

    /// The process with this id, or null.
    #[napi]
    pub fn get_process(&self, id: String) -> Option<NativeProcess> {
        self.scope.get_process(&id).map(NativeProcess::new)
    }

    /// Kills by id; unknown ids are `PROCESS_NOT_FOUND`.
    #[napi(ts_args_type = "id: string, signal?: string | number | null, timeoutMs?: number | null")]
    pub fn kill_process<'env>(
        &self,
        env: &'env Env,
        id: String,
        sig: Option<Either<String, f64>>,
        timeout_ms: Option<f64>,
    ) -> Result<PromiseRaw<'env, ()>> {
        let scope = self.scope.clone();
        promise(
            env,
            async move {
                let sig = signal(sig)?;
                let timeout = millis("timeout", timeout_ms)?.unwrap_or(DEFAULT_KILL_TIMEOUT);
                scope.kill_process_within(&id, sig, timeout).await
            },
            |_, ()| Ok(()),
        )
    }

    /// Kills every process of the scope, and what is left of the groups of ended ones;
    /// resolves with how many it signalled.
    #[napi]
    pub fn kill_all_processes<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, u32>> {
        let scope = self.scope.clone();
        promise(
            env,
            async move { Ok(scope.kill_all_processes().await) },
            |_, n| Ok(n as u32),
        )
    }

    /// The TCP sockets in LISTEN state of every process here, each with its `processId`.
    #[napi]
    pub fn list_ports<'env>(
        &self,
        env: &'env Env,
    ) -> Result<PromiseRaw<'env, Vec<crate::port::NativeListeningPort>>> {
        let scope = self.scope.clone();
        promise(
            env,
            async move { Ok(crate::port::to_js(scope.list_ports().await)) },
            |_, v| Ok(v),
        )
    }

    /// Output kept for a process; unknown ids throw `PROCESS_NOT_FOUND`.
    #[napi]
    pub fn get_process_logs(
        &self,
        env: Env,
        id: String,
        query: Option<NativeLogQuery>,
    ) -> Result<NativeLogs> {
        query
            .map_or_else(|| Ok(Default::default()), NativeLogQuery::into_core)
            .and_then(|q| self.scope.get_process_logs_with(&id, &q))
            .map(NativeLogs::from)
            .map_err(|e| throwable(&env, e))
    }

    /// The log events of a process; unknown ids throw `PROCESS_NOT_FOUND`.
    #[napi]
    pub fn stream_process_logs(
        &self,
        env: Env,
        id: String,
        options: Option<NativeLogStreamOptions>,
    ) -> Result<NativeLogStream> {
        options
            .map_or_else(|| Ok(Default::default()), NativeLogStreamOptions::into_core)
            .and_then(|o| self.scope.stream_process_logs_with(&id, &o))
            .map(NativeLogStream::new)
            .map_err(|e| throwable(&env, e))
    }

    /// Runs a command to completion. With `onOutput`, the Promise resolves
    /// `undefined` and the result (or error) arrives as the `done` event, after
    /// every output event.
    #[napi(
        ts_args_type = "command: string | string[], options?: NativeExecOptions | null, onOutput?: ((event: any) => void) | null",
        ts_return_type = "Promise<NativeExecResult | undefined>"
    )]
    pub fn exec<'env>(
        &self,
        env: &'env Env,
        cmd: Either<String, Vec<String>>,
        options: Option<NativeExecOptions>,
        on_output: Option<Function<'_, Event, ()>>,
    ) -> Result<PromiseRaw<'env, Option<NativeExecResult>>> {
        let tsfn = on_output
            .map(|f| observer::strong(f).map(Arc::new))
            .transpose()?;
        // Called now, like `startProcess`.
        let run = exec::options(options, tsfn.as_ref()).map(|o| self.scope.exec(command(cmd), o));
        promise(
            env,
            async move {
                let result = match run {
                    Ok(run) => run.await,
                    Err(e) => Err(e),
                };
                match &tsfn {
                    Some(t) => {
                        exec::done(t, result);
                        Ok(None)
                    }
                    None => result.map(Some),
                }
            },
            |_, r| Ok(r.map(NativeExecResult::from)),
        )
    }
}

//! `NativeSandbox`: a sandbox, or one session of it (the session offers the same
//! methods, scoped to itself, as the core's `Session` does).

use crate::convert::{command, env as env_changes, integer, millis, signal};
use crate::error::{promise, throwable};
use crate::event::NativeLogStream;
use crate::exec::{self, NativeExecOptions, NativeExecResult};
use crate::observer::{self, Event, Observer};
use crate::process::{NativeLogs, NativeProcess};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use procwright::{
    ProcessObserver, ProcessOptions, Sandbox, SandboxOptions, Session, SessionOptions,
    DEFAULT_KILL_TIMEOUT,
};
use std::collections::HashMap;
use std::sync::Arc;

/// Options of `new Sandbox()`.
#[napi(object)]
pub struct NativeSandboxOptions {
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
    pub shell: Option<String>,
    /// Bytes kept in memory per stream per process.
    pub log_limit: Option<f64>,
    pub log_dir: Option<String>,
}

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
        session_id: None,
        log_limit: None,
    })
}

/// Options of `createSession`.
#[napi(object)]
pub struct NativeSessionOptions {
    pub id: Option<String>,
    pub cwd: Option<String>,
    pub env: Option<HashMap<String, Option<String>>>,
}

/// A sandbox, or a session within one.
#[napi]
pub struct NativeSandbox {
    sandbox: Sandbox,
    session: Option<Session>,
}

fn sandbox_options(o: Option<NativeSandboxOptions>) -> procwright::Result<SandboxOptions> {
    let Some(o) = o else {
        return Ok(SandboxOptions::default());
    };
    let log_limit = match o.log_limit {
        Some(n) => {
            let n = integer("logLimit", n)?;
            Some(usize::try_from(n).map_err(|_| {
                procwright::Error::invalid(format!("logLimit must be positive, got {n}"))
            })?)
        }
        None => None,
    };
    Ok(SandboxOptions {
        cwd: o.cwd.map(Into::into),
        env: env_changes(o.env),
        shell: o.shell,
        log_limit,
        log_dir: o.log_dir.map(Into::into),
    })
}

/// A running process keeps its sandbox alive, so that JavaScript's garbage collector
/// never kills a server whose handles were dropped (the sandbox's drop would). It
/// holds no ref on the event loop; Node's exit still kills everything.
fn keep_sandbox_while_running(process: &procwright::Process, sandbox: &Sandbox) {
    let (process, sandbox) = (process.clone(), sandbox.clone());
    tokio::spawn(async move {
        let _ = process.wait_for_exit(None).await;
        drop(sandbox);
    });
}

#[napi]
impl NativeSandbox {
    /// A new sandbox; bad options throw.
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<NativeSandboxOptions>) -> Result<Self> {
        let sandbox = sandbox_options(options)
            .and_then(Sandbox::new)
            .map_err(|e| throwable(&env, e))?;
        Ok(NativeSandbox {
            sandbox,
            session: None,
        })
    }

    /// The one shared sandbox for `name` (default `"default"`).
    #[napi(factory)]
    pub fn named(env: Env, name: Option<String>) -> Result<Self> {
        let sandbox = procwright::get_sandbox(name.as_deref()).map_err(|e| throwable(&env, e))?;
        Ok(NativeSandbox {
            sandbox,
            session: None,
        })
    }

    /// The session id, for a session.
    #[napi(getter)]
    pub fn session_id(&self) -> Option<String> {
        self.session.as_ref().map(|s| s.id().to_owned())
    }

    /// Starts a background process; `observer` receives its events. The start belongs to
    /// the sandbox as it is when called (a `destroy` begun before it runs rejects it).
    #[napi(
        ts_args_type = "command: string | string[], options?: NativeProcessOptions | null, sessionId?: string | null, observer?: ((event: any) => void) | null"
    )]
    pub fn start_process<'env>(
        &self,
        env: &'env Env,
        cmd: Either<String, Vec<String>>,
        options: Option<NativeProcessOptions>,
        session_id: Option<String>,
        observer: Option<Function<'_, Event, ()>>,
    ) -> Result<PromiseRaw<'env, NativeProcess>> {
        let observer: Option<Arc<dyn ProcessObserver>> = match observer {
            Some(f) => Some(Arc::new(Observer {
                tsfn: observer::weak(f)?,
                sandbox: self.sandbox.clone(),
            })),
            None => None,
        };
        // Called now, on the JS thread, so that it belongs to the sandbox as it is now.
        let start = process_options(options, observer).map(|o| {
            let cmd = command(cmd);
            match &self.session {
                Some(s) => s.start_process(cmd, o),
                None => self
                    .sandbox
                    .start_process(cmd, ProcessOptions { session_id, ..o }),
            }
        });
        let sandbox = self.sandbox.clone();
        let keep = sandbox.clone();
        promise(
            env,
            async move {
                let process = start?.await?;
                keep_sandbox_while_running(&process, &sandbox);
                Ok(process)
            },
            move |_, p| Ok(NativeProcess::new(p, keep)),
        )
    }

    #[napi]
    pub fn list_processes<'env>(
        &self,
        env: &'env Env,
    ) -> Result<PromiseRaw<'env, Vec<NativeProcess>>> {
        let list = match &self.session {
            Some(s) => s.list_processes(),
            None => self.sandbox.list_processes(),
        };
        let keep = self.sandbox.clone();
        promise(env, async move { Ok(list) }, move |_, list| {
            Ok(list
                .into_iter()
                .map(|p| NativeProcess::new(p, keep.clone()))
                .collect())
        })
    }

    #[napi]
    pub fn get_process<'env>(
        &self,
        env: &'env Env,
        id: String,
    ) -> Result<PromiseRaw<'env, Option<NativeProcess>>> {
        let found = match &self.session {
            Some(s) => s.get_process(&id),
            None => self.sandbox.get_process(&id),
        };
        let keep = self.sandbox.clone();
        promise(env, async move { Ok(found) }, move |_, p| {
            Ok(p.map(|p| NativeProcess::new(p, keep)))
        })
    }

    fn find(&self, id: &str) -> procwright::Result<procwright::Process> {
        match &self.session {
            Some(s) => s.get_process(id),
            None => self.sandbox.get_process(id),
        }
        .ok_or_else(|| procwright::Error::not_found(id))
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
        let found = self.find(&id);
        promise(
            env,
            async move {
                let p = found?;
                let sig = signal(sig)?;
                let timeout = millis("timeout", timeout_ms)?.unwrap_or(DEFAULT_KILL_TIMEOUT);
                p.kill(sig, timeout).await
            },
            |_, ()| Ok(()),
        )
    }

    /// Kills every process (of this session, for a session), and what is left of the
    /// groups of ended ones; resolves with how many it signalled.
    #[napi]
    pub fn kill_all_processes<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, u32>> {
        let (sandbox, session) = (self.sandbox.clone(), self.session.clone());
        promise(
            env,
            async move {
                Ok(match session {
                    Some(s) => s.kill_all_processes().await,
                    None => sandbox.kill_all_processes().await,
                })
            },
            |_, n| Ok(n as u32),
        )
    }

    #[napi]
    pub fn get_process_logs<'env>(
        &self,
        env: &'env Env,
        id: String,
    ) -> Result<PromiseRaw<'env, NativeLogs>> {
        let found = self.find(&id);
        promise(env, async move { Ok(found?.logs()) }, |_, l| Ok(l.into()))
    }

    #[napi]
    pub fn stream_process_logs<'env>(
        &self,
        env: &'env Env,
        id: String,
    ) -> Result<PromiseRaw<'env, NativeLogStream>> {
        let found = self.find(&id);
        promise(env, async move { Ok(found?.stream_logs()) }, |_, s| {
            Ok(NativeLogStream::new(s))
        })
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
        let run = exec::options(options, tsfn.as_ref()).map(|o| {
            let cmd = command(cmd);
            match &self.session {
                Some(s) => s.exec(cmd, o),
                None => self.sandbox.exec(cmd, o),
            }
        });
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

    /// Creates a session of this sandbox.
    #[napi]
    pub fn create_session<'env>(
        &self,
        env: &'env Env,
        options: Option<NativeSessionOptions>,
    ) -> Result<PromiseRaw<'env, NativeSandbox>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move {
                let o = options.unwrap_or(NativeSessionOptions {
                    id: None,
                    cwd: None,
                    env: None,
                });
                let session = sandbox.create_session(SessionOptions {
                    id: o.id,
                    cwd: o.cwd.map(Into::into),
                    env: env_changes(o.env),
                })?;
                Ok((sandbox, session))
            },
            |_, (sandbox, session)| {
                Ok(NativeSandbox {
                    sandbox,
                    session: Some(session),
                })
            },
        )
    }

    /// The session with this id, or `SESSION_NOT_FOUND`.
    #[napi]
    pub fn get_session<'env>(
        &self,
        env: &'env Env,
        id: String,
    ) -> Result<PromiseRaw<'env, NativeSandbox>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move {
                let session = sandbox.get_session(&id)?;
                Ok((sandbox, session))
            },
            |_, (sandbox, session)| {
                Ok(NativeSandbox {
                    sandbox,
                    session: Some(session),
                })
            },
        )
    }

    /// Kills a session's processes and forgets it.
    #[napi]
    pub fn delete_session<'env>(&self, env: &'env Env, id: String) -> Result<PromiseRaw<'env, ()>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move { sandbox.delete_session(&id).await },
            |_, ()| Ok(()),
        )
    }

    /// Kills everything and forgets every record and session.
    #[napi]
    pub fn destroy<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let sandbox = self.sandbox.clone();
        promise(
            env,
            async move {
                sandbox.destroy().await;
                Ok(())
            },
            |_, ()| Ok(()),
        )
    }
}

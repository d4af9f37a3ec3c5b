//! Sessions: an isolated env, cwd and process list inside one sandbox.

use crate::command::{self, Command, EnvChanges};
use crate::error::{check_no_nul, Error, ErrorCode, Result};
use crate::event::LogStream;
use crate::exec::{ExecOptions, ExecResult};
use crate::logs::Logs;
use crate::process::Process;
use crate::sandbox::{kill_many, Pending, ProcessOptions, Sandbox, SessionData};
use crate::signal::Signal;
use std::path::PathBuf;

/// Options of `create_session`.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// The id; by default a unique `session_…` string.
    pub id: Option<String>,
    /// Working directory for the session's processes.
    pub cwd: Option<PathBuf>,
    /// Environment changes for the session's processes.
    pub env: EnvChanges,
}

/// A handle on one session; it offers the sandbox's process methods, scoped to itself.
#[derive(Clone, Debug)]
pub struct Session {
    sandbox: Sandbox,
    id: String,
}

pub(crate) fn not_found(id: &str) -> Error {
    Error::new(
        ErrorCode::SessionNotFound,
        format!("no session with id {id:?}"),
    )
}

pub(crate) fn create(sandbox: &Sandbox, options: SessionOptions) -> Result<Session> {
    command::validate_env(&options.env)?;
    if let Some(cwd) = &options.cwd {
        check_no_nul("cwd", &cwd.to_string_lossy())?;
    }
    let id = match options.id {
        Some(id) => {
            if id.trim().is_empty() {
                return Err(Error::invalid("session id is empty"));
            }
            check_no_nul("session id", &id)?;
            id
        }
        None => {
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            format!(
                "session_{}",
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )
        }
    };
    let mut sessions = sandbox.inner.sessions.lock().unwrap();
    if sessions.contains_key(&id) {
        return Err(Error::new(
            ErrorCode::SessionAlreadyExists,
            format!("session {id:?} already exists"),
        ));
    }
    sessions.insert(
        id.clone(),
        SessionData {
            cwd: options.cwd,
            env: options.env,
        },
    );
    Ok(Session {
        sandbox: sandbox.clone(),
        id,
    })
}

pub(crate) fn get(sandbox: &Sandbox, id: &str) -> Result<Session> {
    if sandbox.inner.sessions.lock().unwrap().contains_key(id) {
        Ok(Session {
            sandbox: sandbox.clone(),
            id: id.to_owned(),
        })
    } else {
        Err(not_found(id))
    }
}

pub(crate) async fn delete(sandbox: &Sandbox, id: &str) -> Result<()> {
    if sandbox.inner.sessions.lock().unwrap().remove(id).is_none() {
        return Err(not_found(id));
    }
    let mine: Vec<Process> = sandbox
        .list_processes()
        .into_iter()
        .filter(|p| p.session_id() == Some(id))
        .collect();
    kill_many(mine).await;
    Ok(())
}

impl Session {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The sandbox it belongs to.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    fn check_alive(&self) -> Result<()> {
        get(&self.sandbox, &self.id).map(|_| ())
    }

    /// Starts a process in this session (see [`Sandbox::start_process`]).
    pub fn start_process(
        &self,
        command: impl Into<Command>,
        mut options: ProcessOptions,
    ) -> Pending<Process> {
        options.session_id = Some(self.id.clone());
        self.sandbox.start_process(command, options)
    }

    /// Runs a command to completion in this session.
    pub fn exec(
        &self,
        command: impl Into<Command>,
        mut options: ExecOptions,
    ) -> Pending<ExecResult> {
        options.session_id = Some(self.id.clone());
        self.sandbox.exec(command, options)
    }

    /// This session's processes.
    pub fn list_processes(&self) -> Vec<Process> {
        self.sandbox
            .list_processes()
            .into_iter()
            .filter(|p| p.session_id() == Some(&self.id))
            .collect()
    }

    /// One of this session's processes.
    pub fn get_process(&self, id: &str) -> Option<Process> {
        self.sandbox
            .get_process(id)
            .filter(|p| p.session_id() == Some(&self.id))
    }

    fn require(&self, id: &str) -> Result<Process> {
        self.get_process(id).ok_or_else(|| Error::not_found(id))
    }

    /// Kills one of this session's processes.
    pub async fn kill_process(&self, id: &str, signal: Signal) -> Result<()> {
        self.require(id)?
            .kill(signal, crate::process::DEFAULT_KILL_TIMEOUT)
            .await
    }

    /// Stops one of this session's processes.
    pub async fn stop_process(&self, id: &str) -> Result<()> {
        self.kill_process(id, Signal::TERM).await
    }

    /// Kills this session's processes (see [`Sandbox::kill_all_processes`]); returns how
    /// many it signalled.
    pub async fn kill_all_processes(&self) -> usize {
        kill_many(self.list_processes()).await
    }

    /// Output kept for one of this session's processes.
    pub fn get_process_logs(&self, id: &str) -> Result<Logs> {
        Ok(self.require(id)?.logs())
    }

    /// Log events of one of this session's processes.
    pub fn stream_process_logs(&self, id: &str) -> Result<LogStream> {
        Ok(self.require(id)?.stream_logs())
    }

    /// Whether the session still exists.
    pub fn exists(&self) -> bool {
        self.check_alive().is_ok()
    }
}

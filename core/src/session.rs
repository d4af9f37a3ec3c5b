//! Sessions: a scope inside one sandbox with its own env, cwd and process list.

use crate::command::{self, EnvChanges};
use crate::error::{check_no_nul, Error, ErrorCode, Result};
use crate::process::Process;
use crate::sandbox::{Inner, Sandbox, SessionData};
use crate::scope::{kill_many, Scope};
use std::path::PathBuf;
use std::sync::Arc;

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

/// A handle on one session: a [`Scope`] with an id, whose process methods it offers.
#[derive(Clone, Debug)]
pub struct Session {
    scope: Scope,
}

impl std::ops::Deref for Session {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

pub(crate) fn not_found(id: &str) -> Error {
    Error::new(
        ErrorCode::SessionNotFound,
        format!("no session with id {id:?}"),
    )
}

fn handle(sandbox: &Arc<Inner>, id: &str) -> Session {
    Session {
        scope: Scope::session(sandbox.clone(), id),
    }
}

pub(crate) fn create(sandbox: &Arc<Inner>, options: SessionOptions) -> Result<Session> {
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
    let mut sessions = sandbox.sessions.lock().unwrap();
    if sessions.contains_key(&id) {
        return Err(Error::new(
            ErrorCode::SessionAlreadyExists,
            format!("session {id:?} already exists"),
        ));
    }
    let tag = crate::tree::session_tag(&sandbox.tag);
    sessions.insert(id.clone(), SessionData::new(options.cwd, options.env, tag));
    Ok(handle(sandbox, &id))
}

pub(crate) fn get(sandbox: &Arc<Inner>, id: &str) -> Result<Session> {
    if sandbox.sessions.lock().unwrap().contains_key(id) {
        Ok(handle(sandbox, id))
    } else {
        Err(not_found(id))
    }
}

pub(crate) async fn delete(sandbox: &Arc<Inner>, id: &str) -> Result<()> {
    let tag = match sandbox.sessions.lock().unwrap().remove(id) {
        Some(s) => {
            s.kill_shell();
            s.tag
        }
        None => return Err(not_found(id)),
    };
    let mine: Vec<Process> = sandbox
        .records
        .list()
        .into_iter()
        .filter(|p| p.session_id() == Some(id))
        .collect();
    kill_many(mine).await;
    // What the shell's commands left running (`cmd &`, `setsid cmd`) carries its tag.
    let deadline = crate::duration::deadline(crate::process::DEFAULT_KILL_TIMEOUT);
    crate::process::sweep_tagged(&[&tag], &[], crate::signal::Signal::TERM, deadline).await;
    Ok(())
}

impl Session {
    /// The session id.
    pub fn id(&self) -> &str {
        self.scope
            .session_id()
            .expect("a session's scope always has an id")
    }

    /// The sandbox it belongs to.
    pub fn sandbox(&self) -> Sandbox {
        Sandbox::from_inner(self.scope.sandbox.clone())
    }

    /// The session's scope.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether the session still exists (it does until `delete_session` or `destroy`).
    pub fn exists(&self) -> bool {
        self.scope
            .sandbox
            .sessions
            .lock()
            .unwrap()
            .contains_key(self.id())
    }
}

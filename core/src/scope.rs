//! The process methods, once: a scope is the whole sandbox (the root) or one session.
//!
//! `Sandbox` and `Session` are both a `Scope` with more on top, so a rule about starting,
//! finding or killing processes is written here and nowhere else.

use crate::command::Command;
use crate::error::{Error, Result};
use crate::event::LogStream;
use crate::event::LogStreamOptions;
use crate::exec::{ExecOptions, ExecResult};
use crate::logs::{LogQuery, Logs};
use crate::process::{Process, DEFAULT_KILL_TIMEOUT};
use crate::sandbox::{Inner, Pending, ProcessOptions};
use crate::signal::Signal;
use std::sync::Arc;

/// Where processes are started and found: the whole sandbox, or one session of it.
/// Clones share the same sandbox; any handle (scope, sandbox, session or process)
/// keeps it alive.
#[derive(Clone)]
pub struct Scope {
    pub(crate) sandbox: Arc<Inner>,
    session: Option<Arc<str>>,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("session", &self.session)
            .field("processes", &self.list_processes().len())
            .finish()
    }
}

impl Scope {
    pub(crate) fn root(sandbox: Arc<Inner>) -> Scope {
        Scope {
            sandbox,
            session: None,
        }
    }

    pub(crate) fn session(sandbox: Arc<Inner>, id: &str) -> Scope {
        Scope {
            sandbox,
            session: Some(id.into()),
        }
    }

    /// The session this scope is, or `None` for the whole sandbox.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// Whether `process` is seen from this scope.
    fn sees(&self, process: &Process) -> bool {
        match &self.session {
            None => true,
            Some(id) => process.session_id() == Some(&**id),
        }
    }

    /// The session a start in this scope runs in: this scope's own, or for the root
    /// scope the one the options name. A session's start naming another is refused.
    fn session_for(&self, asked: Option<String>) -> Result<Option<String>> {
        match (&self.session, asked) {
            (None, asked) => Ok(asked),
            (Some(mine), None) => Ok(Some(mine.to_string())),
            (Some(mine), Some(asked)) if *asked == **mine => Ok(Some(asked)),
            (Some(mine), Some(asked)) => Err(Error::invalid(format!(
                "session_id {asked:?} differs from this session's id {mine:?}"
            ))),
        }
    }

    /// Starts a background process; resolves once it is running. Must be awaited
    /// within a tokio runtime.
    ///
    /// The start belongs to the sandbox as it is when this is called: should `destroy`
    /// begin before the process runs, the start fails with `PROCESS_ERROR` and whatever
    /// it spawned is killed and reaped.
    pub fn start_process(
        &self,
        command: impl Into<Command>,
        options: ProcessOptions,
    ) -> Pending<Process> {
        let epoch = self.sandbox.records.epoch();
        let command = command.into();
        let scope = self.clone();
        Box::pin(async move {
            let options = ProcessOptions {
                session_id: scope.session_for(options.session_id.clone())?,
                ..options
            };
            crate::start::start(&scope.sandbox, epoch, command, options).await
        })
    }

    /// Runs a command to completion: stdout, stderr, exit code, success and duration.
    /// Like `start_process`, it belongs to the sandbox as it is when called.
    pub fn exec(&self, command: impl Into<Command>, options: ExecOptions) -> Pending<ExecResult> {
        let epoch = self.sandbox.records.epoch();
        // A session's calls run in the order they are made: the place is taken now.
        let turn = self
            .session
            .as_deref()
            .or(options.session_id.as_deref())
            .and_then(|id| {
                let sessions = self.sandbox.sessions.lock().unwrap();
                sessions.get(id).map(|s| s.turns.take())
            });
        let command = command.into();
        let scope = self.clone();
        Box::pin(async move {
            let session = scope.session_for(options.session_id.clone())?;
            match session {
                // A session's exec runs in the session's persistent shell, in its turn.
                Some(id) => {
                    let turn = turn.ok_or_else(|| crate::session::not_found(&id))?;
                    turn.wait().await;
                    crate::exec::session_exec(scope.sandbox.clone(), &id, command, options).await
                }
                None => crate::exec::exec(scope.sandbox.clone(), epoch, command, options).await,
            }
        })
    }

    /// Every record this scope sees, running or ended, in start order.
    pub fn list_processes(&self) -> Vec<Process> {
        self.sandbox
            .records
            .list()
            .into_iter()
            .filter(|p| self.sees(p))
            .map(|p| p.held_by(&self.sandbox))
            .collect()
    }

    /// The process with this id, if this scope sees one.
    pub fn get_process(&self, id: &str) -> Option<Process> {
        self.sandbox
            .records
            .find(id)
            .filter(|p| self.sees(p))
            .map(|p| p.held_by(&self.sandbox))
    }

    fn require(&self, id: &str) -> Result<Process> {
        self.get_process(id).ok_or_else(|| Error::not_found(id))
    }

    /// Kills a process by id (see [`Process::kill`]), with the default kill timeout.
    pub async fn kill_process(&self, id: &str, signal: Signal) -> Result<()> {
        self.kill_process_within(id, signal, DEFAULT_KILL_TIMEOUT)
            .await
    }

    /// Kills a process by id, sending SIGKILL after `timeout` (see [`Process::kill`]).
    pub async fn kill_process_within(
        &self,
        id: &str,
        signal: Signal,
        timeout: std::time::Duration,
    ) -> Result<()> {
        self.require(id)?.kill(signal, timeout).await
    }

    /// SIGTERM, then SIGKILL after the default timeout.
    pub async fn stop_process(&self, id: &str) -> Result<()> {
        self.kill_process(id, Signal::TERM).await
    }

    /// Kills every process of this scope, and what is left of the groups of ended ones;
    /// returns how many it signalled.
    pub async fn kill_all_processes(&self) -> usize {
        let killed = kill_many(self.list_processes()).await;
        // What processes without a record left running: execs' and auto-cleaned
        // processes' for the sandbox; a session's commands' (but not its shell).
        let (tag, shell) = match self.session_id() {
            None => (crate::tree::forgotten_tag(&self.sandbox.tag), None),
            Some(id) => {
                let sessions = self.sandbox.sessions.lock().unwrap();
                match sessions.get(id) {
                    Some(s) => (
                        s.tag.clone(),
                        Some(s.shell_pid.load(std::sync::atomic::Ordering::SeqCst)),
                    ),
                    None => return killed,
                }
            }
        };
        let deadline = crate::duration::deadline(DEFAULT_KILL_TIMEOUT);
        let except: Vec<u32> = shell.into_iter().filter(|p| *p != 0).collect();
        crate::process::sweep_leftovers(&tag, &except, Signal::TERM, deadline).await;
        killed
    }

    /// Forgets those of `ids` that have ended and whose whole trees have ended too,
    /// freeing the output kept for them; returns the ids forgotten. Unknown ids, and
    /// processes with anything still running (in the group, or carrying the tag), stay.
    /// For hosts that start processes without end, such as a server: otherwise the
    /// records of ended processes stay until `destroy`. One `/proc` pass for all.
    pub fn forget_processes(&self, ids: &[&str]) -> Vec<String> {
        // Only trees with nothing left: `kill_all_processes` and `destroy` find leftovers
        // through the records, so a record with a live leftover must stay.
        let ended: Vec<Process> = ids
            .iter()
            .filter_map(|id| self.get_process(id))
            .filter(|p| p.status().is_final() && p.stray_pgid().is_none())
            .collect();
        if ended.is_empty() {
            return Vec::new();
        }
        let tags: Vec<&str> = ended.iter().map(|p| p.tag()).collect();
        let mut live = vec![false; ended.len()];
        for (_, i) in crate::tree::tagged(&tags) {
            live[i] = true;
        }
        ended
            .iter()
            .zip(live)
            .filter(|(_, live)| !live)
            .map(|(p, _)| {
                self.sandbox.records.forget(p);
                p.id().to_owned()
            })
            .collect()
    }

    /// Output kept for a process.
    pub fn get_process_logs(&self, id: &str) -> Result<Logs> {
        Ok(self.require(id)?.logs())
    }

    /// The listening TCP sockets of every process of this scope (see
    /// [`Process::get_ports`]), with one read of `/proc` for all.
    pub async fn list_ports(&self) -> Vec<crate::listening::ListeningPort> {
        let trees: Vec<_> = self
            .list_processes()
            .iter()
            .map(crate::listening::Tree::of)
            .collect();
        tokio::task::spawn_blocking(move || crate::listening::ports_of(&trees))
            .await
            .unwrap_or_default()
    }

    /// Part of the output kept for a process (see [`Process::get_logs`]).
    pub fn get_process_logs_with(&self, id: &str, query: &LogQuery) -> Result<Logs> {
        self.require(id)?.get_logs(query)
    }

    /// The log events of a process (see [`Process::stream_logs`]).
    pub fn stream_process_logs(&self, id: &str) -> Result<LogStream> {
        Ok(self.require(id)?.stream_logs())
    }

    /// The log events of a process from a cursor (see [`Process::stream_logs_with`]).
    pub fn stream_process_logs_with(
        &self,
        id: &str,
        options: &LogStreamOptions,
    ) -> Result<LogStream> {
        self.require(id)?.stream_logs_with(options)
    }
}

/// Kills the given processes concurrently (and what is left of the groups of ended
/// ones, and what left the groups but carries their tags: one `/proc` pass per check
/// for all of them); returns how many it signalled.
pub(crate) async fn kill_many(procs: Vec<Process>) -> usize {
    let tags: Vec<String> = procs.iter().map(|p| p.tag().to_owned()).collect();
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    let deadline = crate::duration::deadline(DEFAULT_KILL_TIMEOUT);
    let pgids: Vec<Option<u32>> = procs.iter().map(Process::pid).collect();
    let escapees = crate::tree::outside_groups(crate::tree::tagged(&tags), |i| pgids[i]);
    let mut signalled = vec![false; procs.len()];
    for (_, i) in &escapees {
        signalled[*i] = true;
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, p) in procs.into_iter().enumerate() {
        // Each process's escapees get the signal right after its group.
        let mine: Vec<u32> = escapees
            .iter()
            .filter(|(_, of)| *of == i)
            .map(|(pid, _)| *pid)
            .collect();
        set.spawn(async move {
            (
                i,
                p.kill_leader_group(Signal::TERM, DEFAULT_KILL_TIMEOUT, mine)
                    .await,
            )
        });
    }
    while let Some(r) = set.join_next().await {
        if let Ok((i, Ok(true))) = r {
            signalled[i] = true;
        }
    }
    for (_, i) in crate::process::sweep_tagged(&tags, &escapees, Signal::TERM, deadline).await {
        signalled[i] = true;
    }
    signalled.into_iter().filter(|s| *s).count()
}

//! The manager: starts processes, keeps their records, and kills them all when it goes.

use crate::command::{self, Command, EnvChanges};
use crate::error::{check_no_nul, Error, ErrorCode, Result};
use crate::event::LogStream;
use crate::lifecycle::{self, Supervision};
use crate::logfile::{RotatingFile, ROTATE_AT};
use crate::logs::{LogStore, Logs};
use crate::process::{self, Process, ProcessObserver, DEFAULT_KILL_TIMEOUT};
use crate::reader::{self, OutputSink};
use crate::records::{self, Epoch, Records};
use crate::session::{Session, SessionOptions};
use crate::signal::Signal;
use crate::spawn::{self, SpawnSpec};
use crate::status::{ExitInfo, ProcessStatus};
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// Bytes kept in memory per stream per process unless told otherwise.
pub const DEFAULT_LOG_LIMIT: usize = 16 * 1024 * 1024;
/// How long a dropped sandbox lets its processes exit after SIGTERM before SIGKILL.
pub const DROP_GRACE: Duration = Duration::from_secs(2);

/// A start or `exec` under way: `Send` and `'static`, so it can be spawned. It belongs
/// to the sandbox as the sandbox was when it was called.
pub type Pending<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

/// Options of a [`Sandbox`].
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Working directory for processes that name none.
    pub cwd: Option<PathBuf>,
    /// Environment changes applied to every process.
    pub env: EnvChanges,
    /// Shell for string commands; default bash where found, else `/bin/sh`.
    pub shell: Option<String>,
    /// Bytes kept in memory per stream per process; default 16 MiB.
    pub log_limit: Option<usize>,
    /// Where to write one merged `proc-<id>.log` per process, if anywhere.
    pub log_dir: Option<PathBuf>,
}

/// Options of `start_process`.
#[derive(Clone, Default)]
pub struct ProcessOptions {
    /// The id to use; by default a unique `proc_…` string.
    pub process_id: Option<String>,
    /// Working directory; relative paths resolve against the session's or sandbox's.
    pub cwd: Option<PathBuf>,
    /// Environment changes over the sandbox's and the session's.
    pub env: EnvChanges,
    /// Kill the process (SIGTERM, then SIGKILL) after this long.
    pub timeout: Option<Duration>,
    /// When `timeout` fires, how long after SIGTERM SIGKILL follows; default 5 s.
    pub kill_timeout: Option<Duration>,
    /// Forget the record once the process has ended.
    pub auto_cleanup: bool,
    /// Receives start, output, exit and error events.
    pub observer: Option<Arc<dyn ProcessObserver>>,
    /// The session to start it in.
    pub session_id: Option<String>,
    /// Bytes kept in memory per stream for this process; default the sandbox's.
    pub log_limit: Option<usize>,
}

impl std::fmt::Debug for ProcessOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessOptions")
            .field("process_id", &self.process_id)
            .field("cwd", &self.cwd)
            .field("env", &self.env)
            .field("timeout", &self.timeout)
            .field("kill_timeout", &self.kill_timeout)
            .field("auto_cleanup", &self.auto_cleanup)
            .field("observer", &self.observer.is_some())
            .field("session_id", &self.session_id)
            .field("log_limit", &self.log_limit)
            .finish()
    }
}

pub(crate) struct SessionData {
    pub cwd: Option<PathBuf>,
    pub env: EnvChanges,
}

pub(crate) struct Inner {
    shell: PathBuf,
    cwd: Option<PathBuf>,
    env: EnvChanges,
    log_limit: usize,
    log_dir: Option<PathBuf>,
    pub(crate) records: Records,
    pub(crate) sessions: Mutex<HashMap<String, SessionData>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        process::kill_all_blocking(&self.records.close(), DROP_GRACE);
    }
}

/// Starts and tracks background processes. Clones share one sandbox; when the last
/// clone is dropped every process it started is killed.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("shell", &self.inner.shell)
            .field("cwd", &self.inner.cwd)
            .field("processes", &self.inner.records.len())
            .finish()
    }
}

impl Sandbox {
    /// A sandbox with these options; fails on a missing shell or a bad option.
    pub fn new(options: SandboxOptions) -> Result<Sandbox> {
        let shell = command::resolve_shell(options.shell.as_deref())?;
        command::validate_env(&options.env)?;
        if let Some(cwd) = &options.cwd {
            check_no_nul("cwd", &cwd.to_string_lossy())?;
        }
        if let Some(dir) = &options.log_dir {
            check_no_nul("log_dir", &dir.to_string_lossy())?;
        }
        let log_limit = options.log_limit.unwrap_or(DEFAULT_LOG_LIMIT);
        if log_limit == 0 {
            return Err(Error::invalid("log_limit must be at least 1 byte"));
        }
        let sandbox = Sandbox {
            inner: Arc::new(Inner {
                shell,
                cwd: options.cwd,
                env: options.env,
                log_limit,
                log_dir: options.log_dir,
                records: Records::default(),
                sessions: Mutex::new(HashMap::new()),
            }),
        };
        crate::registry::track(&sandbox);
        Ok(sandbox)
    }

    /// The shell string commands run in.
    pub fn shell(&self) -> &std::path::Path {
        &self.inner.shell
    }

    /// Starts a background process; resolves once it is running.
    /// Must be awaited within a tokio runtime.
    ///
    /// The start belongs to the sandbox as it is when this is called: should `destroy`
    /// begin before the process runs, the start fails with `PROCESS_ERROR` and whatever
    /// it spawned is killed and reaped.
    pub fn start_process(
        &self,
        command: impl Into<Command>,
        options: ProcessOptions,
    ) -> Pending<Process> {
        self.start_in(self.inner.records.epoch(), command.into(), options)
    }

    /// The current epoch, for a start or exec called now.
    pub(crate) fn epoch(&self) -> Epoch {
        self.inner.records.epoch()
    }

    /// `start_process` for a call made in `epoch`.
    pub(crate) fn start_in(
        &self,
        epoch: Epoch,
        command: Command,
        options: ProcessOptions,
    ) -> Pending<Process> {
        let sandbox = self.clone();
        Box::pin(async move { sandbox.start(epoch, command, options).await })
    }

    async fn start(
        &self,
        epoch: Epoch,
        command: Command,
        options: ProcessOptions,
    ) -> Result<Process> {
        command.validate()?;
        command::validate_env(&options.env)?;
        // Bad input is refused before a record exists; only a cwd that is missing is a
        // start failure that leaves an `error` record.
        if let Some(cwd) = &options.cwd {
            check_no_nul("cwd", &cwd.to_string_lossy())?;
        }
        let log_limit = options.log_limit.unwrap_or(self.inner.log_limit);
        if log_limit == 0 {
            return Err(Error::invalid(
                "the log limit (exec's max_buffer) must be at least 1 byte",
            ));
        }
        let id = match &options.process_id {
            Some(id) => {
                validate_id(id)?;
                id.clone()
            }
            None => new_id(),
        };
        let (session_cwd, session_env) = match &options.session_id {
            Some(sid) => {
                let sessions = self.inner.sessions.lock().unwrap();
                let s = sessions
                    .get(sid)
                    .ok_or_else(|| crate::session::not_found(sid))?;
                (s.cwd.clone(), s.env.clone())
            }
            None => (None, EnvChanges::new()),
        };
        let base = session_cwd.or_else(|| self.inner.cwd.clone());
        let cwd = match (&options.cwd, base) {
            (Some(c), Some(b)) => Some(b.join(c)),
            (Some(c), None) => Some(c.clone()),
            (None, b) => b,
        };
        let file = match &self.inner.log_dir {
            Some(dir) => Some(RotatingFile::create(dir, &id, ROTATE_AT).map_err(|e| {
                Error::new(
                    ErrorCode::ProcessError,
                    format!("could not create a log file in {}: {e}", dir.display()),
                )
                .with_process(&id)
            })?),
            None => None,
        };
        let store = LogStore::new(log_limit, file);
        let process = Process::new(
            id.clone(),
            command.display(),
            options.session_id.clone(),
            store,
        );
        let admission = self.inner.records.admit(epoch, &process)?;
        let observer = options.observer.clone();
        let fail = |e: Error| {
            let e = e.with_process(&id);
            process.finish(ExitInfo {
                exit_code: None,
                signal: None,
                status: ProcessStatus::Error,
            });
            if let Some(o) = &observer {
                o.on_error(&e);
            }
            e
        };
        if let Some(dir) = &cwd {
            command::validate_cwd(dir).map_err(fail)?;
        }
        let (program, args) = command.program_and_args(&self.inner.shell);
        let spec = SpawnSpec {
            program,
            args,
            env: command::merged_env(&[&self.inner.env, &session_env, &options.env]),
            cwd,
        };
        let child = spawn::spawn(&spec).map_err(fail)?;
        let current = admission.register(&process, child.pid, child.lease);
        // A start overtaken by `destroy` reports only its error.
        let observer = observer.filter(|_| current);
        // Before the readers exist, so `on_start` always precedes the first `on_output`.
        if let Some(o) = &observer {
            o.on_start(&process);
        }
        let (exited_tx, exited_rx) = watch::channel(false);
        let sink: Option<OutputSink> = observer
            .clone()
            .map(|o| Arc::new(move |s, d: &str| o.on_output(s, d)) as OutputSink);
        let store = process.inner.store.clone();
        let readers = [
            tokio::spawn(reader::read_pipe(
                child.stdout,
                crate::StreamKind::Stdout,
                store.clone(),
                sink.clone(),
                exited_rx.clone(),
            )),
            tokio::spawn(reader::read_pipe(
                child.stderr,
                crate::StreamKind::Stderr,
                store,
                sink,
                exited_rx,
            )),
        ];
        let on_done: Option<lifecycle::OnDone> = options.auto_cleanup.then(|| {
            let weak: Weak<Inner> = Arc::downgrade(&self.inner);
            Box::new(move |p: &Process| {
                if let Some(inner) = weak.upgrade() {
                    inner.records.forget(p);
                }
            }) as lifecycle::OnDone
        });
        tokio::spawn(lifecycle::supervise(
            process.clone(),
            Supervision {
                pidfd: child.pidfd,
                readers,
                exited_tx,
                timeout: options.timeout,
                kill_timeout: options.kill_timeout.unwrap_or(DEFAULT_KILL_TIMEOUT),
                observer,
                on_done,
            },
        ));
        if !current {
            return Err(self.discard(&process, options.observer.as_deref()).await);
        }
        Ok(process)
    }

    /// Kills and reaps the child of a start that `destroy` overtook, and forgets it.
    async fn discard(&self, process: &Process, observer: Option<&dyn ProcessObserver>) -> Error {
        // It has run for a moment at most, and the sandbox is going: no grace.
        let _ = process.kill(Signal::KILL, DEFAULT_KILL_TIMEOUT).await;
        self.inner.records.forget(process);
        let e = records::destroyed(process.id());
        if let Some(o) = observer {
            o.on_error(&e);
        }
        e
    }

    /// Every record kept, running or ended, in start order.
    pub fn list_processes(&self) -> Vec<Process> {
        self.inner.records.list()
    }

    /// The process with this id, if there is one.
    pub fn get_process(&self, id: &str) -> Option<Process> {
        self.inner.records.find(id)
    }

    fn require(&self, id: &str) -> Result<Process> {
        self.get_process(id).ok_or_else(|| Error::not_found(id))
    }

    /// Kills a process by id (see [`Process::kill`]).
    pub async fn kill_process(&self, id: &str, signal: Signal) -> Result<()> {
        self.require(id)?.kill(signal, DEFAULT_KILL_TIMEOUT).await
    }

    /// SIGTERM, then SIGKILL after the default timeout.
    pub async fn stop_process(&self, id: &str) -> Result<()> {
        self.kill_process(id, Signal::TERM).await
    }

    /// Kills every process, and what is left of the groups of ended ones; returns how
    /// many it signalled.
    pub async fn kill_all_processes(&self) -> usize {
        kill_many(self.list_processes()).await
    }

    /// Output kept for a process.
    pub fn get_process_logs(&self, id: &str) -> Result<Logs> {
        Ok(self.require(id)?.logs())
    }

    /// The log events of a process (see [`Process::stream_logs`]).
    pub fn stream_process_logs(&self, id: &str) -> Result<LogStream> {
        Ok(self.require(id)?.stream_logs())
    }

    /// Creates a session: its own env, cwd and process list.
    pub fn create_session(&self, options: SessionOptions) -> Result<Session> {
        crate::session::create(self, options)
    }

    /// The session with this id, or `SESSION_NOT_FOUND`.
    pub fn get_session(&self, id: &str) -> Result<Session> {
        crate::session::get(self, id)
    }

    /// Kills a session's processes and forgets the session.
    pub async fn delete_session(&self, id: &str) -> Result<()> {
        crate::session::delete(self, id).await
    }

    /// Kills everything (SIGTERM, then SIGKILL), and forgets every record and session.
    /// Starts called before it that are still in flight fail, their children killed;
    /// it returns once they have. The sandbox can be used again afterwards.
    pub async fn destroy(&self) {
        let procs = self.inner.records.close();
        self.inner.sessions.lock().unwrap().clear();
        kill_many(procs).await;
        self.inner.records.settled().await;
    }

    /// Kills everything from synchronous code, for host-exit hooks; waits at most
    /// `grace` after SIGTERM before SIGKILL. Starts in flight kill what they spawn.
    pub fn destroy_blocking(&self, grace: Duration) {
        self.inner.records.end_epoch();
        process::kill_all_blocking(&self.list_processes(), grace);
    }
}

/// Kills the given processes concurrently (and what is left of the groups of ended
/// ones); returns how many it signalled.
pub(crate) async fn kill_many(procs: Vec<Process>) -> usize {
    let mut set = tokio::task::JoinSet::new();
    for p in procs {
        set.spawn(async move { p.kill_group(Signal::TERM, DEFAULT_KILL_TIMEOUT).await });
    }
    let mut signalled = 0;
    while let Some(r) = set.join_next().await {
        if let Ok(Ok(true)) = r {
            signalled += 1;
        }
    }
    signalled
}

fn validate_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::invalid("process id is empty"));
    }
    check_no_nul("process id", id)?;
    // Ids name log files, so they must be a single path component.
    if id.contains('/') || id == "." || id == ".." {
        return Err(Error::invalid(format!(
            "process id {id:?} may not contain '/' or be '.' or '..'"
        )));
    }
    Ok(())
}

/// A unique `proc_` id: 24 hex digits, as the REST API the contract follows uses.
fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.write_u32(std::process::id());
    format!("proc_{:016x}{:08x}", h.finish(), n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_shaped() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 24);
        assert!(a.starts_with("proc_"));
    }

    #[test]
    fn bad_ids_are_rejected() {
        for id in ["", " ", "a/b", "..", "x\0"] {
            assert_eq!(
                validate_id(id).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{id:?}"
            );
        }
    }
}

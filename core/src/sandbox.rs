//! The sandbox: the root scope, with its options, its sessions, and `destroy`.
//!
//! Lifetime, decided here for every layer: a sandbox lives while any handle on it lives
//! (the sandbox, a session, or a process it started). When the last one is dropped, the
//! reaper thread kills what it started, SIGTERM then SIGKILL after [`DROP_GRACE`]; the
//! dropping thread never waits. `destroy` kills everything and returns once it is gone.
//! When the host ends, the exit hooks and the watchdog kill everything left.

use crate::command::{self, EnvChanges};
use crate::error::{check_no_nul, Result};
use crate::process::{self, ProcessObserver};
use crate::records::Records;
use crate::scope::{kill_many, Scope};
use crate::session::{Session, SessionOptions};
use crate::stdin::StdinMode;
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Bytes kept in memory per stream per process unless told otherwise.
pub const DEFAULT_LOG_LIMIT: usize = 16 * 1024 * 1024;
/// How long the processes of a dropped sandbox get after SIGTERM before SIGKILL.
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
    /// stdin: `/dev/null` (`None` or `Ignore`) or a pipe to `write` to.
    pub stdin: Option<StdinMode>,
    /// Run on a pseudo-terminal of this size: output arrives as stdout, `write` is its
    /// keyboard, `resize` changes the size.
    pub pty: Option<crate::pty::PtySize>,
    /// Start it again when it ends, as the policy says (same id, same log store).
    pub restart: Option<crate::restart::RestartPolicy>,
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
            .field("stdin", &self.stdin)
            .field("pty", &self.pty)
            .field("restart", &self.restart)
            .finish()
    }
}

pub(crate) struct SessionData {
    pub cwd: Option<PathBuf>,
    pub env: EnvChanges,
    /// The session's shell, started by its first `exec`.
    pub shell: Arc<tokio::sync::Mutex<Option<crate::shell::Shell>>>,
    /// The pid of the shell when one runs (0 otherwise).
    pub shell_pid: Arc<std::sync::atomic::AtomicU32>,
    /// Calls to the shell, in call order.
    pub turns: Arc<crate::turns::Turns>,
    /// The tag of the shell and of everything it starts (`tree.rs`).
    pub tag: String,
}

impl SessionData {
    pub fn new(cwd: Option<PathBuf>, env: EnvChanges, tag: String) -> SessionData {
        SessionData {
            cwd,
            env,
            shell: Arc::default(),
            shell_pid: Arc::default(),
            turns: Arc::default(),
            tag,
        }
    }

    /// Kills the shell now, even while a call holds it (that call then fails).
    pub fn kill_shell(&self) {
        if let Ok(mut shell) = self.shell.try_lock() {
            *shell = None;
            return;
        }
        // Held by a running call: kill its group; the call sees the shell end.
        let pid = self.shell_pid.load(std::sync::atomic::Ordering::SeqCst);
        if pid != 0 {
            let _ = crate::group::signal_group(pid, crate::signal::Signal::KILL);
        }
    }
}

pub(crate) struct Inner {
    pub(crate) shell: PathBuf,
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) env: EnvChanges,
    pub(crate) log_limit: usize,
    pub(crate) log_dir: Option<PathBuf>,
    pub(crate) records: Records,
    pub(crate) sessions: Mutex<HashMap<String, SessionData>>,
    /// The host process that made it: a forked child has copies of the records, but
    /// the processes are not its to kill.
    pub(crate) host: u32,
    /// `<host pid>-<sandbox number>`: the start of its processes' tags (`tree.rs`).
    pub(crate) tag: String,
}

impl Inner {
    /// Whether this is a copy in a process forked from the one that made the sandbox.
    pub(crate) fn forked(&self) -> bool {
        self.host != std::process::id()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if !self.forked() {
            crate::reaper::reap(self.records.close(), DROP_GRACE);
        }
    }
}

/// Sandbox numbers within the host, for tags.
static SANDBOXES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts and tracks background processes: the root [`Scope`], whose process methods
/// it offers, plus sessions and `destroy`. Clones share one sandbox.
#[derive(Clone)]
pub struct Sandbox {
    scope: Scope,
}

impl std::ops::Deref for Sandbox {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("shell", &self.inner().shell)
            .field("cwd", &self.inner().cwd)
            .field("processes", &self.inner().records.len())
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
        crate::input::check_log_limit(log_limit)?;
        let inner = Arc::new(Inner {
            shell,
            cwd: options.cwd,
            env: options.env,
            log_limit,
            log_dir: options.log_dir,
            records: Records::default(),
            sessions: Mutex::new(HashMap::new()),
            host: std::process::id(),
            tag: format!(
                "{}-{}",
                std::process::id(),
                SANDBOXES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
        });
        crate::registry::track(&inner);
        Ok(Sandbox::from_inner(inner))
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Sandbox {
        Sandbox {
            scope: Scope::root(inner),
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.scope.sandbox
    }

    /// The root scope: every process of the sandbox.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The shell string commands run in.
    pub fn shell(&self) -> &std::path::Path {
        &self.inner().shell
    }

    /// Creates a session: its own env, cwd and process list.
    pub fn create_session(&self, options: SessionOptions) -> Result<Session> {
        crate::session::create(self.inner(), options)
    }

    /// The session with this id, or `SESSION_NOT_FOUND`.
    pub fn get_session(&self, id: &str) -> Result<Session> {
        crate::session::get(self.inner(), id)
    }

    /// Kills a session's processes and forgets the session.
    pub async fn delete_session(&self, id: &str) -> Result<()> {
        crate::session::delete(self.inner(), id).await
    }

    /// Kills everything (SIGTERM, then SIGKILL), and forgets every record and session.
    /// Starts called before it that are still in flight fail, their children killed;
    /// it returns once they have. The sandbox can be used again afterwards.
    pub async fn destroy(&self) {
        let inner = self.inner();
        let procs = inner.records.close();
        for (_, s) in inner.sessions.lock().unwrap().drain() {
            s.kill_shell();
        }
        kill_many(procs).await;
        // Everything the sandbox started carries its tag: leftovers of execs and of
        // sessions' commands, whose records are gone, too.
        let deadline = crate::duration::deadline(process::DEFAULT_KILL_TIMEOUT);
        process::sweep_tagged(&[&inner.tag], &[], crate::signal::Signal::TERM, deadline).await;
        inner.records.settled().await;
    }

    /// Kills everything from synchronous code, for host-exit hooks; waits at most
    /// `grace` after SIGTERM before SIGKILL. Starts in flight kill what they spawn.
    pub fn destroy_blocking(&self, grace: Duration) {
        let inner = self.inner();
        inner.records.end_epoch();
        process::kill_all_blocking(&inner.records.list(), grace);
    }
}

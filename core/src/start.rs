//! Starting one process: check the options, list its record, spawn it, and hand it to
//! its supervisor and readers.

use crate::command::{self, Command, EnvChanges};
use crate::error::{check_no_nul, Error, ErrorCode, Result};
use crate::lifecycle::{self, Supervision};
use crate::logfile::{RotatingFile, ROTATE_AT};
use crate::logs::LogStore;
use crate::process::{Process, ProcessObserver, DEFAULT_KILL_TIMEOUT};
use crate::reader::{self, OutputSink};
use crate::records::{self, Epoch};
use crate::sandbox::{Inner, ProcessOptions};
use crate::signal::Signal;
use crate::spawn::{self, SpawnSpec};
use crate::status::{ExitInfo, ProcessStatus};
use crate::stdin::StdinMode;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::watch;

/// Starts `command` in `sandbox` for a call made in `epoch`; the session, if any, is
/// already decided by the scope.
pub(crate) async fn start(
    sandbox: &Arc<Inner>,
    epoch: Epoch,
    command: Command,
    options: ProcessOptions,
) -> Result<Process> {
    command.validate()?;
    command::validate_env(&options.env)?;
    if options.pty.is_some() && options.stdin == Some(StdinMode::Ignore) {
        return Err(Error::invalid(
            "a terminal is its process's input: pty cannot be combined with stdin \"ignore\"",
        ));
    }
    if let Some(policy) = &options.restart {
        policy.validate()?;
        // One stdin pipe and one terminal per handle: a new run could not keep them.
        if policy.policy != crate::restart::RestartMode::No
            && (options.pty.is_some() || options.stdin == Some(StdinMode::Pipe))
        {
            return Err(Error::invalid(
                "restart cannot be combined with pty or stdin \"pipe\": each run would need a new input",
            ));
        }
    }
    // Bad input is refused before a record exists; only a cwd that is missing is a
    // start failure that leaves an `error` record.
    if let Some(cwd) = &options.cwd {
        check_no_nul("cwd", &cwd.to_string_lossy())?;
    }
    let log_limit = crate::input::check_log_limit(options.log_limit.unwrap_or(sandbox.log_limit))?;
    let id = match &options.process_id {
        Some(id) => {
            validate_id(id)?;
            id.clone()
        }
        None => new_id(),
    };
    let (session_cwd, session_env, shell) = match &options.session_id {
        Some(sid) => {
            let sessions = sandbox.sessions.lock().unwrap();
            let s = sessions
                .get(sid)
                .ok_or_else(|| crate::session::not_found(sid))?;
            (s.cwd.clone(), s.env.clone(), Some(s.shell.clone()))
        }
        None => (None, EnvChanges::new(), None),
    };
    // A session whose shell runs starts from the shell's cwd and exported env.
    let snapshot = match shell {
        Some(shell) => match shell.lock().await.as_mut() {
            Some(sh) => sh.snapshot().await?,
            None => None,
        },
        None => None,
    };
    let (session_cwd, base_env) = match snapshot {
        Some((cwd, env)) => (Some(cwd), Some(env)),
        None => (session_cwd, None),
    };
    let base = session_cwd.or_else(|| sandbox.cwd.clone());
    let cwd = match (&options.cwd, base) {
        (Some(c), Some(b)) => Some(b.join(c)),
        (Some(c), None) => Some(c.clone()),
        (None, b) => b,
    };
    let file = match &sandbox.log_dir {
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
    let tag = crate::tree::process_tag(&sandbox.tag, options.auto_cleanup);
    let process = Process::new(
        id.clone(),
        tag.clone(),
        command.display(),
        options.session_id.clone(),
        store,
    );
    let admission = sandbox.records.admit(epoch, &process)?;
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
    let (program, args) = command.program_and_args(&sandbox.shell);
    let mut env = match base_env {
        Some(env) => command::merged_env_over(env, &[&options.env]),
        None => command::merged_env(&[&sandbox.env, &session_env, &options.env]),
    };
    // The tag that lets `kill` find what leaves the group (see `tree.rs`).
    crate::tree::set_tag(&mut env, &tag);
    let spec = SpawnSpec {
        program,
        args,
        env,
        cwd,
        stdin_pipe: options.stdin == Some(StdinMode::Pipe),
        pty: options.pty,
    };
    let mut child = spawn::spawn(&spec).map_err(fail)?;
    if let Some(tx) = child.stdin.take() {
        process.inner.stdin.attach(tx);
    }
    if let Some(t) = child.terminal.take() {
        let _ = process.inner.terminal.set(t);
    }
    let pid = child.pid;
    let current = admission.register(&process, pid, child.lease.clone());
    // A start overtaken by `destroy` reports only its error.
    let observer = observer.filter(|_| current);
    // Before the readers exist, so `on_start` always precedes the first `on_output`.
    if let Some(o) = &observer {
        o.on_start(&process.held_by(sandbox));
    }
    let sink: Option<OutputSink> = observer
        .clone()
        .map(|o| Arc::new(move |s, d: &str| o.on_output(s, d)) as OutputSink);
    let launcher = Launcher { spec, sink };
    let run = launcher.read(&process, child);
    let on_done: Option<lifecycle::OnDone> = options.auto_cleanup.then(|| {
        let weak: Weak<Inner> = Arc::downgrade(sandbox);
        Box::new(move |p: &Process| {
            if let Some(inner) = weak.upgrade() {
                inner.records.forget(p);
            }
        }) as lifecycle::OnDone
    });
    let restart = options
        .restart
        .filter(|r| r.policy != crate::restart::RestartMode::No)
        .map(|policy| (policy, launcher));
    tokio::spawn(lifecycle::supervise(
        process.clone(),
        Supervision {
            run,
            timeout: options.timeout,
            kill_timeout: options.kill_timeout.unwrap_or(DEFAULT_KILL_TIMEOUT),
            observer,
            on_done,
            restart,
        },
    ));
    if !current {
        return Err(discard(sandbox, &process, options.observer.as_deref()).await);
    }
    Ok(process.held_by(sandbox))
}

/// How to spawn the process again (restarts) and where its output goes.
pub(crate) struct Launcher {
    spec: SpawnSpec,
    sink: Option<OutputSink>,
}

impl Launcher {
    /// Spawns the next run of `process`. A stop asked while it spawned kills the new run
    /// at once; it is still supervised (and reaped) as any run.
    pub(crate) fn relaunch(&self, process: &Process) -> Result<Run> {
        let child = spawn::spawn(&self.spec)?;
        let stopped = !process.resume(child.pid, child.lease.clone());
        if stopped {
            let _ = crate::group::signal_group(child.pid, Signal::KILL);
        }
        let mut run = self.read(process, child);
        run.stopped = stopped;
        Ok(run)
    }

    /// Starts the readers of a spawned child.
    fn read(&self, process: &Process, child: spawn::Spawned) -> Run {
        let (exited_tx, exited_rx) = watch::channel(false);
        let store = process.inner.store.clone();
        let readers = [
            tokio::spawn(reader::read_pipe(
                child.stdout,
                crate::StreamKind::Stdout,
                store.clone(),
                self.sink.clone(),
                exited_rx.clone(),
            )),
            match child.stderr {
                Some(stderr) => tokio::spawn(reader::read_pipe(
                    stderr,
                    crate::StreamKind::Stderr,
                    store,
                    self.sink.clone(),
                    exited_rx,
                )),
                // A terminal has one output, read as stdout.
                None => tokio::spawn(async {}),
            },
        ];
        Run {
            pidfd: child.pidfd,
            readers,
            exited_tx,
            started: std::time::Instant::now(),
            stopped: false,
        }
    }
}

/// One run of a process: what its supervisor waits on.
pub(crate) struct Run {
    pub pidfd: std::os::fd::OwnedFd,
    pub readers: [tokio::task::JoinHandle<()>; 2],
    pub exited_tx: watch::Sender<bool>,
    pub started: std::time::Instant,
    /// A stop came while it was spawned: it was killed at once, and what it managed to
    /// start (a `setsid` child) is for the supervisor to end.
    pub stopped: bool,
}

/// Kills and reaps the child of a start that `destroy` overtook, and forgets it.
async fn discard(
    sandbox: &Inner,
    process: &Process,
    observer: Option<&dyn ProcessObserver>,
) -> Error {
    // It has run for a moment at most, and the sandbox is going: no grace.
    let _ = process.kill(Signal::KILL, DEFAULT_KILL_TIMEOUT).await;
    sandbox.records.forget(process);
    let e = records::destroyed(process.id());
    if let Some(o) = observer {
        o.on_error(&e);
    }
    e
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

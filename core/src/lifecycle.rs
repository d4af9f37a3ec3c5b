//! The task that watches one child from spawn to exit and records how it ended.

use crate::process::{Process, ProcessObserver};
use crate::restart::RestartPolicy;
use crate::signal::Signal;
use crate::spawn::WaitOutcome;
use crate::start::{Launcher, Run};
use crate::status::{ExitInfo, ProcessStatus};
use crate::watchdog::{GroupLease, STRAY_POLL};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;

/// Runs once the process has ended, e.g. to forget an auto-cleanup record.
pub(crate) type OnDone = Box<dyn FnOnce(&Process) + Send>;

/// What the supervisor needs besides the process itself.
pub(crate) struct Supervision {
    pub run: Run,
    /// Kill it (all runs together) after this long.
    pub timeout: Option<Duration>,
    /// How long after the timeout's SIGTERM SIGKILL follows.
    pub kill_timeout: Duration,
    pub observer: Option<Arc<dyn ProcessObserver>>,
    pub on_done: Option<OnDone>,
    /// The restart policy, and how to spawn again.
    pub restart: Option<(RestartPolicy, Launcher)>,
}

/// Waits for each run's exit, lets the readers drain the pipes, then starts the next run
/// (restart policy) or records the end. Output always lands before the exit event,
/// which is always the last one. Runs never overlap: what a run left behind is ended
/// before the next one starts.
pub(crate) async fn supervise(process: Process, sup: Supervision) {
    let Supervision {
        mut run,
        timeout,
        kill_timeout,
        observer,
        on_done,
        restart,
    } = sup;
    let mut deadline = timeout.map(|t| Box::pin(tokio::time::sleep(t)));
    let mut stopped_at_spawn;
    let info = loop {
        stopped_at_spawn = run.stopped;
        let outcome = wait_run(&process, run.pidfd, &mut deadline, kill_timeout).await;
        if let Some(lease) = process.note_strays() {
            tokio::spawn(release_when_empty(lease));
        }
        let _ = run.exited_tx.send(true);
        for r in run.readers {
            let _ = r.await;
        }
        let info = process.classify(outcome);
        let Some((policy, launcher)) = &restart else {
            break info;
        };
        let Some(delay) = process.restart_due(policy, &info, run.started.elapsed()) else {
            break info;
        };
        clear_leftovers(&process).await;
        process.inner.store.restart(info.exit_code);
        let mut stop = process.inner.stop_tx.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
        if process.stopping() {
            break ExitInfo {
                status: ProcessStatus::Killed,
                ..info
            };
        }
        match launcher.relaunch(&process) {
            Ok(next) => run = next,
            Err(e) => {
                if let Some(obs) = &observer {
                    obs.on_error(&e.with_process(process.id()));
                }
                break ExitInfo {
                    exit_code: None,
                    signal: None,
                    status: ProcessStatus::Error,
                };
            }
        }
    };
    if stopped_at_spawn {
        // The `kill` that stopped it looked for escapees before this run existed.
        clear_leftovers(&process).await;
    }
    // Forget an auto-cleanup record before waking waiters, so that once `wait_for_exit`
    // (or `exec`) returns the record is already gone.
    if let Some(done) = on_done {
        done(&process);
    }
    // `on_exit` before waking waiters too: once `wait_for_exit` or `kill` returns, the
    // observer has been told (bindings queue the callback ahead of the resolved promise).
    if let Some(obs) = &observer {
        obs.on_exit(info.exit_code);
    }
    process.finish(info);
}

/// Waits for one run's leader to exit and reaps it; the process's `timeout` (which
/// spans all runs) sends SIGTERM through `kill` when it fires.
async fn wait_run(
    process: &Process,
    pidfd: OwnedFd,
    deadline: &mut Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    kill_timeout: Duration,
) -> WaitOutcome {
    // SAFETY: the AsyncFd owns the pidfd, which stays open and unchanged until it is dropped.
    let registered =
        unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) };
    match registered {
        Ok(fd) => loop {
            tokio::select! {
                _ = crate::spawn::exited(&fd) => {}
                _ = async { deadline.as_mut().unwrap().await }, if deadline.is_some() => {
                    *deadline = None;
                    let p = process.clone();
                    tokio::spawn(async move { let _ = p.kill(Signal::TERM, kill_timeout).await; });
                    continue;
                }
            }
            if let Some(o) = process.reap() {
                break o;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        },
        // No reactor registration possible: fall back to polling the reap.
        Err(_) => loop {
            if let Some(o) = process.reap() {
                break o;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        },
    }
}

/// Before a restart: SIGKILL to what the run left in its group and to what carries the
/// tag, and a wait (bounded) until they are gone, so that two runs never overlap.
async fn clear_leftovers(process: &Process) {
    let deadline = crate::duration::deadline(Duration::ZERO);
    if let Some(pgid) = process.pid() {
        if crate::group::orphaned_group_alive(pgid) {
            let _ = crate::group::signal_group(pgid, Signal::KILL);
        }
    }
    let tag = process.tag().to_owned();
    let left = crate::tree::tagged(&[&tag]);
    if !left.is_empty() {
        crate::tree::signal_all(left.into_iter().map(|(pid, _)| pid), Signal::KILL);
        crate::process::wait_tagged(&[&tag], deadline).await;
    }
    if let Some(pgid) = process.pid() {
        let until = std::time::Instant::now() + Duration::from_secs(1);
        while crate::group::orphaned_group_alive(pgid) && std::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Members outlived the leader: the group stays guarded by the watchdog until they are
/// gone (killed, or ended on their own), and no longer, since its id may then be reused.
/// (A zombie member keeps the id taken, so it keeps the group guarded, harmlessly.)
pub(crate) async fn release_when_empty(lease: GroupLease) {
    while !lease.released() && crate::group::group_exists(lease.pgid()) {
        tokio::time::sleep(STRAY_POLL).await;
    }
    lease.release();
}

#[cfg(test)]
mod tests {
    use crate::{ProcessObserver, ProcessOptions, Sandbox, SandboxOptions, Signal};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[derive(Default)]
    struct ExitSeen(Mutex<Option<Option<i32>>>);

    impl ProcessObserver for ExitSeen {
        fn on_exit(&self, exit_code: Option<i32>) {
            *self.0.lock().unwrap() = Some(exit_code);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_exit_is_called_before_waiters_wake() {
        let sb = Sandbox::new(SandboxOptions::default()).unwrap();
        let hang = Some(Duration::from_secs(30));
        for _ in 0..20 {
            let seen = Arc::new(ExitSeen::default());
            let options = ProcessOptions {
                observer: Some(seen.clone()),
                ..Default::default()
            };
            let p = sb.start_process("exit 4", options).await.unwrap();
            p.wait_for_exit(hang).await.unwrap();
            assert_eq!(*seen.0.lock().unwrap(), Some(Some(4)));
        }
        let seen = Arc::new(ExitSeen::default());
        let options = ProcessOptions {
            observer: Some(seen.clone()),
            ..Default::default()
        };
        let p = sb.start_process("sleep 30", options).await.unwrap();
        p.kill(Signal::TERM, Duration::from_secs(5)).await.unwrap();
        assert_eq!(*seen.0.lock().unwrap(), Some(Some(143)));
    }
}

//! The task that watches one child from spawn to exit and records how it ended.

use crate::process::{Process, ProcessObserver};
use crate::signal::Signal;
use crate::watchdog::{GroupLease, STRAY_POLL};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Runs once the process has ended, e.g. to forget an auto-cleanup record.
pub(crate) type OnDone = Box<dyn FnOnce(&Process) + Send>;

/// What the supervisor needs besides the process itself.
pub(crate) struct Supervision {
    pub pidfd: OwnedFd,
    pub readers: [JoinHandle<()>; 2],
    pub exited_tx: watch::Sender<bool>,
    pub timeout: Option<Duration>,
    /// How long after the timeout's SIGTERM SIGKILL follows.
    pub kill_timeout: Duration,
    pub observer: Option<Arc<dyn ProcessObserver>>,
    pub on_done: Option<OnDone>,
}

/// Waits for the exit, lets the readers drain the pipes, then records the end.
/// Output always lands before the exit event, which is always the last one.
pub(crate) async fn supervise(process: Process, sup: Supervision) {
    let Supervision {
        pidfd,
        readers,
        exited_tx,
        timeout,
        kill_timeout,
        observer,
        on_done,
    } = sup;
    // SAFETY: the AsyncFd owns the pidfd, which stays open and unchanged until it is dropped.
    let registered =
        unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) };
    let outcome = match registered {
        Ok(fd) => {
            let mut deadline = timeout.map(|t| Box::pin(tokio::time::sleep(t)));
            loop {
                tokio::select! {
                    _ = crate::spawn::exited(&fd) => {}
                    _ = async { deadline.as_mut().unwrap().await }, if deadline.is_some() => {
                        deadline = None;
                        let p = process.clone();
                        tokio::spawn(async move { let _ = p.kill(Signal::TERM, kill_timeout).await; });
                        continue;
                    }
                }
                if let Some(o) = process.reap() {
                    break o;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // No reactor registration possible: fall back to polling the reap.
        Err(_) => loop {
            if let Some(o) = process.reap() {
                break o;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        },
    };
    if let Some(lease) = process.note_strays() {
        tokio::spawn(release_when_empty(lease));
    }
    let _ = exited_tx.send(true);
    for r in readers {
        let _ = r.await;
    }
    let info = process.classify(outcome);
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

//! Where expensive line matching runs: a few low-priority OS threads, never the runtime.
//!
//! A backtracking pattern (lookaround, backreference) can take time quadratic or worse
//! in the line length, and a linear one still costs milliseconds on a multi-megabyte
//! line. Run on a tokio worker, one such wait stalled every other task of the runtime
//! (an unrelated `exec` took 28 s). Here the work runs on threads that lowered their own
//! priority (nice 19), so the runtime's threads win the CPU whenever they want it, and
//! each job checks a cancel flag between start positions, so a dropped wait stops the
//! work at once. The pool is small and bounded, which also bounds how many transient
//! copies of long lines exist at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

/// Threads in the pool: enough that one pathological wait does not queue every other.
const THREADS: usize = 4;
/// The niceness the pool's threads take (the lowest priority).
const NICE: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// Jobs running or queued right now (tests check that cancelled work drains).
static BUSY: AtomicUsize = AtomicUsize::new(0);

fn pool() -> &'static Mutex<Sender<Job>> {
    static POOL: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..THREADS {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("procwright-match-{i}"))
                .spawn(move || worker(&rx));
        }
        Mutex::new(tx)
    })
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    // Per-thread on Linux: the tid names only this thread.
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICE);
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => {
                job();
                BUSY.fetch_sub(1, Ordering::SeqCst);
            }
            Err(_) => return,
        }
    }
}

/// Runs `f` on the pool and resolves with its result; `None` if the pool is gone.
pub(crate) async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    BUSY.fetch_add(1, Ordering::SeqCst);
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    if pool().lock().ok()?.send(job).is_err() {
        BUSY.fetch_sub(1, Ordering::SeqCst);
        return None;
    }
    rx.await.ok()
}

/// Jobs queued or running now.
#[doc(hidden)]
pub fn busy_jobs() -> usize {
    BUSY.load(Ordering::SeqCst)
}

/// Set when the wait that asked for the work is gone; the work then stops early.
#[derive(Clone, Default, Debug)]
pub(crate) struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether the asker is gone.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that sets the flag when dropped (a wait's future dropped by a timeout or
    /// a cancellation).
    pub(crate) fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Sets its [`Cancel`] when dropped.
pub(crate) struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0 .0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_off_the_runtime_at_low_priority() {
        let (name, nice) = run(|| {
            let name = std::thread::current().name().map(str::to_owned);
            let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid()));
            (name, nice.ok())
        })
        .await
        .unwrap();
        assert!(name.unwrap().starts_with("procwright-match-"));
        assert_eq!(nice, Some(NICE));
    }

    #[test]
    fn cancel_is_set_by_the_guard() {
        let c = Cancel::default();
        let g = c.on_drop();
        assert!(!c.is_set());
        drop(g);
        assert!(c.is_set());
    }
}

//! The reaper: one thread that kills what dropped sandboxes leave behind, so that
//! dropping the last handle never waits (it may run on a tokio worker, or on a thread
//! running a garbage collector).
//!
//! A plain thread, not a task: the runtime that started the processes may be gone.
//! Each batch gets SIGTERM at once and SIGKILL after its grace; batches never wait on
//! each other.

use crate::group;
use crate::process::Process;
use crate::signal::Signal;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often the reaper looks at what it is killing.
const POLL: Duration = Duration::from_millis(5);
/// After SIGKILL, how long a group may take to vanish before the reaper stops watching
/// (a process in uninterruptible sleep dies only when its system call returns).
const KILL_SETTLE: Duration = Duration::from_millis(500);

struct Batch {
    procs: Vec<Process>,
    grace: Duration,
}

/// Hands `procs` to the reaper thread: SIGTERM now to each running group (and to what
/// is left of ended ones), SIGKILL after `grace`. Returns at once.
pub(crate) fn reap(procs: Vec<Process>, grace: Duration) {
    if procs.is_empty() {
        return;
    }
    static TX: OnceLock<Mutex<Option<Sender<Batch>>>> = OnceLock::new();
    let mut tx = TX
        .get_or_init(|| Mutex::new(None))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let mut batch = Batch { procs, grace };
    if let Some(t) = tx.as_ref() {
        match t.send(batch) {
            Ok(()) => return,
            // The thread is gone (only a panic could end it): start another.
            Err(mpsc::SendError(b)) => batch = b,
        }
    }
    let (t, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("procwright-reaper".into())
        .spawn(move || run(rx));
    match spawned {
        Ok(_) => {
            let _ = t.send(batch);
            *tx = Some(t);
        }
        // No thread to be had: kill inline rather than not at all.
        Err(_) => crate::process::kill_all_blocking(&batch.procs, batch.grace),
    }
}

/// What left the groups of one batch, found by tag: SIGTERM at once, one more scan and
/// SIGKILL at `due`.
struct Escapees {
    tags: Vec<String>,
    due: Option<Instant>,
}

/// One group being killed.
struct Target {
    process: Process,
    pgid: u32,
    /// SIGKILL is due at this time, or (once sent) watching stops; `None`: never.
    due: Option<Instant>,
    killed: bool,
}

fn run(rx: Receiver<Batch>) {
    let mut targets: Vec<Target> = Vec::new();
    let mut escapees: Vec<Escapees> = Vec::new();
    loop {
        let next = if targets.is_empty() && escapees.is_empty() {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(POLL)
        };
        match next {
            Ok(batch) => {
                start(batch, &mut targets, &mut escapees);
                while let Ok(more) = rx.try_recv() {
                    start(more, &mut targets, &mut escapees);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) if targets.is_empty() && escapees.is_empty() => {
                return
            }
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(POLL),
        }
        let now = Instant::now();
        escapees.retain(|e| {
            if e.due.map_or(true, |due| now < due) {
                return e.due.is_some();
            }
            let tags: Vec<&str> = e.tags.iter().map(String::as_str).collect();
            let left = crate::tree::tagged(&tags);
            crate::tree::signal_all(left.into_iter().map(|(pid, _)| pid), Signal::KILL);
            false
        });
        targets.retain_mut(|t| {
            let leader_gone = t.process.reap().is_some();
            if leader_gone && !group::orphaned_group_alive(t.pgid) {
                t.process.release_if_empty();
                return false;
            }
            if t.due.map_or(true, |due| now < due) {
                return true;
            }
            if t.killed {
                // Gave it its time: the watchdog still guards the group.
                return false;
            }
            let _ = group::signal_group(t.pgid, Signal::KILL);
            t.killed = true;
            t.due = Some(now + KILL_SETTLE);
            true
        });
    }
}

/// Sends SIGTERM to every group of the batch that still has members, and to what left
/// the groups but carries a tag (one `/proc` pass for the batch).
fn start(batch: Batch, targets: &mut Vec<Target>, escapees: &mut Vec<Escapees>) {
    // A grace too large for a deadline means none.
    let due = crate::duration::deadline(batch.grace);
    let tags: Vec<String> = batch.procs.iter().map(|p| p.tag().to_owned()).collect();
    let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    let found = crate::tree::tagged(&refs);
    if !found.is_empty() {
        crate::tree::signal_all(found.into_iter().map(|(pid, _)| pid), Signal::TERM);
        escapees.push(Escapees { tags, due });
    }
    for process in batch.procs {
        let Some(pgid) = process.pgid_if_running().or_else(|| process.stray_pgid()) else {
            continue;
        };
        process.mark_signalled();
        let _ = group::signal_group(pgid, Signal::TERM);
        targets.push(Target {
            process,
            pgid,
            due,
            killed: false,
        });
    }
}

//! Signalling and probing a whole process group.

use crate::error::{Error, ErrorCode, Result};
use crate::signal::Signal;
use rustix::process::Pid;

fn pid(pgid: u32) -> Pid {
    Pid::from_raw(pgid as i32).expect("a process group id is positive")
}

/// Sends `sig` to every member of the group; a group that is already gone is fine.
pub(crate) fn signal_group(pgid: u32, sig: Signal) -> Result<()> {
    match rustix::process::kill_process_group(pid(pgid), sig.to_rustix()) {
        Ok(()) => {
            // A stopped process acts on SIGTERM and the like only once continued; without
            // this, killing a stopped group would always wait for the SIGKILL escalation.
            if sig.is_terminating() && sig != Signal::KILL {
                let _ =
                    rustix::process::kill_process_group(pid(pgid), rustix::process::Signal::CONT);
            }
            Ok(())
        }
        Err(e) if e == rustix::io::Errno::SRCH => Ok(()),
        Err(e) => Err(Error::new(
            ErrorCode::ProcessError,
            format!("could not send {sig} to group {pgid}: {e}"),
        )),
    }
}

/// Whether the group has any member at all, zombies included: while it has, its id
/// cannot be given to another group. One syscall, however many processes run.
pub(crate) fn group_exists(pgid: u32) -> bool {
    rustix::process::test_kill_process_group(pid(pgid)) != Err(rustix::io::Errno::SRCH)
}

/// Whether any member of the group is still running (zombies waiting to be reaped by
/// someone else do not count: they can no longer do anything).
pub(crate) fn group_alive(pgid: u32) -> bool {
    if rustix::process::test_kill_process_group(pid(pgid)).is_err() {
        return false;
    }
    scan(pgid, true).map_or(true, |m| !m.is_empty())
}

/// The running members of the group (zombies left out); empty if `/proc` cannot be read.
pub(crate) fn members(pgid: u32) -> std::collections::HashSet<u32> {
    scan(pgid, false).unwrap_or_default()
}

/// A group's members: they can be missed by the group's signal when their parent had
/// it pending and blocked while it forked them (the child does not inherit a pending
/// signal). Whoever waits for a signalled group to end sends the signal again to
/// members it has not seen before, once each.
pub(crate) struct Latecomers {
    pgid: u32,
    seen: std::collections::HashSet<u32>,
}

impl Latecomers {
    /// The members now: call it before signalling the group.
    pub(crate) fn before_signal(pgid: u32) -> Latecomers {
        Latecomers {
            pgid,
            seen: members(pgid),
        }
    }

    /// Sends `sig` to the running members not seen before; whether any is running.
    pub(crate) fn signal_new(&mut self, sig: Signal) -> bool {
        let now = members(self.pgid);
        for m in &now {
            if self.seen.insert(*m) {
                if let Some(p) = rustix::process::Pid::from_raw(*m as i32) {
                    let _ = rustix::process::kill_process(p, sig.to_rustix());
                }
            }
        }
        !now.is_empty()
    }
}

/// The running members of `pgid` (all of them, or `first_only` the first found); `None`
/// if `/proc` cannot be read.
fn scan(pgid: u32, first_only: bool) -> Option<std::collections::HashSet<u32>> {
    let mut out = std::collections::HashSet::new();
    let dir = std::fs::read_dir("/proc").ok()?;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{name}/stat")) else {
            continue;
        };
        // Fields after the parenthesised command: state ppid pgrp ...
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut fields = stat[close + 1..].split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<u32>().ok());
        if pgrp == Some(pgid) && state != Some("Z") && state != Some("X") {
            if let Ok(p) = name.parse() {
                out.insert(p);
            }
            if first_only {
                break;
            }
        }
    }
    Some(out)
}

/// Whether the group of a leader that was already reaped still has live members, and
/// so is still ours to signal. While a member lives the id cannot be handed out again,
/// so a process whose pid is the group id proves that the group died and the id was
/// reused by someone else.
pub(crate) fn orphaned_group_alive(pgid: u32) -> bool {
    group_alive(pgid) && !std::path::Path::new(&format!("/proc/{pgid}")).exists()
}

//! Tree kill beyond the process group: every started process carries the environment
//! tag `PROCWRIGHT_TAG`, so what left the group (`setsid`, a double-forked daemon) is
//! still found, under `/proc`, by the tag it inherited.
//!
//! A tag is `<host pid>-<sandbox>-<process>`, so the sandbox's own tag (`<host
//! pid>-<sandbox>`) matches every process it started. Two kinds of processes have
//! no record to be found by once they end, so their tags group them where a kill can
//! still reach what they leave behind: processes forgotten at their exit (`exec`,
//! `autoCleanup`) are `<sandbox>-x-<n>`, swept by `killAllProcesses`; a session's shell
//! is `<sandbox>-s<n>`, and everything a `session.exec` starts inherits it, swept when
//! the session is deleted. `destroy` sweeps the sandbox's whole tag.
//!
//! A process started inside one that already carries a tag (procwright run by a
//! procwright process) gets the inherited value, `:`, and its own, so the outer kill
//! reaches it too. Only processes of the same user can be
//! read this way (the kernel hides another user's environment), and a process that
//! clears its environment before exec is out of reach: the group kill still applies.

use crate::signal::Signal;
use std::ffi::OsString;
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable every started process carries.
pub const TAG_VAR: &str = "PROCWRIGHT_TAG";

/// Process and session numbers within the host, for tags.
static NUMBERS: AtomicU64 = AtomicU64::new(0);

/// The tag of a new process of the sandbox tagged `sandbox`; `forgotten`: its record
/// goes when it ends, so its tag is under [`forgotten_tag`].
pub(crate) fn process_tag(sandbox: &str, forgotten: bool) -> String {
    let n = NUMBERS.fetch_add(1, Ordering::Relaxed);
    if forgotten {
        format!("{}-{n}", forgotten_tag(sandbox))
    } else {
        format!("{sandbox}-{n}")
    }
}

/// The tag under which a sandbox's forgotten-at-exit processes are.
pub(crate) fn forgotten_tag(sandbox: &str) -> String {
    format!("{sandbox}-x")
}

/// The tag of a new session's shell in the sandbox tagged `sandbox`.
pub(crate) fn session_tag(sandbox: &str) -> String {
    format!("{sandbox}-s{}", NUMBERS.fetch_add(1, Ordering::Relaxed))
}

/// Sets `own` as the tag in `env`, under the value it would inherit from there.
pub(crate) fn set_tag(env: &mut Vec<(OsString, OsString)>, own: &str) {
    let inherited = env
        .iter()
        .position(|(k, _)| k == TAG_VAR)
        .map(|i| env.swap_remove(i).1);
    env.push((
        TAG_VAR.into(),
        child_value(inherited.as_deref(), own).into(),
    ));
}

/// The value a child started with `own` gets, given what it inherits.
pub(crate) fn child_value(inherited: Option<&std::ffi::OsStr>, own: &str) -> String {
    match inherited.and_then(|v| v.to_str()).filter(|v| !v.is_empty()) {
        Some(outer) => format!("{outer}:{own}"),
        None => own.to_owned(),
    }
}

/// The `PROCWRIGHT_TAG` value for a process the host starts itself, outside any
/// sandbox, that must not outlive the host (the command `procwright run` runs): when
/// the host ends, however it ends, the watchdog ends it and what it started. Starts the
/// watchdog if need be. `name` tells such processes apart (no `-` or `:` in it).
pub fn host_tag(name: &str) -> String {
    crate::watchdog::prepare();
    let own = format!("{}-{name}", std::process::id());
    child_value(std::env::var_os(TAG_VAR).as_deref(), &own)
}

/// Whether a tag value names `tag` itself or something under it (`tag-…`).
fn value_matches(value: &[u8], tag: &str) -> bool {
    value.split(|b| *b == b':').any(|part| {
        part == tag.as_bytes()
            || (part.len() > tag.len()
                && part.starts_with(tag.as_bytes())
                && part[tag.len()] == b'-')
    })
}

/// The live processes (not `exclude`) that carry any of `tags`, with the index of the
/// tag each matched. One pass over `/proc`.
pub(crate) fn tagged(tags: &[&str]) -> Vec<(u32, usize)> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let key = format!("{TAG_VAR}=");
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        // Unreadable (another user) or gone: not ours to find.
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let Some(value) = environ
            .split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(key.as_bytes()))
        else {
            continue;
        };
        // A zombie's environment reads empty, so only live processes get here.
        if let Some(i) = tags.iter().position(|t| value_matches(value, t)) {
            out.push((pid, i));
        }
    }
    out
}

/// Those of `found` outside the process group that `pgid_of` gives for their tag's
/// index: the group's own signal reaches the rest, and a second one would run a handler
/// twice (a shell runs its trap once per signal received). Gone ones are left out.
pub(crate) fn outside_groups(
    found: Vec<(u32, usize)>,
    pgid_of: impl Fn(usize) -> Option<u32>,
) -> Vec<(u32, usize)> {
    found
        .into_iter()
        .filter(|(pid, i)| {
            let Some(raw) = rustix::process::Pid::from_raw(*pid as i32) else {
                return false;
            };
            match rustix::process::getpgid(Some(raw)) {
                Ok(g) => pgid_of(*i) != Some(g.as_raw_nonzero().get() as u32),
                Err(_) => false,
            }
        })
        .collect()
}

/// Sends `signal` to each of `pids`; gone ones are skipped.
pub(crate) fn signal_all(pids: impl IntoIterator<Item = u32>, signal: Signal) {
    for pid in pids {
        if let Some(raw) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(raw, signal.to_rustix());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_nest_and_match_by_component() {
        assert_eq!(child_value(None, "1-0-3"), "1-0-3");
        assert_eq!(child_value(Some("9-1-2".as_ref()), "1-0-3"), "9-1-2:1-0-3");
        assert!(value_matches(b"1-0-3", "1-0-3"));
        assert!(value_matches(b"9-1-2:1-0-3", "1-0-3"));
        assert!(value_matches(b"1-0-3", "1-0"));
        assert!(value_matches(b"1-0-3", "1"));
        assert!(!value_matches(b"1-0-31", "1-0-3"));
        assert!(!value_matches(b"11-0-3", "1"));
    }
}

//! Shared sandboxes by name, and the list of live sandboxes for host-exit cleanup.

use crate::sandbox::{Inner, Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, Weak};
use std::time::Duration;

fn live() -> &'static Mutex<Vec<Weak<Inner>>> {
    static LIVE: OnceLock<Mutex<Vec<Weak<Inner>>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

fn named() -> &'static Mutex<HashMap<String, Sandbox>> {
    static NAMED: OnceLock<Mutex<HashMap<String, Sandbox>>> = OnceLock::new();
    NAMED.get_or_init(Default::default)
}

pub(crate) fn track(sandbox: &std::sync::Arc<Inner>) {
    let mut l = live().lock().unwrap();
    l.retain(|w| w.strong_count() > 0);
    l.push(std::sync::Arc::downgrade(sandbox));
}

/// The one shared sandbox for `name` (default `"default"`), created on first use.
pub fn get_sandbox(name: Option<&str>) -> crate::Result<Sandbox> {
    let name = name.unwrap_or("default");
    crate::error::check_no_nul("sandbox name", name)?;
    let mut map = named().lock().unwrap();
    if let Some(s) = map.get(name) {
        return Ok(s.clone());
    }
    let s = Sandbox::new(SandboxOptions::default())?;
    map.insert(name.to_owned(), s.clone());
    Ok(s)
}

/// Kills every process of every live sandbox, from synchronous code: the hook that
/// bindings run at host exit. SIGTERM, then SIGKILL after `grace` (a grace too large for
/// a deadline means none). Starts in flight kill what they spawn. In a process forked
/// from the host it does nothing: the host's processes are not the child's to kill.
pub fn shutdown_all(grace: Duration) {
    let sandboxes: Vec<std::sync::Arc<Inner>> = live()
        .lock()
        .unwrap()
        .iter()
        .filter_map(|w| w.upgrade())
        .filter(|inner| !inner.forked())
        .collect();
    for s in &sandboxes {
        s.records.end_epoch();
        // Session shells are the sandbox's too.
        for session in s
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            session.kill_shell();
        }
    }
    let procs: Vec<_> = sandboxes.iter().flat_map(|s| s.records.list()).collect();
    crate::process::kill_all_blocking(&procs, grace);
}

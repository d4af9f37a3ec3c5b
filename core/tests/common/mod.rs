//! Helpers shared by the integration tests. Each test binary uses a subset.
#![allow(dead_code)]

use procwright::*;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A generous bound that only catches hangs; never a speed assertion.
pub const HANG: Duration = Duration::from_secs(30);

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

pub fn sandbox() -> Sandbox {
    Sandbox::new(SandboxOptions::default()).unwrap()
}

pub fn sandbox_with(options: SandboxOptions) -> Sandbox {
    Sandbox::new(options).unwrap()
}

pub async fn start(sb: &Sandbox, command: impl Into<Command>) -> Process {
    sb.start_process(command, ProcessOptions::default())
        .await
        .unwrap()
}

/// Runs `fut`, failing the test (instead of hanging) if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {limit:?}"),
    }
}

/// Polls `cond` every 10 ms until it holds; false if `limit` passes first.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(ms(10)).await;
    }
}

pub fn sub(s: &str) -> Pattern {
    Pattern::substring(s).unwrap()
}

pub fn re(s: &str) -> Pattern {
    Pattern::regex(s, RegexFlags::default()).unwrap()
}

/// One line of /proc/<pid>/stat, parsed after the command name.
#[derive(Debug, Clone)]
pub struct ProcStat {
    pub pid: u32,
    pub state: String,
    pub ppid: u32,
    pub pgrp: u32,
}

pub fn read_stat(pid: u32) -> Option<ProcStat> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = stat.rfind(')')?;
    let mut f = stat[close + 1..].split_whitespace();
    let state = f.next()?.to_owned();
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
    })
}

pub fn all_procs() -> Vec<ProcStat> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) {
            if let Some(s) = read_stat(pid) {
                out.push(s);
            }
        }
    }
    out
}

/// Every process in group `pgid`.
pub fn group_members(pgid: u32) -> Vec<ProcStat> {
    all_procs().into_iter().filter(|p| p.pgrp == pgid).collect()
}

/// Members of the group that can still run. Orphaned grandchildren are reparented to
/// PID 1, which on some machines (this one included) never reaps them, so a dead
/// member may linger as a zombie that is not ours.
pub fn live_group_members(pgid: u32) -> Vec<ProcStat> {
    group_members(pgid)
        .into_iter()
        .filter(|p| p.state != "Z" && p.state != "X")
        .collect()
}

/// Our own children that exited and were never reaped.
pub fn our_zombies() -> Vec<ProcStat> {
    let me = std::process::id();
    all_procs()
        .into_iter()
        .filter(|p| p.ppid == me && p.state == "Z")
        .collect()
}

pub fn pid_alive(pid: u32) -> bool {
    read_stat(pid).is_some_and(|s| s.state != "Z" && s.state != "X")
}

pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A field of /proc/self/status in kB, e.g. `VmRSS` or `VmHWM`.
pub fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// A port nothing listens on right now, on 127.0.0.1.
pub fn free_port_v4() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A port nothing listens on right now, on ::1; `None` if this host has no IPv6 loopback.
pub fn free_port_v6() -> Option<u16> {
    let l = std::net::TcpListener::bind("[::1]:0").ok()?;
    Some(l.local_addr().ok()?.port())
}

/// Records every observer callback, in order.
#[derive(Default)]
pub struct Recorder {
    pub events: Mutex<Vec<String>>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    pub fn output(&self, stream: StreamKind) -> String {
        let prefix = format!("output:{}:", stream.as_str());
        self.events()
            .iter()
            .filter_map(|e| e.strip_prefix(&prefix).map(str::to_owned))
            .collect()
    }

    fn push(&self, e: String) {
        self.events.lock().unwrap().push(e);
    }
}

impl ProcessObserver for Recorder {
    fn on_start(&self, process: &Process) {
        self.push(format!("start:{}", process.id()));
    }
    fn on_output(&self, stream: StreamKind, data: &str) {
        self.push(format!("output:{}:{data}", stream.as_str()));
    }
    fn on_exit(&self, exit_code: Option<i32>) {
        self.push(format!("exit:{exit_code:?}"));
    }
    fn on_error(&self, error: &Error) {
        self.push(format!("error:{}", error.code));
    }
}

/// A fresh empty directory under the system temp dir, removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("procwright-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Canonical, so it compares equal to what `pwd` prints.
        TempDir(dir.canonicalize().unwrap())
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Environment changes from pairs; `None` removes the variable.
pub fn env(pairs: &[(&str, Option<&str>)]) -> EnvChanges {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

/// Live processes (not zombies) whose environment has `key=value`: how a test finds
/// children whose pids it was never told.
pub fn live_with_env(key: &str, value: &str) -> Vec<ProcStat> {
    let wanted = format!("{key}={value}").into_bytes();
    all_procs()
        .into_iter()
        .filter(|p| p.state != "Z" && p.state != "X")
        .filter(|p| {
            std::fs::read(format!("/proc/{}/environ", p.pid))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == wanted.as_slice()))
        })
        .collect()
}

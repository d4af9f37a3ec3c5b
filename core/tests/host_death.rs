//! However the host ends, everything it started is gone soon after: SIGKILL and SIGTERM
//! run no cleanup code in the host, so only the watchdog can do it.
//!
//! Each test plays two roles. Run normally, it re-executes this test binary with
//! `PW_TEST_HOST` set and only its own name selected; in that copy the same test is the
//! host: it starts processes, prints their groups and waits to be killed.

mod common;
use common::*;
use procwright::{ExecOptions, SessionOptions};
use rustix::process::{Pid, Signal};
use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Stdio};
use std::time::{Duration, Instant};

const HOST_ENV: &str = "PW_TEST_HOST";
/// How long the processes of a dead host may linger before the test fails. The watchdog
/// needs about 0.5 s; this only catches a leak.
const GONE_WITHIN: Duration = Duration::from_secs(5);

/// What the host does before it prints its groups.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    /// Kills its watchdog first: the replacement must guard the groups started before.
    KillWatchdog,
    /// Forks a child that starts a process of its own.
    Fork,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The host's part: a plain process, a tree, one that ignores SIGTERM, and a stray of a
/// process that already ended. Prints their groups, then waits to be killed. Never
/// returns and never cleans up.
fn be_the_host(mode: Mode) -> ! {
    let rt = runtime();
    let groups = rt.block_on(async {
        let sb = sandbox();
        let plain = start(&sb, ["sleep", "300"]).await;
        let tree = start(&sb, ["sh", "-c", "sleep 300 & sleep 300"]).await;
        let stubborn = start(&sb, "trap '' TERM; echo armed; sleep 300").await;
        let ended = start(&sb, "sleep 300 & echo spawned").await;
        // One that leaves the group: found by its PROCWRIGHT_TAG when the host dies.
        let escapes = start(&sb, "setsid sleep 300 & echo escapee=$!; wait").await;
        let line = escapes
            .wait_for_log(&re(r"escapee=(\d+)"), Some(HANG))
            .await
            .unwrap();
        let escapee: u32 = line.groups.unwrap()[1].as_deref().unwrap().parse().unwrap();
        stubborn
            .wait_for_log(&sub("armed"), Some(HANG))
            .await
            .unwrap();
        ended.wait_for_exit(Some(HANG)).await.unwrap();
        // What a session's command and an exec leave running have no record at all.
        let session = sb.create_session(SessionOptions::default()).unwrap();
        let left_by_session = session
            .exec(
                "setsid sleep 300 >/dev/null 2>&1 & echo $!",
                ExecOptions::default(),
            )
            .await
            .unwrap();
        let left_by_exec = sb
            .exec(
                "sleep 300 >/dev/null 2>&1 & echo $!",
                ExecOptions::default(),
            )
            .await
            .unwrap();
        let leftovers: Vec<u32> = [left_by_session.stdout, left_by_exec.stdout]
            .iter()
            .map(|s| s.trim().parse().unwrap())
            .collect();
        let groups: Vec<u32> = [&plain, &tree, &stubborn, &ended]
            .iter()
            .map(|p| p.pid().unwrap())
            .collect();
        // Both sleeps of the tree have started.
        assert!(eventually(HANG, || sleeps_in(groups[1]) == 2).await);
        if mode == Mode::KillWatchdog {
            // A watchdog younger than a second is not replaced by its exit watcher.
            tokio::time::sleep(ms(1100)).await;
            let old = watchdogs();
            assert_eq!(old.len(), 1, "{old:?}");
            signal(old[0], Signal::KILL);
            let replaced = || watchdogs().iter().any(|w| !old.contains(w));
            assert!(eventually(HANG, replaced).await, "no new watchdog");
        }
        std::mem::forget(session);
        std::mem::forget(sb);
        (groups, escapee, leftovers)
    });
    let (groups, escapee, leftovers) = groups;
    let list: Vec<String> = groups.iter().map(u32::to_string).collect();
    println!("GROUPS {}", list.join(" "));
    println!("ESCAPEES {escapee} {} {}", leftovers[0], leftovers[1]);
    if mode == Mode::Fork {
        // No runtime threads when forking: the child has only the forking thread.
        drop(rt);
        fork_a_child_that_starts_a_process();
    }
    std::thread::sleep(secs(300));
    unreachable!("the host is killed long before");
}

extern "C" {
    fn fork() -> i32;
}

/// In the child: starts `sleep 300` with its own sandbox, prints `FORKED <child> <pgid>`
/// and waits to be killed. The child neither stops nor reuses the parent's watchdog.
fn fork_a_child_that_starts_a_process() {
    // SAFETY: the host's runtime is gone and libtest's main thread only waits for this
    // one, so no lock is held; the child builds everything it uses afresh.
    let pid = unsafe { fork() };
    assert!(pid >= 0, "fork failed");
    if pid > 0 {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pgid = rt.block_on(async {
        let sb = sandbox();
        let p = start(&sb, ["sleep", "300"]).await;
        std::mem::forget(sb);
        p.pid().unwrap()
    });
    println!("FORKED {} {pgid}", std::process::id());
    std::thread::sleep(secs(300));
    std::process::exit(0);
}

fn sleeps_in(pgid: u32) -> usize {
    live_group_members(pgid)
        .iter()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{}/comm", p.pid)).is_ok_and(|c| c == "sleep\n")
        })
        .count()
}

/// This process's live watchdogs, found by the comment their script starts with.
fn watchdogs() -> Vec<u32> {
    let me = std::process::id();
    all_procs()
        .into_iter()
        .filter(|p| p.ppid == me && p.state != "Z")
        .filter(|p| {
            std::fs::read(format!("/proc/{}/cmdline", p.pid))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("procwright watchdog"))
        })
        .map(|p| p.pid)
        .collect()
}

fn signal(pid: u32, sig: Signal) {
    rustix::process::kill_process(Pid::from_raw(pid as i32).unwrap(), sig).unwrap();
}

/// The host, seen from the test: its child process and the groups it started.
struct Host {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    groups: Vec<u32>,
    /// Processes that left their groups (setsid).
    escapees: Vec<u32>,
}

impl Host {
    /// In the host copy, becomes the host; otherwise starts it and reads its groups.
    fn run(test_name: &str, mode: Mode) -> Host {
        if let Some(mode) = std::env::var_os(HOST_ENV) {
            be_the_host(match mode.to_str() {
                Some("kill-watchdog") => Mode::KillWatchdog,
                Some("fork") => Mode::Fork,
                _ => Mode::Plain,
            });
        }
        let mode = match mode {
            Mode::Plain => "plain",
            Mode::KillWatchdog => "kill-watchdog",
            Mode::Fork => "fork",
        };
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
            .env(HOST_ENV, mode)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut host = Host {
            child,
            lines,
            groups: Vec::new(),
            escapees: Vec::new(),
        };
        host.groups = host.read("GROUPS");
        assert_eq!(host.groups.len(), 4, "the host printed no groups");
        host.escapees = host.read("ESCAPEES");
        assert_eq!(host.escapees.len(), 3, "the host printed no escapees");
        host
    }

    /// The numbers of the next line the host prints with this tag.
    fn read(&mut self, tag: &str) -> Vec<u32> {
        let tag = format!("{tag} ");
        for line in self.lines.by_ref() {
            // libtest may print `test <name> ... ` on the same line first.
            if let Some((_, rest)) = line.unwrap().split_once(&tag) {
                return rest.split(' ').map(|n| n.parse().unwrap()).collect();
            }
        }
        Vec::new()
    }

    /// Every live process in the host's groups (the trees included), and the escapees.
    fn members(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self
            .groups
            .iter()
            .flat_map(|g| live_group_members(*g))
            .map(|p| p.pid)
            .collect();
        all.extend(self.escapees.iter().filter(|p| pid_alive(**p)));
        all
    }

    /// Kills the host with `sig`; checks that it died of it, as it would without
    /// procwright (nothing in procwright handles signals).
    fn kill_with(&mut self, sig: Signal) {
        signal(self.child.id(), sig);
        let status = self.child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(sig.as_raw()), "{status:?}");
    }
}

impl Drop for Host {
    /// Whatever the outcome, leaves nothing running: the host, then its groups.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for g in &self.groups {
            let pgid = Pid::from_raw(*g as i32).unwrap();
            let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
        }
        for p in &self.escapees {
            let _ = rustix::process::kill_process(Pid::from_raw(*p as i32).unwrap(), Signal::KILL);
        }
    }
}

/// Alive as `kill(pid, 0)` sees it, and not a zombie (one left to PID 1 can do nothing).
fn running(pid: u32) -> bool {
    let raw = Pid::from_raw(pid as i32).unwrap();
    rustix::process::test_kill_process(raw).is_ok() && pid_alive(pid)
}

/// Waits until none of `pids` runs; returns those still running after `GONE_WITHIN`.
fn survivors(pids: &[u32]) -> Vec<u32> {
    let until = Instant::now() + GONE_WITHIN;
    loop {
        let alive: Vec<u32> = pids.iter().copied().filter(|p| running(*p)).collect();
        if alive.is_empty() || Instant::now() >= until {
            return alive;
        }
        std::thread::sleep(ms(20));
    }
}

/// The session folders of host `pid` in the temporary folder.
fn session_dirs(pid: u32) -> Vec<String> {
    let prefix = format!("procwright-session-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

fn host_killed_by(test_name: &str, mode: Mode, sig: Signal) {
    let mut host = Host::run(test_name, mode);
    let pids = host.members();
    // plain 1, tree 2 or 3, stubborn 1 or 2 (whether the shell execs sleep), the stray 1,
    // the escapee 1
    assert!(pids.len() >= 6, "too few processes: {pids:?}");
    assert!(
        pids.contains(&host.escapees[0]),
        "the escapee is not running"
    );
    let host_pid = host.child.id();
    assert!(
        !session_dirs(host_pid).is_empty(),
        "the host's session has no folder"
    );
    host.kill_with(sig);
    let left = survivors(&pids);
    assert!(
        left.is_empty(),
        "still running {GONE_WITHIN:?} after the host died: {left:?}"
    );
    // The session's folder (its last command and output) goes with the host.
    let until = Instant::now() + GONE_WITHIN;
    while !session_dirs(host_pid).is_empty() && Instant::now() < until {
        std::thread::sleep(ms(20));
    }
    assert_eq!(session_dirs(host_pid), Vec::<String>::new());
}

#[test]
fn sigkill_to_the_host_kills_everything_it_started() {
    host_killed_by(
        "sigkill_to_the_host_kills_everything_it_started",
        Mode::Plain,
        Signal::KILL,
    );
}

#[test]
fn sigterm_to_the_host_kills_everything_it_started() {
    host_killed_by(
        "sigterm_to_the_host_kills_everything_it_started",
        Mode::Plain,
        Signal::TERM,
    );
}

#[test]
fn a_replaced_watchdog_still_guards_what_was_started_before() {
    host_killed_by(
        "a_replaced_watchdog_still_guards_what_was_started_before",
        Mode::KillWatchdog,
        Signal::KILL,
    );
}

#[test]
fn a_forked_child_guards_its_own_processes_and_never_the_parents() {
    let mut host = Host::run(
        "a_forked_child_guards_its_own_processes_and_never_the_parents",
        Mode::Fork,
    );
    let parents = host.members();
    let forked = host.read("FORKED");
    assert_eq!(forked.len(), 2, "the forked child printed nothing");
    let (child, its_group) = (forked[0], forked[1]);
    // Cleaned up by the host's drop whatever happens.
    host.groups.push(its_group);
    let its = live_group_members(its_group);
    assert_eq!(its.len(), 1, "{its:?}");
    signal(child, Signal::KILL);
    let left = survivors(&[its[0].pid]);
    assert!(left.is_empty(), "the forked child's process outlived it");
    // Its end did not set off the parent's watchdog (it holds a copy of the parent's
    // pipe until it ends), nor did it touch the parent's processes.
    std::thread::sleep(ms(1000));
    let alive: Vec<u32> = parents.iter().copied().filter(|p| running(*p)).collect();
    assert_eq!(
        alive, parents,
        "the parent's processes died with the forked child"
    );
    host.kill_with(Signal::KILL);
    let left = survivors(&parents);
    assert!(
        left.is_empty(),
        "still running after the host died: {left:?}"
    );
}

//! The watchdog: a small `/bin/sh` process that kills every process group this host
//! started once the host is gone, however it ended.
//!
//! Exit hooks (Python's `atexit`, Node's `exit` event, a dropped `Sandbox`) run only
//! when the host ends on its own terms; SIGKILL, `os._exit`, or SIGTERM and SIGINT with
//! no handler end it without running any of its code. What every way of ending does is
//! close the host's descriptors. So the watchdog reads a pipe whose write end only the
//! host holds, and end-of-file is its cue. Nothing in the host handles a signal.
//!
//! Why a shell script: nothing more to build, ship in the wheel and the npm package, or
//! find at run time; `/bin/sh` is there wherever the library runs. It costs one idle
//! process blocked in `read` and a few bytes per process started.
//!
//! Why not `PR_SET_PDEATHSIG`: it fires when the *thread* that spawned the child ends
//! (a runtime worker, long before the host does), and it reaches only that child, not
//! the rest of its group (`sh -c 'a & b'`).
//!
//! The protocol is a line per change: `+PGID` guards a group, `-PGID` forgets it once
//! it is empty, since its id may then be reused by a group that is not ours. At
//! end-of-file: SIGTERM and SIGCONT to every guarded group, up to 0.4 s for them to go,
//! then SIGKILL to what is left.
//!
//! Limits: a group whose leader ended while members lived on is forgotten only when the
//! host next sees it empty (it looks every [`STRAY_POLL`]); a process that leaves its
//! group (`setsid`) is not followed. A child forked without exec (Python's `os.fork`)
//! inherits the write end: it never writes to it, and starts a watchdog of its own if
//! it starts processes; the parent's watchdog sees end-of-file only once both have ended.

use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often a group whose leader has ended is checked for remaining members.
pub(crate) const STRAY_POLL: Duration = Duration::from_millis(500);

/// Room for 100,000 lines should the watchdog fall behind; a pipe that is full all the
/// same means a stuck watchdog, which is replaced.
const PIPE_SIZE: usize = 1024 * 1024;

/// A watchdog that died sooner than this after its start is not restarted from its
/// exit watcher (the next start or end of a process tries again), so that a broken
/// `/bin/sh` cannot turn into a loop of restarts.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// Run by `/bin/sh` with the host's pid and its temporary folder: POSIX sh only (tried
/// with dash and bash), and `rm` and `sleep` the only outside commands, used only once
/// the host is gone. One variable per group keeps
/// adding and forgetting cheap however many groups there are.
const SCRIPT: &str = r#"# procwright watchdog: kills what its host started once the host is gone
trap '' HUP INT QUIT PIPE TERM
set -f
while read -r line; do
  g=${line#?}
  case $g in ''|*[!0-9]*) continue ;; esac
  case $line in
    +*) eval "g_$g=1" ;;
    -*) unset "g_$g" ;;
  esac
done
# The host's session folders (shell.rs): their last command and its output.
set +f
rm -rf -- "$2/procwright-session-$1-"* 2>/dev/null
set -f
groups=
for v in $(set); do
  case $v in g_[0-9]*=*) v=${v%%=*}; groups="$groups ${v#g_}" ;; esac
done
# What left the groups but carries this host's PROCWRIGHT_TAG (see tree.rs).
tagged() {
  set +f
  grep -lzE "^PROCWRIGHT_TAG=([^:]*:)*$1-" /proc/[0-9]*/environ 2>/dev/null |
    while read -r f; do f=${f#/proc/}; echo "${f%/environ}"; done
  set -f
}
pids=$(tagged "$1")
[ -n "$groups$pids" ] || exit 0
for g in $groups; do kill -s TERM -- "-$g"; kill -s CONT -- "-$g"; done 2>/dev/null
[ -z "$pids" ] || kill -s TERM $pids 2>/dev/null
n=0
while [ "$n" -lt 8 ]; do
  left=
  for g in $groups; do kill -s 0 -- "-$g" 2>/dev/null && left="$left $g"; done
  groups=$left
  pids=$(tagged "$1")
  [ -n "$groups$pids" ] || exit 0
  sleep 0.05 2>/dev/null || sleep 1
  n=$((n + 1))
done
for g in $groups; do kill -s KILL -- "-$g"; done 2>/dev/null
pids=$(tagged "$1")
[ -z "$pids" ] || kill -s KILL $pids 2>/dev/null
exit 0
"#;

/// Starts the watchdog before a child is spawned, so that the child is guarded from
/// the moment its group is known.
pub(crate) fn prepare() {
    with_state(|st| {
        st.ensure();
    });
}

/// A group guarded by the watchdog until [`GroupLease::release`]; clones share it, and
/// only the first release counts.
#[derive(Clone, Debug)]
pub(crate) struct GroupLease {
    pgid: u32,
    released: Arc<AtomicBool>,
}

impl GroupLease {
    /// Asks the watchdog to guard `pgid`. Never fails: a watchdog that cannot be had
    /// must not stop a process from starting.
    pub(crate) fn guard(pgid: u32) -> GroupLease {
        with_state(|st| {
            let n = st.groups.entry(pgid).or_insert(0);
            *n += 1;
            if *n == 1 {
                st.send(&format!("+{pgid}\n"));
            }
        });
        GroupLease {
            pgid,
            released: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A lease the watchdog never heard of, for tests that fake a pid.
    #[cfg(test)]
    pub(crate) fn unguarded(pgid: u32) -> GroupLease {
        GroupLease {
            pgid,
            released: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The guarded group.
    pub(crate) fn pgid(&self) -> u32 {
        self.pgid
    }

    /// Whether the group has been released.
    pub(crate) fn released(&self) -> bool {
        self.released.load(Ordering::SeqCst)
    }

    /// Lets the watchdog forget the group: call only once it is empty.
    pub(crate) fn release(&self) {
        if self.released.swap(true, Ordering::SeqCst) {
            return;
        }
        let pgid = self.pgid;
        with_state(|st| match st.groups.get_mut(&pgid) {
            Some(n) if *n > 1 => *n -= 1,
            Some(_) => {
                st.groups.remove(&pgid);
                st.send(&format!("-{pgid}\n"));
            }
            // A forked copy: the group was the parent's.
            None => {}
        });
    }
}

/// The host's side: the watchdog and what it guards.
struct State {
    /// The process this state belongs to; another pid means we are a forked copy.
    owner: u32,
    /// Guarded groups, and for how many records each (a new process of ours can be
    /// given the id of an emptied group before the old record lets go of it).
    groups: HashMap<u32, u32>,
    dog: Option<Dog>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    let mut lock = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    let me = std::process::id();
    let st = lock.get_or_insert_with(|| State::new(me));
    if st.owner != me {
        // A forked copy holds the parent's watchdog and groups: never write to that
        // watchdog, and never close its descriptors (the numbers may be reused by now).
        std::mem::forget(std::mem::replace(st, State::new(me)));
    }
    f(st)
}

impl State {
    fn new(owner: u32) -> State {
        State {
            owner,
            groups: HashMap::new(),
            dog: None,
        }
    }

    /// A running watchdog, started or replaced if need be; false if none could be had.
    fn ensure(&mut self) -> bool {
        if self.dog.as_ref().is_some_and(Dog::running) {
            return true;
        }
        self.replace()
    }

    /// Sends one line, replacing a watchdog that is gone or stuck: the new one is told
    /// every guarded group, this change included.
    fn send(&mut self, line: &str) {
        if self
            .dog
            .as_ref()
            .is_some_and(|d| d.running() && d.send(line.as_bytes()))
        {
            return;
        }
        if self.groups.is_empty() {
            // Nothing to guard: a dead watchdog is just reaped.
            self.dog = None;
        } else {
            self.replace();
        }
    }

    fn replace(&mut self) -> bool {
        // Stops the old one first: closing its pipe while it runs would set it off.
        self.dog = None;
        let Ok(dog) = Dog::start() else {
            return false;
        };
        let all: String = self.groups.keys().map(|g| format!("+{g}\n")).collect();
        if !dog.send(all.as_bytes()) {
            return false;
        }
        dog.watch();
        self.dog = Some(dog);
        true
    }

    /// The watchdog `pid` exited while the host lives: reap it, and replace it if it
    /// has groups to guard and did not die at once.
    fn on_exit(&mut self, pid: u32) {
        let Some(dog) = self.dog.as_ref().filter(|d| d.pid == pid) else {
            return;
        };
        if dog.running() {
            return;
        }
        let lived = dog.started.elapsed();
        self.dog = None;
        if !self.groups.is_empty() && lived >= RESTART_AFTER {
            self.replace();
        }
    }
}

/// The watchdog process, from the host.
struct Dog {
    pid: u32,
    pidfd: OwnedFd,
    /// The pipe's only write end: closing it (the host's exit) sets the watchdog off.
    tx: OwnedFd,
    /// A read end the host keeps, so that writing after the watchdog died never raises
    /// SIGPIPE (fatal to a host that restored its default action); the bytes just stay.
    _rx: OwnedFd,
    started: Instant,
}

impl Dog {
    fn start() -> std::io::Result<Dog> {
        let (rx, tx) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let _ = rustix::pipe::fcntl_setpipe_size(&tx, PIPE_SIZE);
        // Only the host's end: the watchdog's `read` must block.
        rustix::fs::fcntl_setfl(&tx, rustix::fs::OFlags::NONBLOCK)?;
        let keep = rx.try_clone()?;
        let mut cmd = std::process::Command::new("/bin/sh");
        let host = std::process::id().to_string();
        cmd.args(["-c", SCRIPT, "procwright-watchdog", &host])
            .arg(std::env::temp_dir())
            .env_clear()
            // For `sleep`, wherever this system keeps it.
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            )
            .current_dir("/")
            .stdin(Stdio::from(rx))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own group: Ctrl-C in a terminal, or a signal to the host's group, must not
        // take it down before the host.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn()?;
        drop(cmd);
        let pid = child.id();
        // Reaped through the pidfd, which no reused pid can fool.
        drop(child);
        let raw = rustix::process::Pid::from_raw(pid as i32).expect("a child pid is positive");
        let pidfd = match rustix::process::pidfd_open(raw, rustix::process::PidfdFlags::empty()) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = rustix::process::kill_process(raw, rustix::process::Signal::KILL);
                let _ = rustix::process::waitpid(Some(raw), rustix::process::WaitOptions::empty());
                return Err(e.into());
            }
        };
        Ok(Dog {
            pid,
            pidfd,
            tx,
            _rx: keep,
            started: Instant::now(),
        })
    }

    /// Whether it still runs; reaps it if it has exited.
    fn running(&self) -> bool {
        use rustix::process::{waitid, WaitId, WaitIdOptions};
        let id = WaitId::PidFd(self.pidfd.as_fd());
        matches!(
            waitid(id, WaitIdOptions::EXITED | WaitIdOptions::NOHANG),
            Ok(None)
        )
    }

    /// Writes without blocking; false if it could not all be written.
    fn send(&self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            match rustix::io::write(&self.tx, bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Reaps it as soon as it exits while the host lives, so it never lingers as a
    /// zombie, and replaces it. A thread of its own, idle in `waitid`, since no runtime
    /// is sure to outlive it (each `#[tokio::test]` has its own, for one).
    fn watch(&self) {
        let Ok(pidfd) = self.pidfd.try_clone() else {
            return;
        };
        let pid = self.pid;
        let watcher = move || {
            use rustix::process::{waitid, WaitId, WaitIdOptions};
            // Waits without reaping: that is done under the lock, where it is known
            // whether this watchdog is still the current one.
            let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT;
            let id = WaitId::PidFd(pidfd.as_fd());
            while let Err(rustix::io::Errno::INTR) = waitid(id.clone(), options) {}
            with_state(|st| st.on_exit(pid));
        };
        // Should no thread be had, the next start or end of a process reaps it.
        let _ = std::thread::Builder::new()
            .name("procwright-watchdog".into())
            .spawn(watcher);
    }
}

impl Drop for Dog {
    /// Only a replaced watchdog is dropped (the host's own is kept until the process
    /// ends): it is killed before its pipe closes, so it never acts on that end-of-file.
    fn drop(&mut self) {
        use rustix::process::{waitid, WaitId, WaitIdOptions};
        let _ = rustix::process::pidfd_send_signal(&self.pidfd, rustix::process::Signal::KILL);
        let _ = waitid(WaitId::PidFd(self.pidfd.as_fd()), WaitIdOptions::EXITED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ProcessOptions, Sandbox, SandboxOptions, Signal};

    fn dog_pid() -> Option<u32> {
        with_state(|st| st.dog.as_ref().map(|d| d.pid))
    }

    fn guarded(pgid: u32) -> bool {
        with_state(|st| st.groups.contains_key(&pgid))
    }

    /// What `/proc/PID/fd/*` links to for the host's write end: `pipe:[inode]`.
    fn write_end() -> String {
        let fd = with_state(|st| {
            use std::os::fd::AsRawFd;
            st.dog.as_ref().map(|d| d.tx.as_raw_fd())
        })
        .expect("a watchdog runs");
        std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// Whether `pid` has a descriptor open for writing on the pipe `target` (both ends
    /// link to the same `pipe:[inode]`; the access mode in fdinfo tells them apart).
    fn writes_to(pid: u32, target: &str) -> bool {
        let writable = |fd: &std::ffi::OsStr| {
            let info =
                std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.to_string_lossy()))
                    .unwrap_or_default();
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .is_some_and(|f| f & 0o3 == 0o1)
        };
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
            .any(|e| {
                std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy() == target)
                    && writable(&e.file_name())
            })
    }

    fn state_of(pid: u32) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 2..];
        Some(rest.split(' ').next()?.to_owned())
    }

    async fn until(mut cond: impl FnMut() -> bool) -> bool {
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if cond() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_the_host_holds_the_write_end() {
        let sb = Sandbox::new(SandboxOptions::default()).unwrap();
        let p = sb
            .start_process("sleep 300", ProcessOptions::default())
            .await
            .unwrap();
        let child = p.pid().unwrap();
        assert!(guarded(child));
        let end = write_end();
        assert!(end.starts_with("pipe:"), "{end}");
        assert!(writes_to(std::process::id(), &end));
        // A child holding it would keep the watchdog waiting after the host is gone.
        assert!(!writes_to(child, &end), "the child inherited the write end");
        assert!(
            !writes_to(dog_pid().unwrap(), &end),
            "the watchdog holds its own cue"
        );
        p.kill(Signal::TERM, Duration::from_secs(5)).await.unwrap();
        sb.destroy().await;
    }

    /// `sleep 300` leading a group of its own, as procwright's children do, but reaped by
    /// the test: an orphaned member would stay a zombie of a PID 1 that never reaps (as
    /// on some CI machines), and keep its group's id taken.
    fn own_group() -> std::process::Child {
        let mut cmd = std::process::Command::new("sleep");
        cmd.arg("300");
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.spawn().unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_is_forgotten_once_empty_and_not_before() {
        let sb = Sandbox::new(SandboxOptions::default()).unwrap();
        let done = sb
            .start_process("exit 0", ProcessOptions::default())
            .await
            .unwrap();
        done.wait_for_exit(None).await.unwrap();
        assert!(!guarded(done.pid().unwrap()));
        // The leader ends, its background member lives on: still guarded.
        let strays = sb
            .start_process("sleep 300 & echo started", ProcessOptions::default())
            .await
            .unwrap();
        strays.wait_for_exit(None).await.unwrap();
        let pgid = strays.pid().unwrap();
        tokio::time::sleep(STRAY_POLL * 2).await;
        assert!(crate::group::group_alive(pgid));
        assert!(guarded(pgid));
        sb.destroy().await;
        // Forgotten once no member is left at all.
        let mut child = own_group();
        let pgid = child.id();
        let lease = GroupLease::guard(pgid);
        let poll = tokio::spawn(crate::lifecycle::release_when_empty(lease.clone()));
        child.kill().unwrap();
        tokio::time::sleep(STRAY_POLL * 2).await;
        // Dead but not reaped: the id is still taken, and still guarded.
        assert!(guarded(pgid));
        child.wait().unwrap();
        poll.await.unwrap();
        assert!(lease.released());
        assert!(!guarded(pgid));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_lease_counts_once_and_the_last_one_forgets_the_group() {
        let mut child = own_group();
        let pgid = child.id();
        let old = GroupLease::guard(pgid);
        // A new process given the id of a group whose old record has not let go yet.
        let new = GroupLease::guard(pgid);
        old.clone().release();
        old.release();
        assert!(guarded(pgid), "a second release of one lease counted");
        new.release();
        assert!(!guarded(pgid));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_watchdog_that_dies_is_reaped_and_replaced() {
        let sb = Sandbox::new(SandboxOptions::default()).unwrap();
        let p = sb
            .start_process("sleep 300", ProcessOptions::default())
            .await
            .unwrap();
        let old = dog_pid().unwrap();
        // Old enough to be replaced by its exit watcher.
        tokio::time::sleep(RESTART_AFTER).await;
        let raw = rustix::process::Pid::from_raw(old as i32).unwrap();
        rustix::process::kill_process(raw, rustix::process::Signal::KILL).unwrap();
        assert!(
            until(|| state_of(old).is_none()).await,
            "the dead watchdog is never reaped: {:?}",
            state_of(old)
        );
        assert!(until(|| dog_pid().is_some_and(|d| d != old)).await);
        let new = dog_pid().unwrap();
        let state = state_of(new);
        assert!(state.as_deref().is_some_and(|s| s != "Z"), "{state:?}");
        // The process lives on, still guarded (that the new watchdog acts on it is
        // tests/host_death.rs's part).
        assert!(guarded(p.pid().unwrap()));
        assert_eq!(p.status(), crate::ProcessStatus::Running);
        sb.destroy().await;
    }
}

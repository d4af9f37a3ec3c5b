//! The `Process` handle: live fields, kill, logs and the waits.

use crate::duration;
use crate::error::{Error, ErrorCode, Result};
use crate::event::{LogStream, LogStreamOptions};
use crate::group;
use crate::listening::ListeningPort;
use crate::logs::{LogQuery, LogStore, Logs, StreamKind};
use crate::pattern::Pattern;
use crate::port::PortWaitOptions;
use crate::signal::Signal;
use crate::spawn::{self, WaitOutcome};
use crate::status::{ExitInfo, ProcessStatus};
use crate::wait::{self, LogMatch, LogWaitOptions};
use crate::watchdog::GroupLease;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// How long `kill` waits before escalating to SIGKILL, unless told otherwise.
pub const DEFAULT_KILL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a SIGKILLed group may take to disappear before `kill` stops watching (a
/// process in uninterruptible sleep dies only when its system call returns).
const KILL_SETTLE: Duration = Duration::from_secs(1);

/// Receives a process's events; the bindings adapt their callbacks to it.
/// Methods run on a runtime thread and must not block.
pub trait ProcessObserver: Send + Sync {
    /// The process is running.
    fn on_start(&self, _process: &Process) {}
    /// A chunk of output, decoded as UTF-8 with invalid bytes replaced.
    fn on_output(&self, _stream: StreamKind, _data: &str) {}
    /// The process ended; `None` if it never started.
    fn on_exit(&self, _exit_code: Option<i32>) {}
    /// The process could not be started.
    fn on_error(&self, _error: &Error) {}
}

pub(crate) struct State {
    pub status: ProcessStatus,
    pub pid: Option<u32>,
    pub end_time: Option<SystemTime>,
    pub exit: Option<ExitInfo>,
    /// Set when this library signalled the group: an exit of 128+N then counts as killed.
    pub signalled: bool,
    /// The wait status, taken by whichever path reaped the child first.
    pub reaped: Option<WaitOutcome>,
    /// Members of the group outlived the leader. Only then is the group of an ended
    /// process signalled: while members live its id cannot be reused by another group.
    pub strays: bool,
    /// The group's guard by the watchdog, once spawned.
    pub lease: Option<GroupLease>,
    /// A terminating kill, `destroy` or host exit asked it to end: no more restarts.
    pub stopping: bool,
    /// Restarts so far, and in the current streak (reset by a long enough run).
    pub restarts: u32,
    pub streak: u32,
}

pub(crate) struct Inner {
    pub id: String,
    /// Its `PROCWRIGHT_TAG` (see `tree.rs`), which what it starts inherits.
    pub tag: String,
    pub command: String,
    pub session_id: Option<String>,
    pub start_time: SystemTime,
    pub state: Mutex<State>,
    pub store: Arc<LogStore>,
    pub exit_tx: watch::Sender<Option<ExitInfo>>,
    /// Turns true when a stop is requested (wakes a supervisor waiting to restart).
    pub stop_tx: watch::Sender<bool>,
    pub stdin: crate::stdin::Stdin,
    /// The terminal it runs on, if it was started with `pty`.
    pub terminal: std::sync::OnceLock<crate::pty::Terminal>,
}

/// A handle on a started process; clones share the same live record. A handle keeps
/// the sandbox that started it alive (see the lifetime rule in `sandbox.rs`).
#[derive(Clone)]
pub struct Process {
    pub(crate) inner: Arc<Inner>,
    /// The sandbox, for handles given out; `None` for the sandbox's own copies (its
    /// records, the supervisor), which must not keep it alive.
    _owner: Option<Arc<crate::sandbox::Inner>>,
}

impl std::fmt::Debug for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Process")
            .field("id", &self.id())
            .field("pid", &self.pid())
            .field("command", &self.command())
            .field("status", &self.status())
            .field("exit_code", &self.exit_code())
            .finish()
    }
}

impl Process {
    pub(crate) fn new(
        id: String,
        tag: String,
        command: String,
        session_id: Option<String>,
        store: LogStore,
    ) -> Process {
        Process {
            inner: Arc::new(Inner {
                id,
                tag,
                command,
                session_id,
                start_time: SystemTime::now(),
                state: Mutex::new(State {
                    status: ProcessStatus::Starting,
                    pid: None,
                    end_time: None,
                    exit: None,
                    signalled: false,
                    reaped: None,
                    strays: false,
                    lease: None,
                    stopping: false,
                    restarts: 0,
                    streak: 0,
                }),
                store: Arc::new(store),
                exit_tx: watch::Sender::new(None),
                stop_tx: watch::Sender::new(false),
                stdin: crate::stdin::Stdin::absent(),
                terminal: std::sync::OnceLock::new(),
            }),
            _owner: None,
        }
    }

    /// This record as a handle given out, which keeps `sandbox` alive.
    pub(crate) fn held_by(&self, sandbox: &Arc<crate::sandbox::Inner>) -> Process {
        Process {
            inner: self.inner.clone(),
            _owner: Some(sandbox.clone()),
        }
    }

    /// How many times the restart policy started it again.
    pub fn restarts(&self) -> u32 {
        self.inner.state.lock().unwrap().restarts
    }

    /// The process id within the sandbox.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The OS process id (also its process group id), once spawned.
    pub fn pid(&self) -> Option<u32> {
        self.inner.state.lock().unwrap().pid
    }

    /// The command as given (an argv is shown shell-quoted).
    pub fn command(&self) -> &str {
        &self.inner.command
    }

    /// The status now.
    pub fn status(&self) -> ProcessStatus {
        self.inner.state.lock().unwrap().status
    }

    /// When it was started.
    pub fn start_time(&self) -> SystemTime {
        self.inner.start_time
    }

    /// When it ended, if it has.
    pub fn end_time(&self) -> Option<SystemTime> {
        self.inner.state.lock().unwrap().end_time
    }

    /// The exit code once ended (128+N after signal N).
    pub fn exit_code(&self) -> Option<i32> {
        self.inner
            .state
            .lock()
            .unwrap()
            .exit
            .and_then(|e| e.exit_code)
    }

    /// The name of the signal that ended it, if one did.
    pub fn signal(&self) -> Option<&'static str> {
        self.inner.state.lock().unwrap().exit.and_then(|e| e.signal)
    }

    /// The session it was started in, if any.
    pub fn session_id(&self) -> Option<&str> {
        self.inner.session_id.as_deref()
    }

    /// How it ended, if it has.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        self.inner.state.lock().unwrap().exit
    }

    /// Output kept so far.
    pub fn logs(&self) -> Logs {
        self.inner.store.snapshot()
    }

    /// The part of the kept output a query selects, with the cursor to continue from.
    /// A `since` past the end of output is `INVALID_ARGUMENT`.
    pub fn get_logs(&self, query: &LogQuery) -> Result<Logs> {
        self.inner.store.query(query)
    }

    /// The cursor of the end of output so far.
    pub fn log_cursor(&self) -> u64 {
        self.inner.store.end()
    }

    /// Events of this process: kept output in read order, then live output, then `exit`.
    pub fn stream_logs(&self) -> LogStream {
        self.stream_logs_with(&LogStreamOptions::default())
            .expect("a stream without a cursor always opens")
    }

    /// Events of this process from a cursor, replayed or not, followed or not.
    pub fn stream_logs_with(&self, options: &LogStreamOptions) -> Result<LogStream> {
        LogStream::new(self.inner.id.clone(), self.inner.store.clone(), options)
    }

    /// Signals the whole group, whatever the leader's state, while any member of it
    /// lives. For terminating signals, resolves once none is left, sending SIGKILL to the
    /// group after `timeout` (a timeout too large for a deadline means none). A no-op once
    /// the process and everything it started have ended.
    pub async fn kill(&self, signal: Signal, timeout: Duration) -> Result<()> {
        self.kill_group(signal, timeout).await.map(drop)
    }

    /// [`Process::kill_group`], then what left the group but carries the tag; `true` if
    /// anything was signalled.
    pub(crate) async fn kill_group(&self, signal: Signal, timeout: Duration) -> Result<bool> {
        let deadline = duration::deadline(timeout);
        let pgid = self.pid();
        let tags = [self.inner.tag.as_str()];
        let escapees = crate::tree::outside_groups(crate::tree::tagged(&tags), |_| pgid);
        let pids = escapees.iter().map(|(p, _)| *p).collect();
        let signalled = self.kill_leader_group(signal, timeout, pids).await?;
        let late = if signal.is_terminating() {
            sweep_tagged(&tags, &escapees, signal, deadline).await
        } else {
            Vec::new()
        };
        Ok(signalled || !escapees.is_empty() || !late.is_empty())
    }

    /// This process's tag.
    pub(crate) fn tag(&self) -> &str {
        &self.inner.tag
    }

    /// Signals the group, telling whether a signal was sent: to the running process, or
    /// to what is left of its group after the leader ended.
    ///
    /// `escapees` (what left the group) get the signal right after the group: not
    /// before, or the leader could see its child die and exit on its own first.
    pub(crate) async fn kill_leader_group(
        &self,
        signal: Signal,
        timeout: Duration,
        escapees: Vec<u32>,
    ) -> Result<bool> {
        let deadline = duration::deadline(timeout);
        let leader = {
            let mut st = self.inner.state.lock().unwrap();
            if signal.is_terminating() {
                st.stopping = true;
                self.inner.stop_tx.send_replace(true);
            }
            match (st.status.is_final(), st.pid, st.reaped.is_some()) {
                (false, Some(pid), false) => {
                    st.signalled = true;
                    Some(pid)
                }
                (_, None, _) => {
                    crate::tree::signal_all(escapees, signal);
                    return Ok(false);
                }
                _ => None,
            }
        };
        let Some(pgid) = leader else {
            // Exited, perhaps not yet recorded: once it is, whether members outlived the
            // leader is known.
            let _ = self
                .inner
                .exit_tx
                .subscribe()
                .wait_for(Option::is_some)
                .await;
            return self.kill_strays(signal, deadline, escapees).await;
        };
        let mut late = signal
            .is_terminating()
            .then(|| group::Latecomers::before_signal(pgid));
        let sent = group::signal_group(pgid, signal).map_err(|e| e.with_process(self.id()));
        crate::tree::signal_all(escapees, signal);
        sent?;
        let Some(late) = late.as_mut() else {
            return Ok(true);
        };
        let mut rx = self.inner.exit_tx.subscribe();
        // tokio's timeout treats a duration past any deadline as none.
        if tokio::time::timeout(timeout, rx.wait_for(Option::is_some))
            .await
            .is_err()
        {
            group::signal_group(pgid, Signal::KILL)?;
            let _ = rx.wait_for(Option::is_some).await;
        }
        // The leader is gone; whatever it started must not outlive the kill.
        self.wait_strays(deadline, Some((late, signal))).await;
        Ok(true)
    }

    /// Writes `data` to the process's stdin pipe; resolves once the pipe took all of it
    /// (a child that reads slowly holds the write back). `PROCESS_ERROR` if it has no
    /// pipe, the pipe was closed, the process ended, or it closed its end (EPIPE).
    /// Writes and [`Process::close_stdin`] happen in the order they were called, not
    /// the order their futures are polled: the place in line is taken by this call.
    pub fn write(&self, data: &[u8]) -> impl Future<Output = Result<()>> + Send + 'static {
        let place = self.inner.stdin.place();
        let (p, data) = (self.clone(), data.to_vec());
        async move {
            place.wait().await;
            let mut rx = p.inner.exit_tx.subscribe();
            let exited = async move {
                let _ = rx.wait_for(Option::is_some).await;
            };
            let written = p.inner.stdin.write(p.id(), &data, exited).await;
            written.map_err(|e| p.killed_while_writing(e))
        }
    }

    /// A write's error as the user would want it told: a pipe closed because this
    /// library killed the process is the kill, not the child closing its stdin.
    fn killed_while_writing(&self, e: Error) -> Error {
        let killed = self.inner.state.lock().unwrap().signalled;
        if !killed || !e.message.contains("EPIPE") {
            return e;
        }
        Error::new(
            ErrorCode::ProcessError,
            format!(
                "process {:?} was killed before its stdin took the write",
                self.id()
            ),
        )
        .with_process(self.id())
    }

    /// Resizes the terminal of a process started with `pty`; the kernel sends SIGWINCH to
    /// its foreground process group. `PROCESS_ERROR` for a process without a terminal.
    pub fn resize(&self, size: crate::pty::PtySize) -> Result<()> {
        match self.inner.terminal.get() {
            Some(t) => t.resize(size).map_err(|e| e.with_process(self.id())),
            None => Err(Error::new(
                ErrorCode::ProcessError,
                format!("process {:?} has no terminal: start it with pty", self.id()),
            )
            .with_process(self.id())),
        }
    }

    /// Closes the stdin pipe once the writes called before it are done: the child reads
    /// end of file. Closing twice does nothing.
    pub fn close_stdin(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let place = self.inner.stdin.place();
        let p = self.clone();
        async move {
            place.wait().await;
            p.inner.stdin.close(p.id()).await
        }
    }

    /// Resolves with the exit once the process has ended and all its output is kept.
    pub async fn wait_for_exit(&self, timeout: Option<Duration>) -> Result<ExitInfo> {
        let mut rx = self.inner.exit_tx.subscribe();
        let wait = async { rx.wait_for(Option::is_some).await.ok().and_then(|v| *v) };
        let res = match timeout {
            Some(t) => tokio::time::timeout(t, wait)
                .await
                .map_err(|_| wait::timeout_error(self, "process exit", t))?,
            None => wait.await,
        };
        res.ok_or_else(|| {
            Error::new(ErrorCode::ProcessError, "process record was dropped")
                .with_process(self.id())
        })
    }

    /// Waits for a line on stdout or stderr that matches `pattern`.
    pub async fn wait_for_log(
        &self,
        pattern: &Pattern,
        timeout: Option<Duration>,
    ) -> Result<LogMatch> {
        let options = LogWaitOptions {
            timeout,
            ..Default::default()
        };
        wait::wait_for_log(self, pattern, &options).await
    }

    /// Waits for the Nth line matching `pattern`, of one stream or both, reading from
    /// a cursor, the oldest kept byte, or now.
    pub async fn wait_for_log_with(
        &self,
        pattern: &Pattern,
        options: &LogWaitOptions,
    ) -> Result<LogMatch> {
        wait::wait_for_log(self, pattern, options).await
    }

    /// Waits until `port` accepts connections (tcp) or answers with an accepted status (http).
    pub async fn wait_for_port(&self, port: u16, options: &PortWaitOptions) -> Result<()> {
        crate::port::wait_for_port(self, port, options).await
    }

    /// Waits until the process tree listens on any TCP port, and returns that port.
    /// Only `timeout` and `interval` of the options apply: there is nothing to probe.
    pub async fn wait_for_any_port(&self, options: &PortWaitOptions) -> Result<u16> {
        crate::listening::wait_for_any_port(self, options).await
    }

    /// The TCP sockets in LISTEN state that the process or its tree holds (descendants,
    /// its group, and processes carrying its tag).
    pub async fn get_ports(&self) -> Vec<ListeningPort> {
        let tree = crate::listening::Tree::of(self);
        tokio::task::spawn_blocking(move || crate::listening::ports_of(&[tree]))
            .await
            .unwrap_or_default()
    }

    /// Reaps the child if it has exited; the outcome is recorded once, whoever asks first.
    pub(crate) fn reap(&self) -> Option<WaitOutcome> {
        let mut st = self.inner.state.lock().unwrap();
        if st.reaped.is_none() {
            let pid = st.pid?;
            match spawn::try_reap(pid) {
                Ok(Some(outcome)) => st.reaped = Some(outcome),
                Ok(None) => {}
                // ECHILD: nobody else reaps our children, so treat it as an unknown death.
                Err(_) => {
                    st.reaped = Some(WaitOutcome {
                        code: None,
                        signal: Some(9),
                    })
                }
            }
        }
        st.reaped
    }

    /// Records the end: status, exit event, and wakes every waiter.
    pub(crate) fn finish(&self, info: ExitInfo) {
        {
            let mut st = self.inner.state.lock().unwrap();
            st.status = info.status;
            st.exit = Some(info);
            st.end_time = Some(SystemTime::now());
        }
        self.inner.store.close(info);
        self.inner.exit_tx.send_replace(Some(info));
    }

    /// The exit classification for the reaped outcome.
    pub(crate) fn classify(&self, outcome: WaitOutcome) -> ExitInfo {
        let signalled = self.inner.state.lock().unwrap().signalled;
        ExitInfo::from_wait(outcome.code, outcome.signal, signalled)
    }

    pub(crate) fn pgid_if_running(&self) -> Option<u32> {
        let st = self.inner.state.lock().unwrap();
        (!st.status.is_final() && st.reaped.is_none())
            .then_some(st.pid)
            .flatten()
    }

    /// Called once the leader is reaped: remembers whether its group lives on. An empty
    /// group is released from the watchdog now; one with members left is returned, to
    /// be released once they are gone.
    pub(crate) fn note_strays(&self) -> Option<GroupLease> {
        let lease = self.inner.state.lock().unwrap().lease.clone()?;
        if group::group_alive(lease.pgid()) {
            self.inner.state.lock().unwrap().strays = true;
            return Some(lease);
        }
        lease.release();
        None
    }

    /// Releases the group from the watchdog if the leader is reaped and no member runs.
    pub(crate) fn release_if_empty(&self) {
        let lease = {
            let st = self.inner.state.lock().unwrap();
            st.reaped.and(st.lease.clone())
        };
        if let Some(lease) = lease.filter(|l| !l.released()) {
            if !group::group_alive(lease.pgid()) {
                lease.release();
            }
        }
    }

    /// The group of an ended process whose members (e.g. `cmd &` grandchildren) still
    /// run, if it is still ours to signal.
    pub(crate) fn stray_pgid(&self) -> Option<u32> {
        let pgid = {
            let st = self.inner.state.lock().unwrap();
            (st.status.is_final() && st.strays)
                .then_some(st.pid)
                .flatten()?
        };
        if group::orphaned_group_alive(pgid) {
            return Some(pgid);
        }
        // Gone for good: never look at that group id again, whoever gets it next.
        self.inner.state.lock().unwrap().strays = false;
        None
    }

    /// Sends `signal` to what is left of an ended process's group; for terminating
    /// signals waits for it to go, with SIGKILL at `deadline`. What the process started
    /// was started by the sandbox, and must not outlive a kill.
    async fn kill_strays(
        &self,
        signal: Signal,
        deadline: Option<Instant>,
        escapees: Vec<u32>,
    ) -> Result<bool> {
        let Some(pgid) = self.stray_pgid() else {
            crate::tree::signal_all(escapees, signal);
            return Ok(false);
        };
        let mut late = group::Latecomers::before_signal(pgid);
        let sent = group::signal_group(pgid, signal).map_err(|e| e.with_process(self.id()));
        crate::tree::signal_all(escapees, signal);
        sent?;
        if signal.is_terminating() {
            self.wait_strays(deadline, Some((&mut late, signal))).await;
        }
        Ok(true)
    }

    /// Waits until nothing is left of an ended process's group, sending it SIGKILL at
    /// `deadline` (then waiting a little more for the kernel to finish them). Members
    /// the group's signal missed get it too.
    async fn wait_strays(
        &self,
        deadline: Option<Instant>,
        mut late: Option<(&mut group::Latecomers, Signal)>,
    ) {
        let mut killed: Option<Instant> = None;
        while let Some(pgid) = self.stray_pgid() {
            if let Some((l, sig)) = late.as_mut() {
                l.signal_new(*sig);
            }
            match killed {
                None if duration::passed(deadline) => {
                    let _ = group::signal_group(pgid, Signal::KILL);
                    killed = Some(Instant::now());
                }
                Some(at) if at.elapsed() >= KILL_SETTLE => return,
                _ => {}
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// This library is ending the process (kill all, destroy, host exit): an exit of
    /// 128+N counts as killed, and no restart follows.
    pub(crate) fn mark_signalled(&self) {
        let mut st = self.inner.state.lock().unwrap();
        st.signalled = true;
        st.stopping = true;
        self.inner.stop_tx.send_replace(true);
    }

    /// After a run ended so, having run for `uptime`: the delay before the next run if
    /// the policy restarts it (and no stop was asked), with the status `restarting`.
    pub(crate) fn restart_due(
        &self,
        policy: &crate::restart::RestartPolicy,
        info: &ExitInfo,
        uptime: Duration,
    ) -> Option<Duration> {
        let mut st = self.inner.state.lock().unwrap();
        if st.stopping || !policy.wants(info, st.restarts) {
            return None;
        }
        if uptime >= policy.reset_after {
            st.streak = 0;
        }
        let delay = policy.backoff.delay(st.streak);
        st.streak += 1;
        st.restarts += 1;
        st.status = ProcessStatus::Restarting;
        Some(delay)
    }

    /// Whether a stop was asked.
    pub(crate) fn stopping(&self) -> bool {
        self.inner.state.lock().unwrap().stopping
    }

    /// Records a new run: its pid and group lease, as if just started. `false` if a stop
    /// was asked meanwhile: the caller ends the run at once.
    pub(crate) fn resume(&self, pid: u32, lease: GroupLease) -> bool {
        let mut st = self.inner.state.lock().unwrap();
        st.pid = Some(pid);
        st.lease = Some(lease);
        st.reaped = None;
        st.signalled = st.stopping;
        st.strays = false;
        st.status = ProcessStatus::Running;
        !st.stopping
    }

    pub(crate) fn set_running(&self, pid: u32, lease: GroupLease) {
        let mut st = self.inner.state.lock().unwrap();
        st.pid = Some(pid);
        st.lease = Some(lease);
        st.status = ProcessStatus::Running;
    }
}

/// Waits until no live process carries one of `tags`, sending SIGKILL to those left at
/// `deadline` (then waiting a little more for the kernel to finish them). One `/proc`
/// pass per check, whatever the number of tags.
pub(crate) async fn wait_tagged(tags: &[&str], deadline: Option<Instant>) {
    wait_tagged_except(tags, &[], deadline).await
}

/// [`wait_tagged`], leaving the processes `except` alone.
async fn wait_tagged_except(tags: &[&str], except: &[u32], deadline: Option<Instant>) {
    let mut killed: Option<Instant> = None;
    loop {
        let mut left = crate::tree::tagged(tags);
        left.retain(|(pid, _)| !except.contains(pid));
        if left.is_empty() {
            return;
        }
        match killed {
            None if duration::passed(deadline) => {
                crate::tree::signal_all(left.iter().map(|(p, _)| *p), Signal::KILL);
                killed = Some(Instant::now());
            }
            Some(at) if at.elapsed() >= KILL_SETTLE => return,
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Once the groups are gone: signals what carries one of `tags` but was not in `first`
/// (the escapees signalled before the groups were), then waits for every tagged
/// process as [`wait_tagged`] does. This reaches what left a group after the first
/// pass (a trap that starts a daemon) or was mid-`exec` during it (its environment
/// reads empty for that moment). Returns what it newly found.
pub(crate) async fn sweep_tagged(
    tags: &[&str],
    first: &[(u32, usize)],
    signal: Signal,
    deadline: Option<Instant>,
) -> Vec<(u32, usize)> {
    let now = crate::tree::tagged(tags);
    let late: Vec<(u32, usize)> = now
        .iter()
        .filter(|(pid, _)| !first.iter().any(|(p, _)| p == pid))
        .copied()
        .collect();
    crate::tree::signal_all(late.iter().map(|(p, _)| *p), signal);
    if !now.is_empty() {
        wait_tagged(tags, deadline).await;
    }
    late
}

/// Signals what carries `tag`, but for the processes `except`, and waits until it is
/// gone (SIGKILL at `deadline`): the leftovers of processes that have no record.
pub(crate) async fn sweep_leftovers(
    tag: &str,
    except: &[u32],
    signal: Signal,
    deadline: Option<Instant>,
) {
    let mut found = crate::tree::tagged(&[tag]);
    found.retain(|(pid, _)| !except.contains(pid));
    if found.is_empty() {
        return;
    }
    crate::tree::signal_all(found.iter().map(|(p, _)| *p), signal);
    wait_tagged_except(&[tag], except, deadline).await;
}

/// Kills many processes from synchronous code (drop, host exit): SIGTERM to every group,
/// reap what exits within `grace` (a grace too large for a deadline means none), then
/// SIGKILL what is left.
pub(crate) fn kill_all_blocking(procs: &[Process], grace: Duration) {
    // What left the groups, found by tag in one pass, gets the same TERM and KILL.
    let tags: Vec<&str> = procs.iter().map(|p| p.inner.tag.as_str()).collect();
    let escapees = if tags.is_empty() {
        Vec::new()
    } else {
        crate::tree::outside_groups(crate::tree::tagged(&tags), |i| procs[i].pid())
    };
    let running: Vec<(&Process, u32)> = procs
        .iter()
        .filter_map(|p| {
            p.pgid_if_running()
                .or_else(|| p.stray_pgid())
                .map(|g| (p, g))
        })
        .collect();
    let mut late: Vec<group::Latecomers> = Vec::new();
    for (p, pgid) in &running {
        p.mark_signalled();
        late.push(group::Latecomers::before_signal(*pgid));
        let _ = group::signal_group(*pgid, Signal::TERM);
    }
    // After the groups: a leader that saw its escaped child die first could exit on
    // its own before its group's signal.
    crate::tree::signal_all(escapees.iter().map(|(p, _)| *p), Signal::TERM);
    let deadline = duration::deadline(grace);
    let mut left: Vec<(&Process, u32, group::Latecomers)> = running
        .into_iter()
        .zip(late)
        .map(|((p, g), l)| (p, g, l))
        .collect();
    while !left.is_empty() && !duration::passed(deadline) {
        left.retain_mut(|(p, pgid, late)| {
            late.signal_new(Signal::TERM);
            p.reap().is_none() || group::orphaned_group_alive(*pgid)
        });
        if !left.is_empty() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // Also when the first pass found no escapee: something may have left a group since.
    if !tags.is_empty() {
        let left = crate::tree::tagged(&tags);
        crate::tree::signal_all(left.iter().map(|(p, _)| *p), Signal::KILL);
    }
    for (p, pgid, _) in &left {
        let _ = group::signal_group(*pgid, Signal::KILL);
        let until = Instant::now() + Duration::from_millis(500);
        while p.reap().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // Their supervisors may never run again (the runtime may be gone): let the watchdog
    // forget the emptied groups here, before their ids can be reused.
    for p in procs {
        p.release_if_empty();
    }
}

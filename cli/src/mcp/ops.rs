//! What each tool does, as operations on the sandbox that return the result's text or
//! the library's error.

use super::output::{self, Output};
use super::render::{self, status_line};
use super::tools::{ExecArgs, KillArgs, ReadLogsArgs, StartArgs, WaitExitArgs, WaitLogArgs};
use super::tools::{WaitPortArgs, WriteArgs};
use super::Server;
use procwright::{
    Error, ExecOptions, Pattern, PortMode, PortWaitOptions, Process, ProcessOptions, RegexFlags,
    Result, Signal, StdinMode, DEFAULT_KILL_TIMEOUT,
};
use std::path::PathBuf;
use std::time::Duration;

/// How long a wait lasts unless told otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// How long `exec` may run unless told otherwise: builds and test runs take a while.
const DEFAULT_EXEC: Duration = Duration::from_secs(120);
/// The longest any call may be asked to wait, so no call holds the server for ever.
const MAX_WAIT: Duration = Duration::from_secs(600);
/// What `exec` keeps of each stream: far more than a result shows, to count the rest.
const EXEC_BUFFER: usize = 1024 * 1024;

fn timeout(ms: Option<u64>, default: Duration) -> Duration {
    ms.map_or(default, Duration::from_millis).min(MAX_WAIT)
}

impl Server {
    fn find(&self, id: &str) -> Result<Process> {
        self.sandbox
            .get_process(id)
            .ok_or_else(|| Error::not_found(id))
    }

    /// Where the next read of `id` without a cursor starts.
    fn cursor(&self, id: &str) -> u64 {
        self.cursors.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn remember(&self, id: &str, cursor: u64) {
        self.cursors.lock().unwrap().insert(id.to_owned(), cursor);
    }

    /// Reads what the last read of `p` left unread, newest kept, and moves its cursor.
    async fn unread(&self, p: &Process) -> Result<Output> {
        // An id reused by a newer process has a shorter log: start that one afresh.
        let since = Some(self.cursor(p.id())).filter(|c| *c <= p.log_cursor());
        output::read(p, since.unwrap_or(0)).await
    }

    pub(super) async fn start(&self, a: StartArgs) -> Result<String> {
        let options = ProcessOptions {
            process_id: a.process_id,
            cwd: a.cwd.map(PathBuf::from),
            env: a.env.unwrap_or_default(),
            stdin: a.stdin.unwrap_or(false).then_some(StdinMode::Pipe),
            ..Default::default()
        };
        let p = self.sandbox.start_process(a.command, options).await?;
        self.remember(p.id(), 0);
        self.forget_old().await;
        Ok(format!("started {}", status_line(&p)))
    }

    /// Forgets the oldest ended processes past `keep_ended` (those whose trees have
    /// ended: leftovers keep theirs listed, so kill still reaches them).
    async fn forget_old(&self) {
        let ended: Vec<Process> = self
            .sandbox
            .list_processes()
            .into_iter()
            .filter(|p| p.status().is_final())
            .collect();
        let over = ended.len().saturating_sub(self.keep_ended);
        if over == 0 {
            return;
        }
        let ids: Vec<String> = ended[..over].iter().map(|p| p.id().to_owned()).collect();
        let sandbox = self.sandbox.clone();
        // One pass over /proc: off the runtime.
        let forgotten = tokio::task::spawn_blocking(move || {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            sandbox.forget_processes(&ids)
        })
        .await
        .unwrap_or_default();
        let mut cursors = self.cursors.lock().unwrap();
        for id in forgotten {
            cursors.remove(&id);
        }
    }

    pub(super) fn list(&self) -> String {
        let lines: Vec<String> = self
            .sandbox
            .list_processes()
            .iter()
            .map(status_line)
            .collect();
        if lines.is_empty() {
            return "no processes".to_owned();
        }
        lines.join("\n")
    }

    /// The status line of `id` and the output not yet read, which is read.
    pub(super) async fn report(&self, id: &str) -> Result<String> {
        let p = self.find(id)?;
        self.report_on(&p).await
    }

    async fn report_on(&self, p: &Process) -> Result<String> {
        let out = self.unread(p).await?;
        let page = out.newest(None);
        self.remember(p.id(), page.next);
        Ok(render::page(&status_line(p), &page, out.start))
    }

    pub(super) async fn read_logs_of(&self, a: ReadLogsArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        let out = match (a.since, a.tail) {
            (Some(since), _) => output::read(&p, since).await?,
            (None, Some(_)) => output::read(&p, 0).await?,
            (None, None) => self.unread(&p).await?,
        };
        let page = match (a.since, a.tail) {
            (_, Some(lines)) => out.newest(Some(lines)),
            (Some(_), None) => out.oldest(),
            (None, None) => out.newest(None),
        };
        self.remember(p.id(), page.next);
        Ok(render::page(&status_line(&p), &page, out.start))
    }

    pub(super) async fn wait_log(&self, a: WaitLogArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        let pattern = if a.regex.unwrap_or(false) {
            Pattern::regex(&a.pattern, RegexFlags::default())?
        } else {
            Pattern::substring(a.pattern)?
        };
        let m = p
            .wait_for_log(&pattern, Some(timeout(a.timeout_ms, DEFAULT_WAIT)))
            .await?;
        Ok(format!(
            "{}\nmatched on {}: {}\n{}",
            status_line(&p),
            m.stream.as_str(),
            m.line,
            self.unread_note(&p)
        ))
    }

    /// How much output is not yet read, for results that do not show it.
    fn unread_note(&self, p: &Process) -> String {
        let unread = p.log_cursor().saturating_sub(self.cursor(p.id()));
        match unread {
            0 => "(no unread output)".to_owned(),
            n => format!("({n} bytes of output not yet read; read_logs shows them)"),
        }
    }

    pub(super) async fn wait_port(&self, a: WaitPortArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        let options = PortWaitOptions {
            // A listener that is not an HTTP server is ready too.
            mode: PortMode::Tcp,
            timeout: Some(timeout(a.timeout_ms, DEFAULT_WAIT)),
            ..Default::default()
        };
        let port = match a.port {
            Some(port) => p.wait_for_port(port, &options).await.map(|()| port)?,
            None => p.wait_for_any_port(&options).await?,
        };
        Ok(format!(
            "{}\nport {port} accepts connections\n{}",
            status_line(&p),
            self.unread_note(&p)
        ))
    }

    pub(super) async fn wait_exit(&self, a: WaitExitArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        p.wait_for_exit(Some(timeout(a.timeout_ms, DEFAULT_WAIT)))
            .await?;
        self.report_on(&p).await
    }

    pub(super) async fn write(&self, a: WriteArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        p.write(a.data.as_bytes()).await?;
        Ok(format!(
            "wrote {} bytes to stdin\n{}",
            a.data.len(),
            status_line(&p)
        ))
    }

    pub(super) async fn kill(&self, a: KillArgs) -> Result<String> {
        let p = self.find(&a.process_id)?;
        let signal = match a.signal.as_deref() {
            Some(name) => Signal::parse(name)?,
            None => Signal::TERM,
        };
        p.kill(signal, DEFAULT_KILL_TIMEOUT).await?;
        self.report_on(&p).await
    }

    pub(super) async fn run(&self, a: ExecArgs) -> Result<String> {
        let options = ExecOptions {
            cwd: a.cwd.map(PathBuf::from),
            timeout: Some(timeout(a.timeout_ms, DEFAULT_EXEC)),
            max_buffer: Some(EXEC_BUFFER),
            ..Default::default()
        };
        let result = self.sandbox.exec(a.command, options).await?;
        Ok(render::exec(&result))
    }
}

//! What each tool does, as operations on the sandbox that return the result's answer
//! (text, and data for tools with an output schema) or the library's error.

use super::data::{ExecData, Fired, LineData, ProcessData, ProcessList, Report};
use super::output::{self, Output, Page};
use super::render::{self, status_line, Answer};
use super::tools::{
    ExecArgs, KillArgs, ProcessArgs, ReadLogsArgs, SendInputArgs, StartArgs, WaitArgs,
    WaitExitArgs, WaitLogArgs, WaitPortArgs, WriteArgs,
};
use super::Server;
use procwright::{
    Error, ErrorCode, ExecOptions, LogEventKind, LogSince, LogStreamOptions, LogWaitOptions,
    Pattern, PortMode, PortWaitOptions, Process, ProcessOptions, RegexFlags, Result, Signal,
    StdinMode, DEFAULT_KILL_TIMEOUT,
};
use std::path::PathBuf;
use std::time::Duration;
use tokio::time::Instant;

/// How long a wait lasts unless told otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);
/// How long `exec` may run unless told otherwise: builds and test runs take a while.
const DEFAULT_EXEC: Duration = Duration::from_secs(120);
/// The longest any call may be asked to wait, so no call holds the server for ever.
const MAX_WAIT: Duration = Duration::from_secs(600);
/// What `exec` keeps of each stream: far more than a result shows, to count the rest.
const EXEC_BUFFER: usize = 1024 * 1024;
/// The longest a `read_logs` grep may take (each line also has a budget of its own).
const GREP_BUDGET: Duration = Duration::from_secs(5);

/// How long `send_input` waits for output to go quiet unless told otherwise.
const DEFAULT_QUIET: Duration = Duration::from_millis(500);

fn timeout(ms: Option<u64>, default: Duration) -> Duration {
    ms.map_or(default, Duration::from_millis).min(MAX_WAIT)
}

/// A pattern as the tools take it: a substring, or a regex when `regex` is set.
fn pattern(text: String, regex: Option<bool>) -> Result<Pattern> {
    if regex.unwrap_or(false) {
        Pattern::regex(&text, RegexFlags::default())
    } else {
        Pattern::substring(text)
    }
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

    /// A page of `p`'s output as a report, and its cursor remembered.
    fn report(&self, p: &Process, heading: &str, out: &Output, page: &Page<'_>) -> Answer {
        self.remember(p.id(), page.next);
        Answer::data(
            render::page(heading, page, out.start),
            Report {
                process: ProcessData::of(p),
                output: page.text.to_owned(),
                cursor: page.next,
                matches: None,
                until: None,
            },
        )
    }

    /// `p`'s status and the output not read before, which is now read.
    async fn report_unread(&self, p: &Process, heading: &str) -> Result<Answer> {
        let out = self.unread(p).await?;
        let page = out.newest(None);
        Ok(self.report(p, heading, &out, &page))
    }

    pub(super) async fn start(&self, a: StartArgs) -> Result<(Process, Answer)> {
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
        let heading = format!("started {}", status_line(&p));
        let wait = timeout(a.wait_ms, Duration::ZERO);
        if wait.is_zero() {
            // Nothing read: the output is all still unread, from cursor 0.
            let answer = Answer::data(
                heading,
                Report {
                    process: ProcessData::of(&p),
                    output: String::new(),
                    cursor: 0,
                    matches: None,
                    until: None,
                },
            );
            return Ok((p, answer));
        }
        first_output(&p, wait).await?;
        let answer = self.report_unread(&p, &heading).await?;
        Ok((p, answer))
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

    pub(super) fn list(&self) -> Answer {
        let processes = self.sandbox.list_processes();
        let text = if processes.is_empty() {
            "no processes".to_owned()
        } else {
            let lines: Vec<String> = processes.iter().map(status_line).collect();
            lines.join("\n")
        };
        Answer::data(
            text,
            ProcessList {
                processes: processes.iter().map(ProcessData::of).collect(),
            },
        )
    }

    /// The status line of `id` and the output not yet read, which is read.
    pub(super) async fn get(&self, a: ProcessArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        self.report_unread(&p, &status_line(&p)).await
    }

    pub(super) async fn read_logs_of(&self, a: ReadLogsArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        let grep = a
            .grep
            .map(|g| Pattern::regex(&g, RegexFlags::default()))
            .transpose()?;
        let out = match (a.since, a.tail) {
            (Some(since), _) => output::read(&p, since).await?,
            (None, Some(_)) => output::read(&p, 0).await?,
            (None, None) => self.unread(&p).await?,
        };
        if let Some(grep) = grep {
            return self.grep(&p, &out, &grep, a.tail).await;
        }
        let page = match (a.since, a.tail) {
            (_, Some(lines)) => out.newest(Some(lines)),
            (Some(_), None) => out.oldest(),
            (None, None) => out.newest(None),
        };
        Ok(self.report(&p, &status_line(&p), &out, &page))
    }

    /// The lines of `out` that `grep` matches, newest kept, each with its cursor.
    async fn grep(
        &self,
        p: &Process,
        out: &Output,
        grep: &Pattern,
        tail: Option<usize>,
    ) -> Result<Answer> {
        let (mut found, skipped) = tokio::time::timeout(GREP_BUDGET, out.matching_lines(grep))
            .await
            .map_err(|_| {
                Error::new(
                    ErrorCode::InvalidPattern,
                    format!(
                        "the grep pattern did not finish on this output within {} s",
                        GREP_BUDGET.as_secs()
                    ),
                )
            })??;
        // Within the limits of any page: the newest lines, a long one cut.
        for (line, _) in found.iter_mut() {
            if line.len() > output::MAX_BYTES {
                let mut cut = output::MAX_BYTES;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
                line.push('…');
            }
        }
        let mut keep = tail
            .unwrap_or(output::MAX_LINES)
            .min(output::MAX_LINES)
            .min(found.len());
        while keep > 1
            && found[found.len() - keep..]
                .iter()
                .map(|(l, _)| l.len() + 1)
                .sum::<usize>()
                > output::MAX_BYTES
        {
            keep -= 1;
        }
        let hidden = found.len() - keep;
        let shown = &found[hidden..];
        let mut text = status_line(p);
        text.push_str(&format!(
            "\n{} matching lines of {} bytes read",
            found.len(),
            out.end - out.start
        ));
        if hidden > 0 {
            text.push_str(&format!(" ({hidden} earlier ones not shown)"));
        }
        if skipped > 0 {
            text.push_str(&format!(
                "; {skipped} lines too long for this pattern were skipped"
            ));
        }
        let mut body = String::new();
        for (line, cursor) in shown {
            text.push_str(&format!("\n[cursor {cursor}] {line}"));
            body.push_str(line);
            body.push('\n');
        }
        text.push_str(&format!("\n[cursor {}]", out.end));
        self.remember(p.id(), out.end);
        Ok(Answer::data(
            text,
            Report {
                process: ProcessData::of(p),
                output: body,
                cursor: out.end,
                matches: Some(
                    shown
                        .iter()
                        .map(|(line, cursor)| LineData {
                            line: line.clone(),
                            cursor: *cursor,
                        })
                        .collect(),
                ),
                until: None,
            },
        ))
    }

    /// How many bytes of `p`'s output are not read yet.
    fn unread_bytes(&self, p: &Process) -> u64 {
        p.log_cursor().saturating_sub(self.cursor(p.id()))
    }

    /// A wait's answer: what fired, the process after it, and what is left unread.
    fn fired(&self, p: &Process, fired: Fired) -> Answer {
        let what = match (fired.fired.as_str(), &fired.line, fired.port) {
            ("log", Some(line), _) => format!(
                "matched on {}: {line}",
                fired.stream.as_deref().unwrap_or("")
            ),
            ("port", _, Some(port)) => format!("port {port} accepts connections"),
            _ => "the process has ended".to_owned(),
        };
        let unread = match fired.unread_bytes {
            0 => "(no unread output)".to_owned(),
            n => format!("({n} bytes of output not yet read; read_logs shows them)"),
        };
        Answer::data(format!("{}\n{what}\n{unread}", status_line(p)), fired)
    }

    fn fired_log(&self, p: &Process, m: procwright::LogMatch) -> Fired {
        Fired {
            process: ProcessData::of(p),
            fired: "log".into(),
            line: Some(m.line),
            stream: Some(m.stream.as_str().into()),
            cursor: Some(m.cursor),
            port: None,
            unread_bytes: self.unread_bytes(p),
        }
    }

    fn fired_port(&self, p: &Process, port: u16) -> Fired {
        Fired {
            process: ProcessData::of(p),
            fired: "port".into(),
            line: None,
            stream: None,
            cursor: None,
            port: Some(port),
            unread_bytes: self.unread_bytes(p),
        }
    }

    fn fired_exit(&self, p: &Process) -> Fired {
        Fired {
            process: ProcessData::of(p),
            fired: "exit".into(),
            line: None,
            stream: None,
            cursor: None,
            port: None,
            unread_bytes: self.unread_bytes(p),
        }
    }

    pub(super) async fn wait_log(&self, a: WaitLogArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        let pattern = pattern(a.pattern, a.regex)?;
        let m = p
            .wait_for_log(&pattern, Some(timeout(a.timeout_ms, DEFAULT_WAIT)))
            .await?;
        Ok(self.fired(&p, self.fired_log(&p, m)))
    }

    pub(super) async fn wait_port(&self, a: WaitPortArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        let port = wait_port(&p, a.port, timeout(a.timeout_ms, DEFAULT_WAIT)).await?;
        Ok(self.fired(&p, self.fired_port(&p, port)))
    }

    pub(super) async fn wait_exit(&self, a: WaitExitArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        p.wait_for_exit(Some(timeout(a.timeout_ms, DEFAULT_WAIT)))
            .await?;
        self.report_unread(&p, &status_line(&p)).await
    }

    /// Waits for whichever of the conditions asked for holds first.
    pub(super) async fn wait_any(&self, a: WaitArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        if a.log.is_none() && a.port.is_none() && !a.exit.unwrap_or(false) {
            return Err(Error::invalid(
                "give at least one of log (a pattern), port (0 for any) or exit: true",
            ));
        }
        let limit = timeout(a.timeout_ms, DEFAULT_WAIT);
        let deadline = Instant::now() + limit;
        let pattern = a.log.map(|l| pattern(l, a.regex)).transpose()?;
        let exit = a.exit.unwrap_or(false);
        // Each wait runs without a timeout of its own: one deadline ends them all, and a
        // wait that fails because the process ended gives way to the exit, if asked.
        let log = async {
            match &pattern {
                Some(pattern) => p
                    .wait_for_log(pattern, None)
                    .await
                    .map(|m| self.fired_log(&p, m)),
                None => std::future::pending().await,
            }
        };
        let port = async {
            match a.port {
                Some(port) => wait_port(&p, (port != 0).then_some(port), MAX_WAIT)
                    .await
                    .map(|port| self.fired_port(&p, port)),
                None => std::future::pending().await,
            }
        };
        let ended = async {
            let info = p.wait_for_exit(None).await;
            if exit {
                return info.map(|_| self.fired_exit(&p));
            }
            std::future::pending().await
        };
        let gave_way = |r: &Result<Fired>| {
            exit && matches!(r, Err(e) if e.code == ErrorCode::ProcessExitedBeforeReady)
        };
        tokio::pin!(log, port, ended);
        let (mut log_done, mut port_done) = (false, false);
        let fired = loop {
            // Biased: when several hold at once, a log line or a port is the news, and
            // anything that holds beats the deadline.
            tokio::select! {
                biased;
                r = &mut log, if !log_done => {
                    if gave_way(&r) { log_done = true; continue }
                    break r?;
                }
                r = &mut port, if !port_done => {
                    if gave_way(&r) { port_done = true; continue }
                    break r?;
                }
                r = &mut ended => break r?,
                () = tokio::time::sleep_until(deadline) => {
                    return Err(Error::new(
                        ErrorCode::ProcessReadyTimeout,
                        format!("timed out after {limit:?}: none of the conditions held"),
                    )
                    .with_process(p.id()));
                }
            }
        };
        Ok(self.fired(&p, fired))
    }

    pub(super) async fn write(&self, a: WriteArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        stdin_result(&p, p.write(a.data.as_bytes()).await)?;
        Ok(Answer::text(format!(
            "wrote {} bytes to stdin\n{}",
            a.data.len(),
            status_line(&p)
        )))
    }

    pub(super) async fn close_input(&self, a: ProcessArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        stdin_result(&p, p.close_stdin().await)?;
        Ok(Answer::text(format!(
            "closed stdin (the process reads end of file)\n{}",
            status_line(&p)
        )))
    }

    /// Writes, then waits for a pattern, for the output to go quiet, or for the exit,
    /// and answers with the output that came after the write.
    pub(super) async fn send(&self, a: SendInputArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        let limit = timeout(a.timeout_ms, DEFAULT_WAIT);
        let quiet = a
            .quiet_ms
            .map_or(DEFAULT_QUIET, Duration::from_millis)
            .min(limit);
        let until = a.until.map(|u| pattern(u, a.regex)).transpose()?;
        let before = p.log_cursor();
        stdin_result(&p, p.write(a.data.as_bytes()).await)?;
        let ended_by = match &until {
            Some(pattern) => {
                let options = LogWaitOptions {
                    timeout: Some(limit),
                    since: LogSince::Cursor(before),
                    ..LogWaitOptions::default()
                };
                match p.wait_for_log_with(pattern, &options).await {
                    Ok(_) => "pattern",
                    Err(e) if e.code == ErrorCode::ProcessExitedBeforeReady => "exit",
                    Err(e) if e.code == ErrorCode::ProcessReadyTimeout => "timeout",
                    Err(e) => return Err(e),
                }
            }
            None => quiet_or_exit(&p, before, quiet, limit).await?,
        };
        // From the last read if that is earlier: output between it and the write (a
        // banner, an error printed between turns) is shown, not skipped.
        let from = Some(self.cursor(p.id()))
            .filter(|c| *c <= before)
            .unwrap_or(before);
        let out = output::read(&p, from).await?;
        let page = out.newest(None);
        let heading = format!(
            "wrote {} bytes; {}\n{}",
            a.data.len(),
            match ended_by {
                "pattern" => "the pattern matched".to_owned(),
                "quiet" => format!("no output for {} ms", quiet.as_millis()),
                "exit" => "the process ended".to_owned(),
                _ if until.is_some() => format!("no match within {} ms", limit.as_millis()),
                _ => format!("output still coming after {} ms", limit.as_millis()),
            },
            status_line(&p)
        );
        let mut answer = self.report(&p, &heading, &out, &page);
        if let Some(data) = answer.data.as_mut() {
            data["until"] = ended_by.into();
        }
        Ok(answer)
    }

    pub(super) async fn kill(&self, a: KillArgs) -> Result<Answer> {
        let p = self.find(&a.process_id)?;
        let signal = match a.signal.as_deref() {
            Some(name) => Signal::parse(name)?,
            None => Signal::TERM,
        };
        p.kill(signal, DEFAULT_KILL_TIMEOUT).await?;
        self.report_unread(&p, &status_line(&p)).await
    }

    pub(super) async fn run(&self, a: ExecArgs) -> Result<Answer> {
        let options = ExecOptions {
            cwd: a.cwd.map(PathBuf::from),
            env: a.env.unwrap_or_default(),
            input: a.input.map(String::into_bytes),
            timeout: Some(timeout(a.timeout_ms, DEFAULT_EXEC)),
            max_buffer: Some(EXEC_BUFFER),
            ..Default::default()
        };
        let result = self.sandbox.exec(a.command, options).await?;
        Ok(Answer::data(render::exec(&result), ExecData::of(&result)))
    }
}

/// Waits for `port` (any port of the tree without one) to accept TCP connections.
async fn wait_port(p: &Process, port: Option<u16>, limit: Duration) -> Result<u16> {
    let options = PortWaitOptions {
        // A listener that is not an HTTP server is ready too.
        mode: PortMode::Tcp,
        timeout: Some(limit),
        ..Default::default()
    };
    match port {
        Some(port) => p.wait_for_port(port, &options).await.map(|()| port),
        None => p.wait_for_any_port(&options).await,
    }
}

/// Waits up to `limit` for the first output (or the exit) of a process just started.
async fn first_output(p: &Process, limit: Duration) -> Result<()> {
    let mut events = p.stream_logs_with(&LogStreamOptions::default())?;
    let _ = tokio::time::timeout(limit, events.next()).await;
    Ok(())
}

/// Reads `p`'s output from `since` until none comes for `quiet`, the process ends, or
/// `limit` passes; says which.
async fn quiet_or_exit(
    p: &Process,
    since: u64,
    quiet: Duration,
    limit: Duration,
) -> Result<&'static str> {
    let deadline = Instant::now() + limit;
    let options = LogStreamOptions {
        since: Some(since),
        ..LogStreamOptions::default()
    };
    let mut events = p.stream_logs_with(&options)?;
    loop {
        let wake = (Instant::now() + quiet).min(deadline);
        match tokio::time::timeout_at(wake, events.next()).await {
            Ok(Some(e)) if e.kind != LogEventKind::Exit => {}
            Ok(_) => return Ok("exit"),
            Err(_) if Instant::now() >= deadline => return Ok("timeout"),
            Err(_) => return Ok("quiet"),
        }
    }
}

/// A stdin operation's result, its error in the tool's own words: the library names
/// its option (`stdin: "pipe"`), an agent knows the tool's (`stdin: true`).
fn stdin_result(p: &Process, r: Result<()>) -> Result<()> {
    r.map_err(|e| {
        if e.code == ErrorCode::ProcessError && e.message.contains("has no stdin pipe") {
            Error::new(
                ErrorCode::ProcessError,
                format!(
                    "process {:?} has no stdin to write to: start it with stdin: true",
                    p.id()
                ),
            )
            .with_process(p.id())
        } else {
            e
        }
    })
}

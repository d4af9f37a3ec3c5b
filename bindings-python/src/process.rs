//! `Process`: live fields read from the core each time, and the waits as coroutines.

use crate::convert::{
    datetime, log_query, stream_options, ByteLimit, CursorArg, Data, Flag, Follow, Host, Interval,
    LineCount, MaxBytes, ModeArg, Owned, PatternArg, Port, Replay, Seconds, SignalArg, SinceArg,
    Status, StreamArg, Tail, Text, Timeout, Times, UrlPath,
};
use crate::error::IntoPyResult;
use crate::event::LogStream;
use crate::future::{ready, spawn, Nothing};
use crate::logs::Logs;
use crate::ports::PortReady;
use crate::status::ExitResult;
use crate::wait::LogMatch;
use procwright::{PortMode, PortWaitOptions, StatusRange, DEFAULT_KILL_TIMEOUT};
use pyo3::prelude::*;
use pyo3::types::PyDateTime;

/// A started process. Every property is read from the live record when asked.
#[pyclass(frozen, module = "procwright")]
pub struct Process {
    pub(crate) inner: procwright::Process,
}

impl From<procwright::Process> for Process {
    fn from(inner: procwright::Process) -> Self {
        Process { inner }
    }
}

#[pymethods]
impl Process {
    /// The id within the sandbox.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// The OS process id (also its process group id).
    #[getter]
    fn pid(&self) -> Option<u32> {
        self.inner.pid()
    }

    /// The command as given (an argv is shown shell-quoted).
    #[getter]
    fn command(&self) -> &str {
        self.inner.command()
    }

    /// `starting`, `running`, `restarting`, `completed`, `failed`, `killed` or `error`.
    #[getter(status)]
    fn live_status(&self) -> &'static str {
        self.inner.status().as_str()
    }

    /// When it was started (aware, UTC).
    #[getter]
    fn start_time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.inner.start_time())
    }

    /// When it ended (aware, UTC), or None.
    #[getter]
    fn end_time<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        self.inner.end_time().map(|t| datetime(py, t)).transpose()
    }

    /// The exit code once ended (128+N after signal N).
    #[getter]
    fn exit_code(&self) -> Option<i32> {
        self.inner.exit_code()
    }

    /// The name of the signal that ended it, e.g. `"SIGKILL"`.
    #[getter]
    fn signal(&self) -> Option<&'static str> {
        self.inner.signal()
    }

    /// How many times the restart policy started it again.
    #[getter]
    fn restarts(&self) -> u32 {
        self.inner.restarts()
    }

    /// The session it was started in, or None.
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.inner.session_id()
    }

    /// Signals the whole process group; for terminating signals, returns once it has
    /// exited, sending SIGKILL after `timeout` seconds (default 5).
    #[pyo3(signature = (signal = None, *, timeout = None))]
    fn kill<'py>(
        &self,
        py: Python<'py>,
        signal: Option<SignalArg>,
        timeout: Option<Seconds<Timeout>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let signal = signal.map_or(procwright::Signal::TERM, |s| s.0);
        let timeout = timeout.map_or(DEFAULT_KILL_TIMEOUT, |t| t.0);
        let p = self.inner.clone();
        spawn(py, async move {
            p.kill(signal, timeout).await.map(|()| Nothing).py()
        })
    }

    /// Writes `data` (bytes, or str as UTF-8) to the stdin pipe; resolves once the pipe
    /// took all of it. Raises `ProcessError` without a pipe, after `close_stdin`, after
    /// the process ended, or when it closed its stdin (EPIPE).
    fn write<'py>(&self, py: Python<'py>, data: Data) -> PyResult<Bound<'py, PyAny>> {
        // The place in line is taken now, at the call: writes arrive in call order.
        let write = self.inner.write(&data.0);
        spawn(py, async move { write.await.map(|()| Nothing).py() })
    }

    /// Resizes the terminal of a process started with `pty` (it gets SIGWINCH).
    fn resize(&self, cols: &Bound<'_, PyAny>, rows: &Bound<'_, PyAny>) -> PyResult<()> {
        let size = crate::convert::pty_size(cols, rows)?;
        self.inner.resize(size).py()
    }

    /// Closes the stdin pipe (on a terminal, types Ctrl-D): the process reads end of file.
    fn close_stdin<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let close = self.inner.close_stdin();
        spawn(py, async move { close.await.map(|()| Nothing).py() })
    }

    /// The status now.
    fn get_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        ready(py, Ok(self.inner.status().as_str()))
    }

    /// The output kept so far (`.stdout`, `.stderr`, `.cursor`, `.truncated`): only
    /// after cursor `since`, only the last `tail` lines, only one `stream`, at most
    /// the newest `max_bytes`.
    #[pyo3(signature = (*, since = None, tail = None, stream = None, max_bytes = None))]
    fn get_logs<'py>(
        &self,
        py: Python<'py>,
        since: Option<CursorArg>,
        tail: Option<LineCount<Tail>>,
        stream: Option<StreamArg>,
        max_bytes: Option<ByteLimit<MaxBytes>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let query = log_query(since, tail, stream, max_bytes);
        ready(py, self.inner.get_logs(&query).map(Logs::from).py())
    }

    /// Waits for a line of stdout or stderr that matches `pattern` (a `str` substring
    /// or a compiled `re.Pattern`): the `times`-th such line, of one `stream` if given,
    /// read from cursor `since` (or `"now"`: printed after the call) if given.
    #[pyo3(signature = (pattern, timeout = None, *, times = None, stream = None, since = None))]
    fn wait_for_log<'py>(
        &self,
        py: Python<'py>,
        pattern: PatternArg,
        timeout: Option<Seconds<Timeout>>,
        times: Option<Times>,
        stream: Option<StreamArg>,
        since: Option<SinceArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pattern = pattern.0;
        let options = procwright::LogWaitOptions {
            timeout: timeout.map(|t| t.0),
            times: times.map_or(1, |t| t.0),
            stream: stream.map(|s| s.0),
            since: since.map_or(procwright::LogSince::Start, |s| s.0),
        };
        let p = self.inner.clone();
        spawn(py, async move {
            p.wait_for_log_with(&pattern, &options)
                .await
                .map(LogMatch::from)
                .py()
        })
    }

    /// Waits until `port` answers HTTP with an accepted status (`mode="http"`) or
    /// accepts a connection (`mode="tcp"`). `owned`: whose listener counts (`True`: the
    /// process tree's only; `False`: any; `None`/`"auto"`: any but a stale server's).
    /// Without a port, waits until the process tree listens on one and returns a
    /// `PortReady` with it (only `timeout` and `interval` apply then).
    #[pyo3(signature = (port = None, *, mode = None, path = None, status = None, timeout = None, interval = None, host = None, owned = None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_port<'py>(
        &self,
        py: Python<'py>,
        port: Option<Port>,
        mode: Option<ModeArg>,
        path: Option<Text<UrlPath>>,
        status: Option<Status>,
        timeout: Option<Seconds<Timeout>>,
        interval: Option<Seconds<Interval>>,
        host: Option<Text<Host>>,
        owned: Option<Owned>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = PortWaitOptions {
            mode: mode.map_or(PortMode::Http, |m| m.0),
            path: path.map(|t| t.0),
            status: status.map_or_else(StatusRange::default, |s| s.0),
            timeout: timeout.map(|t| t.0),
            interval: interval.map(|t| t.0),
            host: host.map(|t| t.0),
            owned: owned.map_or(procwright::Ownership::Auto, |o| o.0),
        };
        let p = self.inner.clone();
        spawn(py, async move {
            match port {
                Some(port) => p.wait_for_port(port.0, &options).await.map(|_| None),
                None => p
                    .wait_for_any_port(&options)
                    .await
                    .map(|port| Some(PortReady { port })),
            }
            .py()
        })
    }

    /// The TCP sockets in LISTEN state the process tree holds: a list of
    /// `ListeningPort` (`port`, `host`, `family`, `pid`, `process_id`).
    fn get_ports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self.inner.clone();
        spawn(
            py,
            async move { Ok(crate::ports::to_py(p.get_ports().await)) },
        )
    }

    /// Waits for the process to end; returns at once for an ended process.
    #[pyo3(signature = (timeout = None))]
    fn wait_for_exit<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<Seconds<Timeout>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = timeout.map(|t| t.0);
        let p = self.inner.clone();
        spawn(py, async move {
            p.wait_for_exit(timeout).await.map(ExitResult::from).py()
        })
    }

    /// The events of this process, for `async for`: kept output first (from cursor
    /// `since`; none with `replay=False`), then live output (none with `follow=False`),
    /// then `exit` last.
    #[pyo3(signature = (*, since = None, replay = Flag::on(), follow = Flag::on(), stream = None))]
    fn stream_logs(
        &self,
        since: Option<CursorArg>,
        replay: Flag<Replay>,
        follow: Flag<Follow>,
        stream: Option<StreamArg>,
    ) -> PyResult<LogStream> {
        let options = stream_options(since, replay, follow, stream);
        Ok(LogStream::new(self.inner.stream_logs_with(&options).py()?))
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        let mut s = format!(
            "<Process id={:?} status={:?}",
            Q(p.id()),
            Q(p.status().as_str())
        );
        if let Some(pid) = p.pid() {
            s += &format!(" pid={pid}");
        }
        if let Some(code) = p.exit_code() {
            s += &format!(" exit_code={code}");
        }
        if let Some(sig) = p.signal() {
            s += &format!(" signal={:?}", Q(sig));
        }
        if let Some(sid) = p.session_id() {
            s += &format!(" session_id={:?}", Q(sid));
        }
        s + &format!(" command={:?}>", Q(p.command()))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Process>()
            .is_ok_and(|o| identity(&o.get().inner) == identity(&self.inner))
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        identity(&self.inner).hash(&mut h);
        h.finish()
    }
}

/// What tells two records apart: an id is reused only after its process ended, by a
/// record started later.
fn identity(p: &procwright::Process) -> (&str, std::time::SystemTime) {
    (p.id(), p.start_time())
}

/// A string as Python's `repr` shows it (for `{:?}`).
pub(crate) struct Q<'a>(pub &'a str);

impl std::fmt::Debug for Q<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        let quote = if self.0.contains('\'') && !self.0.contains('"') {
            '"'
        } else {
            '\''
        };
        f.write_char(quote)?;
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c == quote => write!(f, "\\{c}")?,
                c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32)?,
                c => f.write_char(c)?,
            }
        }
        f.write_char(quote)
    }
}

/// A string shortened for a repr.
pub(crate) fn preview(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        format!("{:?}", Q(s))
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{:?}… ({} chars)", Q(&head), s.chars().count())
    }
}

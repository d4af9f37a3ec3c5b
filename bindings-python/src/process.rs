//! `Process`: live fields read from the core each time, and the waits as coroutines.

use crate::convert::{self, datetime};
use crate::error::{wrong_type, IntoPyResult};
use crate::event::LogStream;
use crate::future::{spawn, Nothing};
use procwright::{PortMode, PortWaitOptions, StatusRange, DEFAULT_KILL_TIMEOUT};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict, PyMapping, PyRange, PyTuple};
use std::collections::BTreeMap;

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

    /// `starting`, `running`, `completed`, `failed`, `killed` or `error`.
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

    /// The session it was started in, or None.
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.inner.session_id()
    }

    /// Signals the whole process group; for terminating signals, returns once it has
    /// exited, sending SIGKILL after `timeout` seconds.
    #[pyo3(signature = (signal = None, *, timeout = None), text_signature = "($self, signal='SIGTERM', *, timeout=5.0)")]
    fn kill<'py>(
        &self,
        py: Python<'py>,
        signal: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let signal = match signal.filter(|s| !s.is_none()) {
            Some(s) => convert::signal(s)?,
            None => procwright::Signal::TERM,
        };
        let timeout = convert::seconds("timeout", timeout)?.unwrap_or(DEFAULT_KILL_TIMEOUT);
        let p = self.inner.clone();
        spawn(py, async move {
            p.kill(signal, timeout).await.map(|()| Nothing).py()
        })
    }

    /// The status now.
    fn get_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self.inner.clone();
        spawn(py, async move { Ok(p.status().as_str()) })
    }

    /// The output kept so far: an object with `.stdout` and `.stderr`.
    fn get_logs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self.inner.clone();
        spawn(py, async move { Ok(Logs::from(p.logs())) })
    }

    /// Waits for a line of stdout or stderr that matches `pattern` (a `str` substring
    /// or a compiled `re.Pattern`).
    #[pyo3(signature = (pattern, timeout = None))]
    fn wait_for_log<'py>(
        &self,
        py: Python<'py>,
        pattern: &Bound<'py, PyAny>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pattern = crate::pattern::pattern(pattern)?;
        let timeout = convert::seconds("timeout", timeout)?;
        let p = self.inner.clone();
        spawn(py, async move {
            p.wait_for_log(&pattern, timeout)
                .await
                .map(LogMatch::from)
                .py()
        })
    }

    /// Waits until `port` answers HTTP with an accepted status (`mode="http"`) or
    /// accepts a connection (`mode="tcp"`). `owned`: whose listener counts (`True`: the
    /// process tree's only; `False`: any; `None`/`"auto"`: any but a stale server's).
    #[pyo3(
        signature = (port, *, mode = None, path = None, status = None, timeout = None, interval = None, host = None, owned = None),
        text_signature = "($self, port, *, mode='http', path='/', status=None, timeout=None, interval=None, host=None, owned=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_port<'py>(
        &self,
        py: Python<'py>,
        port: &Bound<'py, PyAny>,
        mode: Option<&Bound<'py, PyAny>>,
        path: Option<&Bound<'py, PyAny>>,
        status: Option<&Bound<'py, PyAny>>,
        timeout: Option<&Bound<'py, PyAny>>,
        interval: Option<&Bound<'py, PyAny>>,
        host: Option<&Bound<'py, PyAny>>,
        owned: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let port = procwright::validate_port(convert::integer("port", port)?).py()? as i64;
        let mode = match convert::opt_string("mode", mode)? {
            Some(m) => m.parse::<PortMode>().py()?,
            None => PortMode::Http,
        };
        let options = PortWaitOptions {
            mode,
            path: convert::opt_string("path", path)?,
            status: status_range(status)?,
            timeout: convert::seconds("timeout", timeout)?,
            interval: convert::seconds("interval", interval)?,
            host: convert::opt_string("host", host)?,
            owned: convert::ownership(owned)?,
        };
        let p = self.inner.clone();
        spawn(py, async move {
            p.wait_for_port(port, &options).await.map(|_| Nothing).py()
        })
    }

    /// Waits for the process to end; returns at once for an ended process.
    #[pyo3(signature = (timeout = None))]
    fn wait_for_exit<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = convert::seconds("timeout", timeout)?;
        let p = self.inner.clone();
        spawn(py, async move {
            p.wait_for_exit(timeout).await.map(ExitResult::from).py()
        })
    }

    /// The events of this process, for `async for`: kept output first, then live
    /// output, then `exit` last.
    fn stream_logs(&self) -> LogStream {
        LogStream::new(self.inner.stream_logs())
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

fn status_range(obj: Option<&Bound<'_, PyAny>>) -> PyResult<StatusRange> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(StatusRange::default());
    };
    let int = |o: &Bound<'_, PyAny>| convert::integer("status", o);
    if let Ok(r) = obj.cast::<PyRange>() {
        let (start, stop, step): (i64, i64, i64) = (
            r.getattr("start")?.extract()?,
            r.getattr("stop")?.extract()?,
            r.getattr("step")?.extract()?,
        );
        if step != 1 {
            return Err(crate::error::invalid("a status range must have step 1"));
        }
        return StatusRange::new(start, stop - 1).py();
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        if t.len() == 2 {
            return StatusRange::new(int(&t.get_item(0)?)?, int(&t.get_item(1)?)?).py();
        }
        return Err(crate::error::invalid(
            "a status tuple must be (min, max), inclusive",
        ));
    }
    if obj.is_instance_of::<PyDict>() || obj.cast::<PyMapping>().is_ok() {
        let keys: Vec<String> = obj
            .call_method0("keys")?
            .try_iter()?
            .map(|k| k.and_then(|k| k.str().map(|s| s.to_string())))
            .collect::<PyResult<_>>()?;
        if keys.is_empty() || keys.iter().any(|k| k != "min" && k != "max") {
            return Err(crate::error::invalid(format!(
                "a status dict takes 'min' and/or 'max', got keys {keys:?}"
            )));
        }
        let end = |k: &str| -> PyResult<Option<i64>> {
            match obj.get_item(k) {
                Ok(v) => int(&v).map(Some),
                Err(_) => Ok(None),
            }
        };
        return StatusRange::between(end("min")?, end("max")?).py();
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        return StatusRange::exactly(int(obj)?).py();
    }
    Err(wrong_type(format!(
        "status must be an int, a (min, max) tuple, a {{'min', 'max'}} dict or a range, got {}",
        obj.get_type().name()?
    )))
}

/// Output kept for a process.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct Logs {
    /// Everything kept from stdout.
    pub stdout: String,
    /// Everything kept from stderr.
    pub stderr: String,
    /// Bytes of stdout dropped past the log limit.
    pub stdout_dropped: u64,
    /// Bytes of stderr dropped past the log limit.
    pub stderr_dropped: u64,
}

impl From<procwright::Logs> for Logs {
    fn from(l: procwright::Logs) -> Self {
        Logs {
            stdout: l.stdout,
            stderr: l.stderr,
            stdout_dropped: l.stdout_dropped,
            stderr_dropped: l.stderr_dropped,
        }
    }
}

#[pymethods]
impl Logs {
    fn __repr__(&self) -> String {
        format!(
            "<Logs stdout={} stderr={}>",
            preview(&self.stdout),
            preview(&self.stderr)
        )
    }
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

/// The line that satisfied `wait_for_log`.
#[pyclass(frozen, module = "procwright")]
pub struct LogMatch {
    inner: procwright::LogMatch,
}

impl From<procwright::LogMatch> for LogMatch {
    fn from(inner: procwright::LogMatch) -> Self {
        LogMatch { inner }
    }
}

#[pymethods]
impl LogMatch {
    /// The whole line, without its newline.
    #[getter]
    fn line(&self) -> &str {
        &self.inner.line
    }

    /// `"stdout"` or `"stderr"`.
    #[getter]
    fn stream(&self) -> &'static str {
        self.inner.stream.as_str()
    }

    /// For a regex: `[whole match, group 1, …]` (None for a group that did not take
    /// part); None for a substring.
    #[getter]
    fn r#match(&self) -> Option<Vec<Option<String>>> {
        self.inner.groups.clone()
    }

    /// Named groups of a regex.
    #[getter]
    fn named(&self) -> BTreeMap<String, Option<String>> {
        self.inner.named.clone()
    }

    /// Where the match starts within the line (in bytes of its UTF-8 form).
    #[getter]
    fn index(&self) -> usize {
        self.inner.index
    }

    fn __repr__(&self) -> String {
        let groups = match &self.inner.groups {
            None => "None".to_owned(),
            Some(g) => format!(
                "[{}]",
                g.iter()
                    .map(|x| x
                        .as_ref()
                        .map_or("None".to_owned(), |s| format!("{:?}", Q(s))))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!(
            "<LogMatch stream={:?} line={} match={groups}>",
            Q(self.inner.stream.as_str()),
            preview(&self.inner.line)
        )
    }
}

/// How a process ended.
#[pyclass(frozen, module = "procwright", get_all)]
pub struct ExitResult {
    /// The exit code (128+N after signal N); None if it never started.
    pub exit_code: Option<i32>,
    /// The signal that ended it, e.g. `"SIGKILL"`.
    pub signal: Option<&'static str>,
    /// `completed`, `failed`, `killed` or `error`.
    pub status: &'static str,
}

impl From<procwright::ExitInfo> for ExitResult {
    fn from(e: procwright::ExitInfo) -> Self {
        ExitResult {
            exit_code: e.exit_code,
            signal: e.signal,
            status: e.status.as_str(),
        }
    }
}

#[pymethods]
impl ExitResult {
    fn __repr__(&self) -> String {
        format!(
            "<ExitResult status={:?} exit_code={} signal={}>",
            Q(self.status),
            self.exit_code.map_or("None".into(), |c| c.to_string()),
            self.signal.map_or("None".into(), |s| format!("{:?}", Q(s)))
        )
    }
}

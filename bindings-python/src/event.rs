//! Log events and the async iterator over them.

use crate::convert::datetime;
use crate::process::{preview, Q};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::PyDateTime;
use std::sync::Arc;
use tokio::sync::Mutex;

/// One event: `type` is `"stdout"`, `"stderr"`, `"truncated"` or `"exit"` (always last).
#[pyclass(frozen, module = "procwright")]
pub struct LogEvent {
    inner: procwright::LogEvent,
}

#[pymethods]
impl LogEvent {
    /// `"stdout"`, `"stderr"`, `"truncated"` or `"exit"`.
    #[getter]
    fn r#type(&self) -> &'static str {
        self.inner.kind.as_str()
    }

    /// The output (empty for exit).
    #[getter]
    fn data(&self) -> &str {
        &self.inner.data
    }

    /// The process it belongs to.
    #[getter]
    fn process_id(&self) -> &str {
        &self.inner.process_id
    }

    /// When it was read (aware, UTC).
    #[getter]
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.inner.timestamp)
    }

    /// For exit: the exit code.
    #[getter]
    fn exit_code(&self) -> Option<i32> {
        self.inner.exit_code
    }

    /// The cursor just after this event's data: `since=` this resumes after it.
    #[getter]
    fn cursor(&self) -> u64 {
        self.inner.cursor
    }

    /// For truncated: how many bytes the log limit dropped here.
    #[getter]
    fn dropped(&self) -> Option<u64> {
        self.inner.dropped
    }

    /// The event as JSON: `{"type", "data", "processId", "timestamp", "cursor",
    /// "exitCode"?, "dropped"?}`.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The event as one SSE frame: `id: <cursor>\ndata: <json>\n\n`.
    fn to_sse(&self) -> String {
        self.inner.to_sse()
    }

    fn __repr__(&self) -> String {
        let mut s = format!(
            "<LogEvent type={:?} process_id={:?}",
            Q(self.inner.kind.as_str()),
            Q(&self.inner.process_id)
        );
        match (self.inner.exit_code, self.inner.dropped) {
            (Some(c), _) => s += &format!(" exit_code={c}>"),
            (_, Some(d)) => s += &format!(" dropped={d}>"),
            _ => s += &format!(" data={}>", preview(&self.inner.data)),
        }
        s
    }
}

/// The log events of one process, for `async for`. Awaiting it gives itself, so
/// `stream = await sandbox.stream_process_logs(id)` reads as in the seed documents.
#[pyclass(frozen, module = "procwright")]
pub struct LogStream {
    process_id: String,
    inner: Arc<Mutex<procwright::LogStream>>,
}

impl LogStream {
    pub fn new(stream: procwright::LogStream) -> Self {
        LogStream {
            process_id: stream.process_id().to_owned(),
            inner: Arc::new(Mutex::new(stream)),
        }
    }
}

#[pymethods]
impl LogStream {
    /// The process these events belong to.
    #[getter]
    fn process_id(&self) -> &str {
        &self.process_id
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        crate::future::spawn_now(py, async move {
            match inner.lock().await.next().await {
                Some(inner) => Ok(LogEvent { inner }),
                None => Err(PyStopAsyncIteration::new_err(())),
            }
        })
    }

    fn __await__(slf: Py<Self>) -> Ready {
        Ready(Some(slf.into_any()))
    }

    fn __repr__(&self) -> String {
        format!("<LogStream process_id={:?}>", Q(&self.process_id))
    }
}

/// An awaitable that is already done, with a value.
#[pyclass(module = "procwright")]
pub struct Ready(Option<Py<PyAny>>);

#[pymethods]
impl Ready {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<()> {
        let value = self.0.take().unwrap_or_else(|| py.None());
        Err(PyStopIteration::new_err((value,)))
    }
}

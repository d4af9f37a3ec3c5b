//! Python callbacks as a core `ProcessObserver`.
//!
//! The core calls observers on runtime threads. Each call is queued, without the GIL, on
//! the queue of the loop that started the process (see `future.rs`) and runs on that
//! loop's thread. Because the core calls `on_output` before a line is kept and `on_exit`
//! before waiters wake, a callback always runs before the wait result it precedes
//! reaches the awaiting task. On the loop, `procwright._callbacks.run` calls it,
//! schedules a coroutine as a task, and reports exceptions through the loop's exception
//! handler; the process is never affected.

use crate::future::LoopQueue;
use crate::process::Process;
use procwright::{Error, ProcessObserver, StreamKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use std::sync::{Arc, OnceLock};

fn runner(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static RUN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RUN.get_or_try_init(py, || {
        Ok(py.import("procwright._callbacks")?.getattr("run")?.unbind())
    })
    .map(|f| f.bind(py))
}

/// The callbacks given to `start_process` or `exec`.
pub struct Callbacks {
    pub on_start: Option<Py<PyAny>>,
    pub on_output: Option<Py<PyAny>>,
    pub on_exit: Option<Py<PyAny>>,
    pub on_error: Option<Py<PyAny>>,
}

impl Callbacks {
    pub fn is_empty(&self) -> bool {
        self.on_start.is_none()
            && self.on_output.is_none()
            && self.on_exit.is_none()
            && self.on_error.is_none()
    }
}

/// Adapts [`Callbacks`] to the core's observer. The call is made to the core when the
/// method is called, but the loop is known only once the coroutine is awaited: it is
/// bound then, before the core's future first runs and so before any callback.
#[derive(Clone)]
pub struct PyObserver {
    callbacks: Arc<Callbacks>,
    queue: Arc<OnceLock<Arc<LoopQueue>>>,
}

impl PyObserver {
    /// An observer whose loop is not bound yet.
    pub fn new(callbacks: Callbacks) -> Self {
        PyObserver {
            callbacks: Arc::new(callbacks),
            queue: Arc::default(),
        }
    }

    /// Binds the callbacks to the running loop: the one awaiting the call.
    pub fn bind_running_loop(&self, py: Python<'_>) -> PyResult<()> {
        let (_, queue) = crate::future::running_queue(py)?;
        let _ = self.queue.set(queue);
        Ok(())
    }

    fn schedule<F>(&self, pick: fn(&Callbacks) -> &Option<Py<PyAny>>, name: &'static str, args: F)
    where
        F: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>> + Send + 'static,
    {
        if pick(&self.callbacks).is_none() {
            return;
        }
        // Unbound only if the coroutine was never awaited, and then the core never runs.
        let Some(queue) = self.queue.get() else {
            return;
        };
        let cbs = self.callbacks.clone();
        queue.post(Box::new(move |py| {
            let Some(cb) = pick(&cbs) else { return };
            let called = args(py).and_then(|args| runner(py)?.call1((cb.bind(py), name, args)));
            if let Err(e) = called {
                e.write_unraisable(py, Some(cb.bind(py)));
            }
        }));
    }
}

impl ProcessObserver for PyObserver {
    fn on_start(&self, process: &procwright::Process) {
        let p = process.clone();
        self.schedule(
            |c| &c.on_start,
            "on_start",
            move |py| PyTuple::new(py, [Py::new(py, Process::from(p))?]),
        );
    }

    fn on_output(&self, stream: StreamKind, data: &str) {
        let data = data.to_owned();
        self.schedule(
            |c| &c.on_output,
            "on_output",
            move |py| {
                PyTuple::new(
                    py,
                    [
                        stream.as_str().into_pyobject(py)?.into_any(),
                        data.into_pyobject(py)?.into_any(),
                    ],
                )
            },
        );
    }

    fn on_exit(&self, exit_code: Option<i32>) {
        self.schedule(
            |c| &c.on_exit,
            "on_exit",
            move |py| PyTuple::new(py, [exit_code.into_pyobject(py)?]),
        );
    }

    fn on_error(&self, error: &Error) {
        let error = error.clone();
        self.schedule(
            |c| &c.on_error,
            "on_error",
            move |py| PyTuple::new(py, [crate::error::instance(py, error)?]),
        );
    }
}

//! Rust futures as Python coroutines, and the bridge from runtime threads to a loop.
//!
//! Runtime threads never touch Python. What they have for a loop (a future's result, a
//! process callback) is queued as a job on that loop's [`LoopQueue`], and one byte on a
//! socket pair wakes the loop, whose reader runs the jobs on the loop's thread in order.
//! (A runtime thread that took the GIL to call `loop.call_soon_threadsafe` could be
//! preempted inside it and then be killed by the interpreter's shutdown while unwinding
//! Rust frames; this design has no such thread.)
//!
//! Every async method returns a real coroutine (so `asyncio.create_task` and
//! `inspect.iscoroutine` work as with `async def`). Arguments are checked when the method
//! is called; the Rust future starts when the coroutine is first awaited. Cancelling the
//! awaited future (task cancel, `asyncio.wait_for` timeout) aborts the runtime task,
//! which drops the Rust future, so a pending wait ends in the core too. The GIL is never
//! held while a future runs.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyCFunction;
use pyo3::IntoPyObjectExt;
use std::collections::VecDeque;
use std::future::Future;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Work for a loop's thread, posted from any thread.
pub type Job = Box<dyn for<'py> FnOnce(Python<'py>) + Send>;

/// The jobs waiting for one event loop, and the socket pair that wakes it.
pub struct LoopQueue {
    jobs: Mutex<VecDeque<Job>>,
    woken: AtomicBool,
    tx: UnixStream,
    rx: UnixStream,
}

impl LoopQueue {
    /// Queues `job` to run on the loop's thread; never blocks and never takes the GIL.
    pub fn post(&self, job: Job) {
        self.jobs.lock().unwrap().push_back(job);
        if !self.woken.swap(true, Ordering::SeqCst) {
            // A full socket buffer means the loop has a wake-up pending already.
            let _ = (&self.tx).write(&[1]);
        }
    }

    fn drain(&self, py: Python<'_>) {
        // Consume the wake-ups, then re-arm, then take the jobs: a job posted after the
        // re-arm writes a new byte, and one posted before it is taken below.
        let mut buf = [0u8; 256];
        loop {
            match (&self.rx).read(&mut buf) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        self.woken.store(false, Ordering::SeqCst);
        loop {
            let job = self.jobs.lock().unwrap().pop_front();
            match job {
                Some(job) => job(py),
                None => break,
            }
        }
    }
}

/// The loop's reader: runs the queued jobs.
#[pyclass(frozen)]
struct Drain(Arc<LoopQueue>);

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        self.0.drain(py);
    }
}

/// Keeps a loop's queue alive for as long as the loop is.
#[pyclass(frozen)]
struct QueueHandle(Arc<LoopQueue>);

/// The queue of `event_loop`, made and registered with `add_reader` on first use.
pub fn queue_for(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<LoopQueue>> {
    static QUEUES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let queues = QUEUES
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()?
                .unbind())
        })?
        .bind(py);
    if let Ok(h) = queues
        .call_method1("get", (event_loop,))?
        .cast::<QueueHandle>()
    {
        return Ok(h.get().0.clone());
    }
    let (tx, rx) = UnixStream::pair()?;
    tx.set_nonblocking(true)?;
    rx.set_nonblocking(true)?;
    let queue = Arc::new(LoopQueue {
        jobs: Mutex::new(VecDeque::new()),
        woken: AtomicBool::new(false),
        tx,
        rx,
    });
    event_loop.call_method1("add_reader", (queue.rx.as_raw_fd(), Drain(queue.clone())))?;
    queues.set_item(event_loop, QueueHandle(queue.clone()))?;
    Ok(queue)
}

/// The running loop of this thread and its queue.
pub fn running_queue<'py>(py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Arc<LoopQueue>)> {
    let event_loop = pyo3_async_runtimes::get_running_loop(py)?;
    let queue = queue_for(py, &event_loop)?;
    Ok((event_loop, queue))
}

fn awaiting(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static F: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    F.get_or_try_init(py, || {
        Ok(py
            .import("procwright._callbacks")?
            .getattr("awaiting")?
            .unbind())
    })
    .map(|f| f.bind(py))
}

/// The result of a coroutine that returns nothing: Python's `None` (a Rust `()` would
/// arrive as an empty tuple).
pub struct Nothing;

impl<'py> IntoPyObject<'py> for Nothing {
    type Target = pyo3::types::PyNone;
    type Output = Borrowed<'py, 'py, pyo3::types::PyNone>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(pyo3::types::PyNone::get(py))
    }
}

/// A coroutine that runs `fut` on the runtime when awaited, and returns its result.
pub fn spawn<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    spawn_with(py, move |_| Ok(fut))
}

/// A coroutine that, when first awaited, calls `prepare` on the loop's thread (to take
/// what only exists there, such as the running loop) and then runs the future it makes.
pub fn spawn_with<'py, P, F, T>(py: Python<'py>, prepare: P) -> PyResult<Bound<'py, PyAny>>
where
    P: for<'a> FnOnce(Python<'a>) -> PyResult<F> + Send + 'static,
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let slot = Mutex::new(Some(prepare));
    let start = PyCFunction::new_closure(py, Some(c"start"), None, move |args, _kwargs| {
        let py = args.py();
        let prepare = slot
            .lock()
            .unwrap()
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("cannot reuse already awaited coroutine"))?;
        let fut = prepare(py)?;
        spawn_now(py, fut).map(Bound::unbind)
    })?;
    awaiting(py)?.call1((start,))
}

/// An `asyncio.Future` of the running loop for `fut`, started now.
pub fn spawn_now<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    not_forked()?;
    let (event_loop, queue) = running_queue(py)?;
    let py_fut = event_loop.call_method0("create_future")?;
    let target: Py<PyAny> = py_fut.clone().unbind();
    let task = pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
        let result = fut.await;
        let post = queue.clone();
        post.post(Box::new(move |py| settle(py, target.bind(py), result)));
    });
    py_fut.call_method1("add_done_callback", (Canceller(task.abort_handle()),))?;
    Ok(py_fut)
}

/// Sets the future's result or exception, unless it was cancelled meanwhile.
fn settle<T>(py: Python<'_>, fut: &Bound<'_, PyAny>, result: PyResult<T>)
where
    T: for<'a> IntoPyObject<'a>,
{
    let done = fut
        .call_method0("done")
        .and_then(|d| d.is_truthy())
        .unwrap_or(true);
    if done {
        return;
    }
    let outcome = match result.and_then(|v| v.into_py_any(py)) {
        Ok(value) => fut.call_method1("set_result", (value,)),
        Err(e) => fut.call_method1("set_exception", (e.into_value(py),)),
    };
    if let Err(e) = outcome {
        e.write_unraisable(py, Some(fut));
    }
}

/// Aborts the runtime task (dropping its future) when the Python future is cancelled.
#[pyclass(frozen)]
struct Canceller(tokio::task::AbortHandle);

#[pymethods]
impl Canceller {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.0.abort();
        }
        Ok(())
    }
}

/// Fails fast, instead of hanging, in a forked child.
fn not_forked() -> PyResult<()> {
    if crate::forked() {
        return Err(PyRuntimeError::new_err(
            "procwright cannot run in a process forked from the one that loaded it \
             (its runtime threads do not exist there); use multiprocessing's \"spawn\" \
             or \"forkserver\" start method",
        ));
    }
    Ok(())
}

/// A coroutine for a result known now (what the handle already has): awaiting it
/// returns the value, or raises the error, without a trip through the runtime.
pub fn ready<'py, T>(py: Python<'py>, result: PyResult<T>) -> PyResult<Bound<'py, PyAny>>
where
    T: IntoPyObject<'py>,
{
    static READY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static FAILED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let load = |name: &'static str| {
        move || -> PyResult<Py<PyAny>> {
            Ok(py.import("procwright._callbacks")?.getattr(name)?.unbind())
        }
    };
    match result.and_then(|v| v.into_py_any(py)) {
        Ok(value) => READY
            .get_or_try_init(py, load("ready"))?
            .bind(py)
            .call1((value,)),
        Err(e) => FAILED
            .get_or_try_init(py, load("failed"))?
            .bind(py)
            .call1((e.into_value(py),)),
    }
}

//! Rust futures as Python coroutines on the one shared tokio runtime.
//!
//! Every async method returns a real coroutine (so `asyncio.create_task` and
//! `inspect.iscoroutine` work as with `async def`). Arguments are checked when the method
//! is called; the Rust future starts when the coroutine is first awaited. It resolves an
//! `asyncio.Future` made by `future_into_py`; cancelling that future (task cancel,
//! `asyncio.wait_for` timeout) drops the Rust future, so a pending wait ends in the core
//! too. The GIL is not held while the future runs.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyCFunction;
use std::future::Future;
use std::sync::Mutex;

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

/// A coroutine that runs `fut` on the runtime when awaited, and returns its result.
pub fn spawn<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let slot = Mutex::new(Some(fut));
    let start = PyCFunction::new_closure(py, Some(c"start"), None, move |args, _kwargs| {
        let py = args.py();
        not_forked()?;
        let fut = slot.lock().unwrap().take().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("cannot reuse already awaited coroutine")
        })?;
        pyo3_async_runtimes::tokio::future_into_py(py, fut).map(Bound::unbind)
    })?;
    awaiting(py)?.call1((start,))
}

/// An `asyncio.Future` for `fut`, started now (for `__anext__` and `__aexit__`, which
/// are awaited at once).
pub fn spawn_now<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    not_forked()?;
    pyo3_async_runtimes::tokio::future_into_py(py, fut)
}

/// Fails fast, instead of hanging, in a forked child.
fn not_forked() -> PyResult<()> {
    if crate::forked() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "procwright cannot run in a process forked from the one that loaded it \
             (its runtime threads do not exist there); use multiprocessing's \"spawn\" \
             or \"forkserver\" start method",
        ));
    }
    Ok(())
}

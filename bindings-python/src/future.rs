//! Rust futures as Python awaitables on the one shared tokio runtime.
//!
//! `future_into_py` resolves an `asyncio.Future` of the running loop; cancelling that
//! future (task cancel, `asyncio.wait_for` timeout) drops the Rust future, so a pending
//! wait ends in the core too. The GIL is not held while the future runs.

use pyo3::prelude::*;
use std::future::Future;

/// Runs `fut` on the runtime and returns an awaitable for its result.
pub fn spawn<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, fut)
}

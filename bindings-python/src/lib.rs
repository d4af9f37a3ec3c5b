//! `procwright._native`: the Python binding of the procwright core. It converts types,
//! errors and callbacks; all behaviour stays in the core. The public package is the
//! Python layer in `bindings-python/python/procwright`.
//!
//! Files mirror the core's modules: `sandbox.rs`, `session.rs`, `process.rs`,
//! `event.rs`, `exec.rs`, `pattern.rs`, `error.rs`, plus `convert.rs` (Python values),
//! `observer.rs` (callbacks) and `future.rs` (awaitables).

mod convert;
mod error;
mod event;
mod exec;
mod future;
mod observer;
mod pattern;
mod process;
mod sandbox;
mod session;

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The process that loaded the module: the runtime's threads and the records of running
/// children exist only there.
static LOADED_IN: OnceLock<u32> = OnceLock::new();

/// True in a child forked from the process that loaded the module. Such a child has
/// copies of the records but not the runtime, and must never signal the parent's
/// processes (at exit, or when its copies of sandboxes are collected).
pub(crate) fn forked() -> bool {
    LOADED_IN
        .get()
        .is_some_and(|pid| *pid != std::process::id())
}

/// Set by the `atexit` hook: from then on a collected sandbox is killed inline, so that
/// the kill completes before the process exits.
pub(crate) static EXITING: AtomicBool = AtomicBool::new(false);

/// The `atexit` hook: marks the interpreter as exiting, then kills everything.
#[pyfunction]
fn _at_exit(py: Python<'_>) -> PyResult<()> {
    EXITING.store(true, Ordering::SeqCst);
    shutdown_all(py, None)
}

/// Kills every process of every live sandbox (SIGTERM, then SIGKILL after `grace`
/// seconds); the package registers it with `atexit`.
#[pyfunction]
#[pyo3(signature = (grace = None))]
fn shutdown_all(py: Python<'_>, grace: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let grace = convert::seconds("grace", grace)?.unwrap_or(std::time::Duration::from_secs(2));
    if forked() {
        return Ok(());
    }
    py.detach(|| procwright::shutdown_all(grace));
    Ok(())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    LOADED_IN.get_or_init(std::process::id);
    m.add_class::<sandbox::ProcessScope>()?;
    m.add_class::<sandbox::Sandbox>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<process::Process>()?;
    m.add_class::<process::Logs>()?;
    m.add_class::<process::LogMatch>()?;
    m.add_class::<process::ExitResult>()?;
    m.add_class::<event::LogEvent>()?;
    m.add_class::<event::LogStream>()?;
    m.add_class::<exec::ExecResult>()?;
    m.add_function(wrap_pyfunction!(sandbox::get_sandbox, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown_all, m)?)?;
    m.add_function(wrap_pyfunction!(_at_exit, m)?)?;
    m.add("DEFAULT_LOG_LIMIT", procwright::DEFAULT_LOG_LIMIT)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

//! `procwright._native`: the Python binding of the procwright core. It converts types,
//! errors and callbacks; all behaviour stays in the core. The public package is the
//! Python layer in `bindings-python/python/procwright`.
//!
//! One file per core type: `scope.rs` (`ProcessScope`), `sandbox.rs`, `session.rs`,
//! `process.rs`, `logs.rs`, `wait.rs` (`LogMatch`), `status.rs` (`ExitResult`),
//! `event.rs`, `exec.rs`, `pattern.rs`, `error.rs`; plus `convert.rs` (Python values),
//! `observer.rs` (callbacks) and `future.rs` (awaitables).

mod cli;
mod convert;
mod error;
mod event;
mod exec;
mod future;
mod logs;
mod observer;
mod pattern;
mod ports;
mod process;
mod sandbox;
mod scope;
mod session;
mod status;
mod wait;

use convert::{Grace, Seconds};
use pyo3::prelude::*;
use std::sync::OnceLock;

/// The process that loaded the module: the runtime's threads exist only there.
static LOADED_IN: OnceLock<u32> = OnceLock::new();

/// True in a child forked from the process that loaded the module: it has no runtime
/// threads, so calls fail fast there instead of hanging.
pub(crate) fn forked() -> bool {
    LOADED_IN
        .get()
        .is_some_and(|pid| *pid != std::process::id())
}

/// How long processes get after SIGTERM at interpreter exit before SIGKILL.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The `atexit` hook: kills everything (the core skips it in a forked child).
#[pyfunction]
fn _at_exit(py: Python<'_>) {
    py.detach(|| procwright::shutdown_all(EXIT_GRACE));
}

/// Kills every process of every live sandbox (SIGTERM, then SIGKILL after `grace`
/// seconds, default 2).
#[pyfunction]
#[pyo3(signature = (grace = None))]
fn shutdown_all(py: Python<'_>, grace: Option<Seconds<Grace>>) {
    let grace = grace.map_or(EXIT_GRACE, |g| g.0);
    py.detach(|| procwright::shutdown_all(grace));
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    LOADED_IN.get_or_init(std::process::id);
    m.add_class::<scope::ProcessScope>()?;
    m.add_class::<sandbox::Sandbox>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<process::Process>()?;
    m.add_class::<logs::Logs>()?;
    m.add_class::<wait::LogMatch>()?;
    m.add_class::<status::ExitResult>()?;
    m.add_class::<event::LogEvent>()?;
    m.add_class::<event::LogStream>()?;
    m.add_class::<exec::ExecResult>()?;
    m.add_class::<ports::ListeningPort>()?;
    m.add_class::<ports::PortReady>()?;
    m.add_function(wrap_pyfunction!(sandbox::get_sandbox, m)?)?;
    m.add_function(wrap_pyfunction!(shutdown_all, m)?)?;
    m.add_function(wrap_pyfunction!(cli::cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(_at_exit, m)?)?;
    m.add("DEFAULT_LOG_LIMIT", procwright::DEFAULT_LOG_LIMIT)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

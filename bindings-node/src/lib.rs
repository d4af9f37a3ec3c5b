//! Node.js bindings for procwright (napi-rs). One file per core type (`scope.rs`,
//! `sandbox.rs`, `session.rs`, `process.rs`, `logs.rs`, `status.rs`, `port.rs`,
//! `event.rs`, `exec.rs`, `pattern.rs`, `wait.rs`, `error.rs`): each converts arguments, results,
//! errors and callbacks; behaviour stays in the core.
//!
//! The native classes are wrapped by the thin TypeScript layer in `bindings-node/ts/`,
//! which adds the exported error classes, `ReadableStream`s and async iterators.

#![deny(clippy::all)]

mod cancel;
pub mod cli;
mod convert;
mod error;
mod event;
mod exec;
mod logs;
mod observer;
mod pattern;
mod port;
mod process;
mod sandbox;
mod scope;
mod session;
mod status;
mod wait;

use napi_derive::napi;

/// How long processes get after SIGTERM at Node's exit before SIGKILL.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Kills every process of every live sandbox (SIGTERM, then SIGKILL after
/// `graceMs`). The JavaScript layer calls it from `process.on('exit')`.
#[napi]
pub fn shutdown_all(grace_ms: Option<f64>) -> napi::Result<()> {
    let grace = match grace_ms {
        Some(ms) => procwright::duration::from_millis_f64("grace", ms)
            .map_err(|e| napi::Error::new(napi::Status::InvalidArg, e.message))?,
        None => EXIT_GRACE,
    };
    procwright::shutdown_all(grace);
    Ok(())
}

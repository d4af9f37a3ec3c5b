//! SIGINT and SIGTERM, taken over once, before a command prints anything.
//!
//! A signal sent as soon as a command says it is ready (a caller that waits for `serve`'s
//! "listening on" line, then stops it) must find the command's handler in place: before
//! it, the default action would kill the command without its cleanup, and under the npm
//! `bin` Node's listener would only take note, so the command would never stop.

use tokio::signal::unix::{signal, Signal, SignalKind};

/// The two signals that stop a command.
pub struct Stop {
    /// SIGINT (Ctrl-C).
    pub interrupt: Signal,
    /// SIGTERM.
    pub terminate: Signal,
}

impl Stop {
    /// Installs the handlers; from here on both signals are queued for the command.
    pub fn take() -> std::io::Result<Stop> {
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }
}

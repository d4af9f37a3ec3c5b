//! procwright: start background processes, keep their output, and wait until they
//! are ready. One async (tokio) core behind the Python and Node packages.
//!
//! ```no_run
//! # async fn demo() -> procwright::Result<()> {
//! use procwright::{Pattern, PortWaitOptions, ProcessOptions, Sandbox, SandboxOptions, Signal};
//! use std::time::Duration;
//!
//! let sandbox = Sandbox::new(SandboxOptions::default())?;
//! let server = sandbox.start_process("python3 -m http.server 8000", ProcessOptions::default()).await?;
//! server.wait_for_log(&Pattern::substring("Serving HTTP")?, Some(Duration::from_secs(10))).await?;
//! server.wait_for_port(8000, &PortWaitOptions::default()).await?;
//! server.kill(Signal::TERM, Duration::from_secs(5)).await?;
//! # Ok(()) }
//! ```

mod command;
mod dialect;
pub mod duration;
mod error;
mod event;
mod exec;
pub mod files;
mod group;
pub mod input;
mod lifecycle;
mod lines;
mod listening;
mod logfile;
mod logs;
mod matcher;
mod ownership;
mod pattern;
mod port;
mod process;
mod proctree;
mod pty;
mod reader;
mod reaper;
mod records;
mod registry;
mod restart;
mod sandbox;
mod scope;
mod session;
mod shell;
mod signal;
mod sockets;
mod spawn;
mod start;
mod status;
mod stdin;
mod tree;
mod turns;
mod wait;
mod watchdog;

pub use command::{Command, EnvChanges};
pub use error::{Error, ErrorCode, Result};
pub use event::{LogEvent, LogEventKind, LogStream, LogStreamOptions};
pub use exec::{ExecOptions, ExecResult, OutputCallback, DEFAULT_MAX_BUFFER};
pub use listening::{IpFamily, ListeningPort};
pub use logfile::ROTATE_AT;
pub use logs::{LogQuery, Logs, StreamKind};
#[doc(hidden)]
pub use matcher::busy_jobs;
pub use ownership::Ownership;
pub use pattern::{Grep, Pattern, PatternMatch, RegexFlags};
pub use port::{PortMode, PortWaitOptions, StatusRange, DEFAULT_PORT_INTERVAL};
pub use process::{Process, ProcessObserver, DEFAULT_KILL_TIMEOUT};
pub use pty::PtySize;
pub use registry::{get_sandbox, shutdown_all};
pub use restart::{Backoff, RestartMode, RestartPolicy, RestartSpec};
pub use sandbox::{
    Pending, ProcessOptions, Sandbox, SandboxOptions, DEFAULT_LOG_LIMIT, DROP_GRACE,
};
pub use scope::Scope;
pub use session::{Session, SessionOptions};
pub use signal::Signal;
pub use status::{ExitInfo, ProcessStatus};
pub use stdin::StdinMode;
pub use tree::{host_tag, TAG_VAR};
pub use wait::{LogMatch, LogSince, LogWaitOptions};

/// Runs the README's Rust quick start, so it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeQuickStart;

/// Runs the Rust blocks of the guides as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guides/dev-server-in-tests.md")]
struct DevServerGuideDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/guides/build-pipeline.md")]
struct BuildPipelineGuideDoctests;

//! The structured results of the tools that return data (`structuredContent`, with the
//! schemas that `tools/list` gives as `outputSchema`). The text content says the same
//! for clients that read text.

use super::render;
use procwright::{Process, ProcessStatus};
use schemars::JsonSchema;
use serde::Serialize;
use std::time::SystemTime;

/// Longest command a result carries.
const MAX_COMMAND: usize = 1000;

/// A process as the tools report it.
#[derive(Serialize, JsonSchema)]
#[schemars(inline)]
pub struct ProcessData {
    /// Its id.
    pub process_id: String,
    /// starting, running, restarting, completed, failed, killed or error.
    pub status: String,
    /// While it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Once it has exited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended it, e.g. SIGTERM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// The command as started (its first 1 000 characters).
    pub command: String,
    /// How long it has run (or ran), in milliseconds.
    pub running_ms: u64,
    /// How often it was restarted.
    pub restarts: u32,
}

impl ProcessData {
    /// What `p` is now.
    pub fn of(p: &Process) -> ProcessData {
        let until = p.end_time().unwrap_or_else(SystemTime::now);
        let ran = until.duration_since(p.start_time()).unwrap_or_default();
        let running = matches!(
            p.status(),
            ProcessStatus::Running | ProcessStatus::Restarting
        );
        ProcessData {
            process_id: p.id().to_owned(),
            status: p.status().to_string(),
            pid: p.pid().filter(|_| running),
            exit_code: p.exit_code(),
            signal: p.signal().map(str::to_owned),
            // A command of megabytes (one that failed to start, say) must not make every
            // listing that large.
            command: p.command().chars().take(MAX_COMMAND).collect(),
            running_ms: ran.as_millis().try_into().unwrap_or(u64::MAX),
            restarts: p.restarts(),
        }
    }
}

/// `list_processes`.
#[derive(Serialize, JsonSchema)]
pub struct ProcessList {
    /// Every process, oldest first.
    pub processes: Vec<ProcessData>,
}

/// A line of output that matched, and the cursor just after it.
#[derive(Serialize, JsonSchema)]
#[schemars(inline)]
pub struct LineData {
    /// The line, without its line end.
    pub line: String,
    /// Just after the line: `since` from here reads what follows it.
    pub cursor: u64,
}

/// A process and the output of it that the result shows.
#[derive(Serialize, JsonSchema)]
pub struct Report {
    /// The process.
    pub process: ProcessData,
    /// The output shown (stdout and stderr in read order), within 8 KiB and 200 lines.
    pub output: String,
    /// Where the next read continues (`read_logs` with `since`).
    pub cursor: u64,
    /// With `grep`: the matching lines of the output read, with their cursors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<LineData>>,
    /// For `send_input`: what ended the wait: "pattern", "quiet", "exit" or "timeout".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What ended a wait: `wait_for_log`, `wait_for_port`, `wait_for_exit`, `wait_for`.
#[derive(Serialize, JsonSchema)]
pub struct Fired {
    /// The process, as it is after the wait.
    pub process: ProcessData,
    /// Which condition held: "log", "port" or "exit".
    pub fired: String,
    /// For "log": the matching line and its stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// For "log": stdout or stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// For "log": the cursor just after the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<u64>,
    /// For "port": the port that accepts connections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Bytes of output not yet read (read_logs shows them).
    pub unread_bytes: u64,
}

/// `exec`.
#[derive(Serialize, JsonSchema)]
pub struct ExecData {
    /// The command's exit code (-1 if a signal ended it).
    pub exit_code: i32,
    /// The newest stdout within 8 KiB and 200 lines.
    pub stdout: String,
    /// The newest stderr within 8 KiB and 200 lines.
    pub stderr: String,
    /// Bytes of stdout not shown.
    pub stdout_hidden: u64,
    /// Bytes of stderr not shown.
    pub stderr_hidden: u64,
    /// How long it ran, in milliseconds.
    pub duration_ms: u64,
}

impl ExecData {
    /// The result of an exec, cut as the text is.
    pub fn of(r: &procwright::ExecResult) -> ExecData {
        let (stdout, stdout_hidden) = render::newest_part(&r.stdout, r.stdout_dropped);
        let (stderr, stderr_hidden) = render::newest_part(&r.stderr, r.stderr_dropped);
        ExecData {
            exit_code: r.exit_code,
            stdout: stdout.to_owned(),
            stderr: stderr.to_owned(),
            stdout_hidden,
            stderr_hidden,
            duration_ms: r.duration.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }
}

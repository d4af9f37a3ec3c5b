//! The tools: their parameters (whose doc comments are the schema a model reads), their
//! annotations, and thin handlers that turn an operation's result into a tool result.
//!
//! Annotations: every tool is `openWorldHint: false` (it acts on this machine's
//! processes only). Tools that only look are `readOnlyHint`; `kill_process` is
//! `destructiveHint`, and so are `start_process` and `exec`, which run any command;
//! writing to stdin is neither.

use super::data::{ExecData, Fired, ProcessList, Report};
use super::render::respond;
use super::schema::output;
use super::Server;
use procwright::Command;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::HashMap;

/// What to run.
#[derive(Deserialize, JsonSchema)]
// Inline: some clients do not follow `$ref` in tool schemas.
#[schemars(inline)]
#[serde(
    untagged,
    expecting = "command must be a string (run by the shell) or an array of strings (argv)"
)]
pub enum CommandArg {
    /// A shell command line, run by the shell.
    Shell(String),
    /// The program and its arguments, run without a shell.
    Argv(Vec<String>),
}

impl From<CommandArg> for Command {
    fn from(c: CommandArg) -> Command {
        match c {
            CommandArg::Shell(s) => Command::Shell(s),
            CommandArg::Argv(v) => Command::Argv(v),
        }
    }
}

/// Parameters of `start_process`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartArgs {
    /// A string is run by the shell; an array is the argv, run without a shell.
    pub command: CommandArg,
    /// Working directory.
    pub cwd: Option<String>,
    /// Environment variables to set (null removes one).
    pub env: Option<HashMap<String, Option<String>>>,
    /// The id to give it; by default a unique `proc_…` id.
    pub process_id: Option<String>,
    /// true: stdin is a pipe that write_stdin and send_input write to (otherwise
    /// /dev/null).
    pub stdin: Option<bool>,
    /// Wait up to this many milliseconds for its first output and return it (default 0:
    /// return at once).
    pub wait_ms: Option<u64>,
}

/// Parameters naming one process.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessArgs {
    /// The id start_process returned.
    pub process_id: String,
}

/// Parameters of `read_logs`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadLogsArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// Read from this cursor, oldest first (pages forward). Without it, read what the
    /// last read left unread, newest kept.
    pub since: Option<u64>,
    /// Only the last this many lines (of all kept output, or after `since`).
    pub tail: Option<usize>,
    /// A regex: only the lines that match it, each with the cursor just after it.
    pub grep: Option<String>,
}

/// Parameters of `wait_for_log`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitLogArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// Text a line must contain (or a regex, with `regex: true`).
    pub pattern: String,
    /// Treat `pattern` as a regular expression.
    pub regex: Option<bool>,
    /// Give up after this many milliseconds (default 30000, at most 600000).
    pub timeout_ms: Option<u64>,
}

/// Parameters of `wait_for_port`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitPortArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// The TCP port to wait for; without it, any port the process tree listens on.
    pub port: Option<u16>,
    /// Give up after this many milliseconds (default 30000, at most 600000).
    pub timeout_ms: Option<u64>,
}

/// Parameters of `wait_for_exit`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitExitArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// Give up after this many milliseconds (default 30000, at most 600000).
    pub timeout_ms: Option<u64>,
}

/// Parameters of `wait_for`: at least one condition; the first that holds ends it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// A line of output contains this text (or matches it, with `regex: true`).
    pub log: Option<String>,
    /// Treat `log` as a regular expression.
    pub regex: Option<bool>,
    /// This TCP port accepts connections; 0: any port the process tree listens on.
    pub port: Option<u16>,
    /// The process ends.
    pub exit: Option<bool>,
    /// Give up after this many milliseconds (default 30000, at most 600000).
    pub timeout_ms: Option<u64>,
}

/// Parameters of `write_stdin`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteArgs {
    /// A process started with `stdin: true`.
    pub process_id: String,
    /// The text to write; include "\n" to end a line.
    pub data: String,
}

/// Parameters of `send_input`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInputArgs {
    /// A process started with `stdin: true` (a REPL, a database shell…).
    pub process_id: String,
    /// The text to write; include "\n" to end a line.
    pub data: String,
    /// Wait until a line of the new output contains this text (or matches it, with
    /// `regex: true`), e.g. the next prompt. Without it, wait until the output goes
    /// quiet. The first turn should wait for the process to be ready first (wait_ms at
    /// start, or wait_for_log of its prompt), or its first prompt may match.
    pub until: Option<String>,
    /// Treat `until` as a regular expression.
    pub regex: Option<bool>,
    /// Without `until`: the output is done when nothing came for this many
    /// milliseconds (default 500), counted from the write and from each output.
    pub quiet_ms: Option<u64>,
    /// Give up waiting after this many milliseconds (default 30000, at most 600000).
    pub timeout_ms: Option<u64>,
}

/// Parameters of `kill_process`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KillArgs {
    /// The id start_process returned.
    pub process_id: String,
    /// e.g. "SIGTERM" (default), "INT", "9"; SIGKILL follows after 5 s if it lingers.
    pub signal: Option<String>,
}

/// Parameters of `exec`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecArgs {
    /// A string is run by the shell; an array is the argv, run without a shell.
    pub command: CommandArg,
    /// Working directory.
    pub cwd: Option<String>,
    /// Environment variables to set (null removes one).
    pub env: Option<HashMap<String, Option<String>>>,
    /// Written to the command's stdin, which is then closed (otherwise /dev/null).
    pub input: Option<String>,
    /// Kill it after this many milliseconds (default 120000, at most 600000):
    /// COMMAND_TIMEOUT.
    pub timeout_ms: Option<u64>,
}

#[tool_router(vis = "pub(super)")]
impl Server {
    #[tool(
        description = "Start a background process (dev server, watcher…); returns its id at once, or with its first output when wait_ms is given. Then use wait_for_log/wait_for_port/wait_for, read_logs.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn start_process(
        &self,
        Parameters(a): Parameters<StartArgs>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        respond(self.start(a).await.map(|(p, answer)| {
            self.notify_exit(p, context.peer);
            answer
        }))
    }

    #[tool(
        description = "One status line per process: id, state, pid or exit code, command.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<ProcessList>()
    )]
    async fn list_processes(&self) -> CallToolResult {
        respond(Ok(self.list()))
    }

    #[tool(
        description = "A process's status line and the output printed since the last read.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn get_process(&self, Parameters(a): Parameters<ProcessArgs>) -> CallToolResult {
        respond(self.get(a).await)
    }

    #[tool(
        description = "Output (stdout and stderr interleaved) not yet read, and the cursor to continue from; since= pages from a cursor; grep= keeps only matching lines.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn read_logs(&self, Parameters(a): Parameters<ReadLogsArgs>) -> CallToolResult {
        respond(self.read_logs_of(a).await)
    }

    #[tool(
        description = "Wait until a line of output contains the pattern (substring, or regex with regex=true); returns the line.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Fired>()
    )]
    async fn wait_for_log(&self, Parameters(a): Parameters<WaitLogArgs>) -> CallToolResult {
        respond(self.wait_log(a).await)
    }

    #[tool(
        description = "Wait until the process accepts TCP connections on the port (or, without port, listens on any); returns the port.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Fired>()
    )]
    async fn wait_for_port(&self, Parameters(a): Parameters<WaitPortArgs>) -> CallToolResult {
        respond(self.wait_port(a).await)
    }

    #[tool(
        description = "Wait until the process ends; returns its exit and the output not yet read.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn wait_for_exit(&self, Parameters(a): Parameters<WaitExitArgs>) -> CallToolResult {
        respond(self.wait_exit(a).await)
    }

    #[tool(
        description = "Wait for whichever comes first of a log line (log), a port (port, 0 for any) and the exit (exit=true); says which fired.",
        annotations(read_only_hint = true, open_world_hint = false),
        output_schema = output::<Fired>()
    )]
    async fn wait_for(&self, Parameters(a): Parameters<WaitArgs>) -> CallToolResult {
        respond(self.wait_any(a).await)
    }

    #[tool(
        description = "Write text to the stdin of a process started with stdin=true.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = false
        )
    )]
    async fn write_stdin(&self, Parameters(a): Parameters<WriteArgs>) -> CallToolResult {
        respond(self.write(a).await)
    }

    #[tool(
        description = "Close the stdin of a process started with stdin=true: it reads end of file (e.g. wc, cat, a REPL that exits on EOF).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn close_stdin(&self, Parameters(a): Parameters<ProcessArgs>) -> CallToolResult {
        respond(self.close_input(a).await)
    }

    #[tool(
        description = "One REPL turn (python3 -i, psql, node): write text to stdin, then wait for a pattern (until=) or for the output to go quiet, and return the output that came.",
        annotations(read_only_hint = false, destructive_hint = false, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn send_input(&self, Parameters(a): Parameters<SendInputArgs>) -> CallToolResult {
        respond(self.send(a).await)
    }

    #[tool(
        description = "Signal a process and everything it started (default SIGTERM, then SIGKILL after 5 s); returns its end.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = true, open_world_hint = false),
        output_schema = output::<Report>()
    )]
    async fn kill_process(&self, Parameters(a): Parameters<KillArgs>) -> CallToolResult {
        respond(self.kill(a).await)
    }

    #[tool(
        description = "Run a command to completion (tests, builds); returns exit code, stdout and stderr.",
        annotations(read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = false),
        output_schema = output::<ExecData>()
    )]
    async fn exec(&self, Parameters(a): Parameters<ExecArgs>) -> CallToolResult {
        respond(self.run(a).await)
    }
}

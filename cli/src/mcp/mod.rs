//! `procwright mcp`: the library's process operations as Model Context Protocol tools
//! over stdio, for agents.
//!
//! stdout carries the protocol and nothing else; diagnostics go to stderr.

mod data;
mod handshake;
mod notify;
mod ops;
mod output;
mod render;
mod schema;
mod tools;

use procwright::{Sandbox, SandboxOptions};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
#[allow(deprecated)] // MCP logging: see notify.rs
use rmcp::model::SetLevelRequestParams;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, Implementation, ServerCapabilities,
    ServerInfo,
};
use rmcp::service::RequestContext;
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::AtomicU8;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::signal::unix::Signal as UnixSignal;

/// What the server tells a model about using its tools.
const INSTRUCTIONS: &str = "\
Runs and watches background processes (dev servers, watchers, databases, REPLs) and one-off \
commands. start_process returns at once with an id (with wait_ms, also its first output); then \
wait_for_log, wait_for_port or wait_for (log, port or exit, whichever comes first) until it is \
ready. read_logs returns only output not shown before (stdout and stderr interleaved), newest \
kept, with a cursor; since=<cursor> pages forward from a cursor; grep= keeps matching lines. \
get_process, wait_for_exit and kill_process also show the output not shown before. For a \
process started with stdin=true: send_input writes and returns the reply (one REPL turn), \
write_stdin writes, close_stdin ends its input. exec runs a command to completion (tests, \
builds). Waits give up after 30 s unless timeout_ms says otherwise (at most 10 min); the \
process keeps running. A failed call's text starts with an error code, e.g. PROCESS_NOT_FOUND, \
PROCESS_READY_TIMEOUT, PROCESS_EXITED_BEFORE_READY, COMMAND_TIMEOUT, INVALID_ARGUMENT. When a \
process ends, a log message says so. Every process is killed when this server ends.";

/// Options of `procwright mcp`.
#[derive(clap::Args, Debug)]
pub struct McpArgs {
    /// Ended processes that stay listed, with their output; older ones are forgotten
    /// (PROCESS_NOT_FOUND), so a long session's memory stays bounded.
    #[arg(long, default_value_t = 64)]
    pub keep_ended: usize,
}

/// Bytes of output each process keeps per stream: a result shows 8 KiB at most, and
/// paging back by cursor reaches this far.
const LOG_LIMIT: usize = 1024 * 1024;

/// The MCP server: one sandbox for every process, and the read cursor of each.
#[derive(Clone)]
pub struct Server {
    sandbox: Sandbox,
    /// Ended processes kept (see [`McpArgs::keep_ended`]).
    keep_ended: usize,
    /// Per process id, where the next `read_logs` without a cursor starts.
    cursors: Arc<Mutex<HashMap<String, u64>>>,
    /// The least severe level of log message the client wants (`logging/setLevel`).
    log_level: Arc<AtomicU8>,
    tool_router: ToolRouter<Server>,
}

impl Server {
    fn new(sandbox: Sandbox, keep_ended: usize) -> Server {
        let mut tool_router = Server::tool_router();
        schema::standardize_router(&mut tool_router);
        Server {
            sandbox,
            keep_ended,
            cursors: Arc::default(),
            log_level: Arc::new(AtomicU8::new(notify::DEFAULT_LEVEL)),
            tool_router,
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    #[allow(deprecated)] // MCP logging: see notify.rs
    fn get_info(&self) -> ServerInfo {
        ServerInfo::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_logging()
                .build(),
        )
        .with_server_info(Implementation::new("procwright", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = ToolCallContext::new(self, request, context);
        self.tool_router.call(call).await.map(coded)
    }

    #[allow(deprecated)] // MCP logging: see notify.rs
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.set_log_level(request.level);
        Ok(())
    }
}

/// Arguments that do not fit a tool's schema come back from rmcp as a tool error in its
/// own words; they get the code every other bad input has.
fn coded(result: CallToolResult) -> CallToolResult {
    let text = result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone());
    match text {
        Some(t) if result.is_error == Some(true) && t.starts_with("failed to deserialize") => {
            CallToolResult::error(vec![ContentBlock::text(format!("INVALID_ARGUMENT: {t}"))])
        }
        _ => result,
    }
}

/// Serves MCP on stdin/stdout until the client closes it or SIGTERM/SIGINT; every
/// process started is killed before it returns. Returns the exit code.
pub async fn main(args: McpArgs, stop: crate::signals::Stop) -> u8 {
    let options = SandboxOptions {
        log_limit: Some(LOG_LIMIT),
        ..SandboxOptions::default()
    };
    let sandbox = match Sandbox::new(options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("procwright mcp: {e}");
            return 1;
        }
    };
    let crate::signals::Stop {
        interrupt: mut int,
        terminate: mut term,
    } = stop;
    let code = tokio::select! {
        code = serve(sandbox.clone(), args.keep_ended) => code,
        name = stopped(&mut term, &mut int) => {
            eprintln!("procwright mcp: {name}: stopping every process");
            0
        }
    };
    sandbox.destroy().await;
    code
}

/// Serves until the client goes; 0 then, 1 if the connection failed.
async fn serve(sandbox: Sandbox, keep_ended: usize) -> u8 {
    let transport = handshake::Handshake::new(AsyncRwTransport::new_server(
        stdin_pipe(),
        tokio::io::stdout(),
    ));
    let running = match Server::new(sandbox, keep_ended).serve(transport).await {
        Ok(r) => r,
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => return 0,
        Err(e) => {
            eprintln!("procwright mcp: {e}");
            return 1;
        }
    };
    match running.waiting().await {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("procwright mcp: {e}");
            1
        }
    }
}

/// stdin, read on a thread of its own. tokio's stdin reads on its blocking pool, and a
/// runtime waits for those reads when it shuts down: after a signal, with the client
/// still connected, the command would never exit.
fn stdin_pipe() -> tokio::io::DuplexStream {
    let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
    let runtime = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0; 64 * 1024];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            if runtime.block_on(theirs.write_all(&buf[..n])).is_err() {
                break;
            }
        }
        // Dropping our end is the end of file the server sees.
    });
    ours
}

async fn stopped(term: &mut UnixSignal, int: &mut UnixSignal) -> &'static str {
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

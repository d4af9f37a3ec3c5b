//! `procwright mcp`: the library's process operations as Model Context Protocol tools
//! over stdio, for agents.

/// Serves MCP on stdin/stdout until the client closes it; returns the exit code.
pub async fn main() -> u8 {
    eprintln!("procwright mcp: not built yet");
    1
}

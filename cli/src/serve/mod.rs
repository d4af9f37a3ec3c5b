//! `procwright serve`: the REST API over the core (sandboxes, processes, logs, waits,
//! ports, files), with bearer tokens and roles.

use std::path::PathBuf;

/// Options of `procwright serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// Folder that holds one workspace per sandbox.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// TOML file of accepted tokens (SHA-256 digests) and their roles.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Most processes one sandbox may hold (running or ended); 429 past it.
    #[arg(long, default_value_t = 256)]
    pub max_processes: usize,
}

/// Serves until SIGTERM or SIGINT; returns the exit code.
pub async fn main(_args: ServeArgs) -> u8 {
    eprintln!("procwright serve: not built yet");
    1
}

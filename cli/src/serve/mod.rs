//! `procwright serve`: the REST API over the core (sandboxes, processes, logs, waits,
//! ports, files, previews), with bearer tokens and roles.

mod auth;
mod body;
mod error;
mod files;
mod follow;
mod guard;
mod preview;
mod processes;
mod router;
mod sandboxes;
mod state;
mod workspace;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Exit code for bad options (as clap's usage errors).
const USAGE: u8 = 2;

/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of `procwright serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// Folder that holds one workspace per sandbox (default: a new temporary folder).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// TOML file of accepted tokens (SHA-256 digests) and their roles; required to
    /// listen beyond loopback.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Most running processes (and running execs) per sandbox; 429 past it.
    #[arg(long, default_value_t = 256)]
    pub max_processes: usize,
    /// Ended processes per sandbox that keep their output in memory for events and
    /// waits; older ones keep their record and log file (410 OUTPUT_EXPIRED for those).
    #[arg(long, default_value_t = 128)]
    pub keep_ended: usize,
    /// Most process records per sandbox; past it the oldest ended ones are dropped,
    /// log files too.
    #[arg(long, default_value_t = 10_000)]
    pub max_records: usize,
    /// Largest file a `PUT …/files/…` may write, in bytes (413 past it); file bodies are
    /// streamed to disk, never held in memory.
    #[arg(long, default_value_t = 1 << 30)]
    pub max_file_bytes: u64,
    /// Also answer to this `Host` name (repeatable), e.g. behind a reverse proxy;
    /// without --tokens only localhost, 127.0.0.1 and [::1] are answered.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Let web pages of this origin (`http://host:port`, repeatable) call the API:
    /// preflights are answered and responses carry CORS headers. None by default;
    /// a request from any other origin is refused (403).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origin: Vec<String>,
}

/// Serves until SIGTERM or SIGINT, then kills every process of every sandbox; returns
/// the exit code.
pub async fn main(args: ServeArgs, stop: crate::signals::Stop) -> u8 {
    let tokens = match &args.tokens {
        None => None,
        Some(path) => match auth::Tokens::load(path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("procwright serve: {e}");
                return USAGE;
            }
        },
    };
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host(&args.listen).await {
        Ok(a) => a.collect(),
        Err(e) => {
            eprintln!("procwright serve: cannot listen on {:?}: {e}", args.listen);
            return USAGE;
        }
    };
    if tokens.is_none() && !addrs.iter().all(|a| a.ip().is_loopback()) {
        eprintln!(
            "procwright serve: refusing to listen on {} without --tokens: anyone who can \
             reach it could run commands. Give --tokens FILE, or listen on 127.0.0.1.",
            args.listen
        );
        return USAGE;
    }
    if let Some(bad) = args.cors_origin.iter().find(|o| !is_origin(o)) {
        eprintln!(
            "procwright serve: --cors-origin {bad:?} is not an origin: give scheme://host[:port], \
             e.g. http://localhost:3000"
        );
        return USAGE;
    }
    if let Some(bad) = args
        .allow_host
        .iter()
        .find(|h| h.contains(['/', ' ']) || guard::host_name(h).is_none())
    {
        eprintln!("procwright serve: --allow-host {bad:?} is not a host name");
        return USAGE;
    }
    if args.max_processes == 0 {
        eprintln!("procwright serve: --max-processes must be at least 1");
        return USAGE;
    }
    if args.max_records < args.max_processes {
        eprintln!("procwright serve: --max-records must be at least --max-processes");
        return USAGE;
    }
    let listener = match tokio::net::TcpListener::bind(addrs.as_slice()).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("procwright serve: cannot listen on {}: {e}", args.listen);
            return 1;
        }
    };
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let root = args.root.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("procwright-serve-{}", std::process::id()))
    });
    let limits = state::Limits {
        max_processes: args.max_processes,
        keep_ended: args.keep_ended,
        max_records: args.max_records,
        max_file_bytes: args.max_file_bytes,
    };
    let guard = guard::Guard::new(tokens, &addrs, &args.allow_host, &args.cors_origin);
    let app = match state::App::new(root, guard, limits, local.clone()) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("procwright serve: cannot use the root folder: {e}");
            return 1;
        }
    };
    eprintln!(
        "procwright serve: listening on http://{local} (workspaces in {})",
        app.root.display()
    );
    let router = router::router(app.clone());
    let crate::signals::Stop {
        mut interrupt,
        mut terminate,
    } = stop;
    loop {
        let stream = tokio::select! {
            r = listener.accept() => r,
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        };
        let stream = match stream {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of descriptors, say: back off rather than spin.
                eprintln!("procwright serve: accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
    drop(listener);
    let all = app.all();
    eprintln!(
        "procwright serve: stopping; killing the processes of {} sandboxes",
        all.len()
    );
    let mut kills = tokio::task::JoinSet::new();
    for sbx in all {
        let app = app.clone();
        kills.spawn(async move { app.destroy(&sbx).await });
    }
    while kills.join_next().await.is_some() {}
    eprintln!("procwright serve: stopped");
    0
}

/// Whether `text` is a web origin: `http://` or `https://`, a host, maybe a port, no path.
fn is_origin(text: &str) -> bool {
    let text = text.trim_end_matches('/');
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', ' ', '?', '#']))
}

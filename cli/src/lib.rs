//! `procwright`: start a stack of services from a service file, wait until each is
//! ready, and stop it cleanly (`up`), or run a command against it (`run`). The binary,
//! the Python console script and the npm `bin` all call [`run`].

mod config;
mod graph;
mod mcp;
mod prefix;
mod serve;
mod signals;
mod stack;
mod terminal;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Start background processes, know when they are ready, stop them cleanly.
#[derive(Parser)]
#[command(name = "procwright", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the services of a service file in dependency order; Ctrl-C stops them.
    Up {
        /// The service file.
        #[arg(short = 'f', long = "file", default_value = "procwright.toml")]
        file: PathBuf,
    },
    /// Start the services, wait until each is ready, run CMD, stop everything, and exit
    /// with CMD's exit code.
    Run {
        /// The service file.
        #[arg(short = 'f', long = "file", default_value = "procwright.toml")]
        file: PathBuf,
        /// Print the services' output here instead of into a log file.
        #[arg(short, long)]
        verbose: bool,
        /// The command to run once every service is ready.
        #[arg(last = true, required = true)]
        cmd: Vec<String>,
    },
    /// Check a service file and print the start order, starting nothing.
    Check {
        /// The service file.
        #[arg(short = 'f', long = "file", default_value = "procwright.toml")]
        file: PathBuf,
    },
    /// Serve the REST API: sandboxes, their processes, logs, waits, ports and files.
    Serve(serve::ServeArgs),
    /// Speak the Model Context Protocol on stdin/stdout: process tools for agents.
    Mcp(mcp::McpArgs),
}

/// Exit code for a service file that does not check out (as usage errors).
const BAD_FILE: u8 = 2;

/// Runs the command line `args` (the program name first) and returns the exit code.
/// It owns the process meanwhile: it handles SIGINT and SIGTERM, and kills every
/// process the host started when it returns.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { BAD_FILE } else { 0 };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("procwright: cannot start a runtime: {e}");
            return 1;
        }
    };
    let code = runtime.block_on(async {
        let stop = match signals::Stop::take() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("procwright: cannot handle SIGINT and SIGTERM: {e}");
                return 1;
            }
        };
        match cli.command {
            Cmd::Check { file } => check(&file),
            Cmd::Up { file } => up(&file, stop).await,
            Cmd::Run { file, verbose, cmd } => run_with(&file, verbose, &cmd, stop).await,
            Cmd::Serve(args) => serve::main(args, stop).await,
            Cmd::Mcp(args) => mcp::main(args, stop).await,
        }
    });
    // Whatever is still running goes with the host (SIGTERM, then SIGKILL).
    procwright::shutdown_all(std::time::Duration::from_secs(2));
    code
}

fn load(file: &Path) -> Result<config::Config, u8> {
    config::load(file).map_err(|e| {
        eprintln!("procwright: {e}");
        BAD_FILE
    })
}

fn check(file: &Path) -> u8 {
    match load(file) {
        Ok(c) => {
            let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
            println!(
                "{}: {} services, start order: {}",
                file.display(),
                names.len(),
                names.join(", ")
            );
            0
        }
        Err(code) => code,
    }
}

async fn up(file: &Path, stop: signals::Stop) -> u8 {
    let config = match load(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let colour = prefix::colour_wanted(stdout.is_terminal());
    let sink: prefix::Sink = Arc::new(Mutex::new(Box::new(stdout)));
    let signals::Stop {
        mut interrupt,
        mut terminate,
    } = stop;
    let stack = tokio::select! {
        r = stack::start(&config, sink, colour) => r,
        _ = interrupt.recv() => { eprintln!("procwright: interrupted while starting"); return 130 }
        _ = terminate.recv() => return 143,
    };
    let stack = match stack {
        Ok(s) => s,
        Err((s, why)) => {
            eprintln!("procwright: {why}");
            eprintln!("procwright: stopping everything");
            s.stop(false).await;
            return 1;
        }
    };
    eprintln!(
        "procwright: all {} services are ready (Ctrl-C stops them)",
        config.services.len()
    );
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            (name, info) = stack.any_exit() => {
                eprintln!("procwright: {name} {}", stack::describe(&info));
                if stack.running() == 0 {
                    return if info.exit_code == Some(0) { 0 } else { 1 };
                }
            }
        }
    }
    eprintln!("procwright: stopping (Ctrl-C again kills at once)");
    tokio::select! {
        _ = stack.stop(false) => {}
        _ = interrupt.recv() => stack.stop(true).await,
    }
    0
}

async fn run_with(file: &Path, verbose: bool, cmd: &[String], stop: signals::Stop) -> u8 {
    let config = match load(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let colour = verbose && prefix::colour_wanted(std::io::stderr().is_terminal());
    let (sink, log): (prefix::Sink, Option<PathBuf>) = if verbose {
        (Arc::new(Mutex::new(Box::new(std::io::stderr()))), None)
    } else {
        let path = std::env::temp_dir().join(format!("procwright-run-{}.log", std::process::id()));
        match std::fs::File::create(&path) {
            Ok(f) => (Arc::new(Mutex::new(Box::new(f))), Some(path)),
            Err(e) => {
                eprintln!("procwright: cannot create {}: {e}", path.display());
                return 1;
            }
        }
    };
    if let Some(path) = &log {
        eprintln!("procwright: services' output goes to {}", path.display());
    }
    let signals::Stop {
        mut interrupt,
        mut terminate,
    } = stop;
    // A signal while the services start stops everything at once (what was started is
    // killed on the way out, as for any exit), as `up` does.
    let started = tokio::select! {
        r = stack::start(&config, sink, colour) => r,
        _ = interrupt.recv() => { eprintln!("procwright: interrupted while starting"); return 130 }
        _ = terminate.recv() => { eprintln!("procwright: terminated while starting"); return 143 }
    };
    let stack = match started {
        Ok(s) => s,
        Err((s, why)) => {
            eprintln!("procwright: {why}");
            s.stop(false).await;
            return 1;
        }
    };
    // Ctrl-C at the terminal reaches CMD too (same foreground group): CMD decides, and
    // the services are stopped once it has ended. SIGTERM to procwright alone is passed
    // on to CMD.
    let [stdin, stdout, stderr] = terminal::stdio();
    let status = match tokio::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        // Like the services, CMD and what it leaves behind end with this process,
        // however it ends (a SIGKILL too).
        .env(procwright::TAG_VAR, procwright::host_tag("run"))
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
    {
        Ok(mut child) => loop {
            tokio::select! {
                s = child.wait() => break s,
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {
                    if let Some(pid) = child.id().and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
                        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
                    }
                }
            }
        },
        Err(e) => Err(e),
    };
    stack.stop(false).await;
    match status {
        Ok(s) => match s.code() {
            Some(c) => u8::try_from(c).unwrap_or(1),
            // Ended by a signal: as a shell reports it.
            None => {
                use std::os::unix::process::ExitStatusExt;
                128u8.saturating_add(s.signal().unwrap_or(0) as u8)
            }
        },
        Err(e) => {
            eprintln!("procwright: cannot run {}: {e}", cmd[0]);
            127
        }
    }
}

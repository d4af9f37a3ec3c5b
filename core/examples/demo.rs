//! The main job: start a real HTTP server, wait for its log line and its port, fetch a
//! page, stream a few log events, and stop it, printing what happens.

use procwright::{
    LogEventKind, Pattern, PortWaitOptions, ProcessOptions, Sandbox, SandboxOptions, Signal,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = std::env::temp_dir().join(format!("procwright-demo-{}", std::process::id()));
    std::fs::create_dir_all(&site)?;
    std::fs::write(site.join("index.html"), "<h1>Hello from procwright</h1>\n")?;
    // Ask the OS for a free port so the demo never collides with something running.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();

    let sandbox = Sandbox::new(SandboxOptions {
        cwd: Some(site.clone()),
        ..Default::default()
    })?;
    let t0 = Instant::now();
    let command = format!("python3 -u -m http.server {port} --bind 127.0.0.1");
    let server = sandbox
        .start_process(
            command.as_str(),
            ProcessOptions {
                process_id: Some("web".into()),
                ..Default::default()
            },
        )
        .await?;
    let pid = server.pid().map_or("none".to_string(), |p| p.to_string());
    println!("started   {}, pid {pid}: {}", server.id(), server.command());

    let line = server
        .wait_for_log(
            &Pattern::substring("Serving HTTP")?,
            Some(Duration::from_secs(15)),
        )
        .await?;
    println!(
        "log line  \"{}\" on {}, {} after the start",
        line.line,
        line.stream.as_str(),
        seconds(t0.elapsed())
    );

    let ready = PortWaitOptions {
        timeout: Some(Duration::from_secs(15)),
        ..Default::default()
    };
    server.wait_for_port(port, &ready).await?;
    println!(
        "port      {port} answers HTTP (2xx/3xx), {} after the start",
        seconds(t0.elapsed())
    );

    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    conn.write_all(b"GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut page = String::new();
    conn.read_to_string(&mut page).await?;
    let status = page.lines().next().unwrap_or("");
    let body = page.split("\r\n\r\n").nth(1).unwrap_or("").trim();
    println!("fetched   {status}: {body}");

    let stopper = server.clone();
    tokio::spawn(async move {
        // Give the stream a moment to show the request log, then stop the server.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.kill(Signal::TERM, Duration::from_secs(5)).await
    });
    let mut events = server.stream_logs();
    let mut shown = 0;
    while let Some(event) = events.next().await {
        match event.kind {
            LogEventKind::Exit => {
                let code = event
                    .exit_code
                    .map_or("none".to_string(), |c| c.to_string());
                println!("event     exit, code {code}");
                break;
            }
            _ if shown < 5 => {
                shown += 1;
                println!(
                    "event     {}: {}",
                    event.kind.as_str(),
                    event.data.trim_end()
                );
            }
            _ => {}
        }
    }
    let exit = server.wait_for_exit(None).await?;
    println!(
        "stopped   {}, {} after the start",
        how_it_ended(&exit),
        seconds(t0.elapsed())
    );
    std::fs::remove_dir_all(&site)?;
    Ok(())
}

/// A duration as a person reads it: "0.42 s".
fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// How a process ended, in words: "killed by SIGTERM (exit code 143)".
fn how_it_ended(exit: &procwright::ExitInfo) -> String {
    let code = exit
        .exit_code
        .map_or(String::new(), |c| format!(" (exit code {c})"));
    match exit.signal {
        Some(signal) => format!("{} by {signal}{code}", exit.status),
        None => format!("{}{code}", exit.status),
    }
}

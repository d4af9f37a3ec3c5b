//! The Rust side of `benches/run.sh`: each subcommand runs one measurement of the
//! procwright core and prints one JSON object on stdout. `benches/run.py` calls it in
//! turn with the Python, Node and peer runners (A B A B …) and takes the medians.
//!
//! Latencies compare CLOCK_MONOTONIC read here with CLOCK_MONOTONIC printed by the
//! child (Python's `time.monotonic_ns()`), so both ends use the same clock.

use procwright::{
    Command, Pattern, PortMode, PortWaitOptions, ProcessOptions, RegexFlags, Sandbox,
    SandboxOptions, Signal,
};
use std::time::{Duration, Instant};

/// The child of the log-wait rows: sleeps `argv[1]` seconds, prints its monotonic clock.
const LOG_CHILD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/children/log_child.py");
/// The child of the port-wait rows: listens after a delay and prints when it accepts.
const PORT_CHILD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/children/port_child.py");

fn mono_ns() -> i128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as i128 * 1_000_000_000 + t.tv_nsec as i128
}

/// A small xorshift generator: the delays only need to be spread, not secure.
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        Rng((mono_ns() as u64) ^ (u64::from(std::process::id()) << 32) | 1)
    }
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn argv(parts: &[&str]) -> Command {
    Command::Argv(parts.iter().map(|s| s.to_string()).collect())
}

fn status_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn json_list(v: &[i128]) -> String {
    let items: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(","))
}

fn number_line() -> Pattern {
    Pattern::regex(r"^\d{6,}$", RegexFlags::default()).expect("a valid pattern")
}

async fn printed_time(p: &procwright::Process) -> i128 {
    let hit = p
        .wait_for_log(&number_line(), Some(Duration::from_secs(30)))
        .await
        .expect("the child prints its clock");
    hit.line.trim().parse().expect("a number")
}

type Res = Result<String, Box<dyn std::error::Error>>;

async fn throughput(bytes: u64) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let n = bytes.to_string();
    let t = Instant::now();
    let p = sb
        .start_process(argv(&["head", "-c", &n, "/dev/zero"]), Default::default())
        .await?;
    p.wait_for_exit(None).await?;
    let secs = t.elapsed().as_secs_f64();
    let logs = p.logs();
    let seen = logs.stdout.len() as u64 + logs.stdout_dropped;
    if seen != bytes {
        return Err(format!("captured {seen} of {bytes} bytes").into());
    }
    Ok(format!("{{\"secs\":{secs}}}"))
}

async fn spawn(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let opts = ProcessOptions {
        auto_cleanup: true,
        ..Default::default()
    };
    let t = Instant::now();
    for _ in 0..n {
        let p = sb.start_process(argv(&["true"]), opts.clone()).await?;
        p.wait_for_exit(None).await?;
    }
    Ok(format!("{{\"secs\":{}}}", t.elapsed().as_secs_f64()))
}

async fn logwait(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let pat = number_line();
    let mut rng = Rng::new();
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let delay = format!("{:.4}", 0.02 * rng.unit());
        let p = sb
            .start_process(
                argv(&["python3", "-S", LOG_CHILD, &delay]),
                ProcessOptions {
                    auto_cleanup: true,
                    ..Default::default()
                },
            )
            .await?;
        let hit = p.wait_for_log(&pat, Some(Duration::from_secs(30))).await?;
        let now = mono_ns();
        let printed: i128 = hit.line.trim().parse()?;
        lat.push(now - printed);
        p.wait_for_exit(None).await?;
    }
    Ok(format!("{{\"lat_ns\":{}}}", json_list(&lat)))
}

/// The floor under every log wait: a blocking read of the child's stdout pipe on this
/// thread, no runtime and no library; what the OS alone costs on this machine now.
fn logwait_floor(n: usize) -> Res {
    use std::io::BufRead;
    let mut rng = Rng::new();
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let delay = format!("{:.4}", 0.02 * rng.unit());
        let mut child = std::process::Command::new("python3")
            .args(["-S", LOG_CHILD, &delay])
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        let now = mono_ns();
        let printed: i128 = line.trim().parse()?;
        lat.push(now - printed);
        child.wait()?;
    }
    Ok(format!("{{\"lat_ns\":{}}}", json_list(&lat)))
}

/// Seed 003's approach: re-read the whole log every `interval` until the line is there.
async fn logpoll(n: usize, interval_ms: u64) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let mut rng = Rng::new();
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        // A server becomes ready at a time the poller cannot know: spread it over one interval.
        let delay = format!("{:.4}", interval_ms as f64 / 1000.0 * rng.unit());
        let p = sb
            .start_process(
                argv(&["python3", "-S", LOG_CHILD, &delay]),
                // The poller looks the record up by id, so it must outlive the exit.
                ProcessOptions::default(),
            )
            .await?;
        let line = loop {
            let logs = sb.get_process_logs(p.id())?;
            if let Some(l) = logs.stdout.lines().find(|l| l.len() >= 6) {
                break l.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        };
        let now = mono_ns();
        let printed: i128 = line.trim().parse()?;
        lat.push(now - printed);
        p.wait_for_exit(None).await?;
    }
    Ok(format!("{{\"lat_ns\":{}}}", json_list(&lat)))
}

async fn portwait(mode: &str, n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let mut rng = Rng::new();
    let opts = PortWaitOptions {
        mode: mode.parse::<PortMode>()?,
        timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    };
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let port = free_port();
        let delay = format!("{:.4}", 0.05 + 0.2 * rng.unit());
        let p = sb
            .start_process(
                argv(&["python3", "-S", PORT_CHILD, mode, &port.to_string(), &delay]),
                ProcessOptions {
                    auto_cleanup: true,
                    ..Default::default()
                },
            )
            .await?;
        p.wait_for_port(port, &opts).await?;
        let now = mono_ns();
        let opened = printed_time(&p).await;
        lat.push(now - opened);
        p.kill(Signal::KILL, Duration::from_secs(5)).await?;
    }
    Ok(format!("{{\"lat_ns\":{}}}", json_list(&lat)))
}

async fn scale(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    // Warm the runtime and the allocator with one process, so the delta is per process.
    let warm = sb
        .start_process(argv(&["true"]), Default::default())
        .await?;
    warm.wait_for_exit(None).await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let rss_before = status_kib("VmRSS:");
    let t = Instant::now();
    let mut procs = Vec::with_capacity(n);
    for _ in 0..n {
        procs.push(
            sb.start_process(argv(&["sleep", "300"]), Default::default())
                .await?,
        );
    }
    let start_s = t.elapsed().as_secs_f64();
    let rss_after = status_kib("VmRSS:");
    let t = Instant::now();
    let listed = sb
        .list_processes()
        .iter()
        .filter(|p| p.status().to_string() == "running")
        .count();
    let list_s = t.elapsed().as_secs_f64();
    drop(procs);
    let t = Instant::now();
    let killed = sb.kill_all_processes().await;
    let kill_s = t.elapsed().as_secs_f64();
    Ok(format!(
        "{{\"start_s\":{start_s},\"list_s\":{list_s},\"kill_s\":{kill_s},\"rss_before_kib\":{rss_before},\"rss_after_kib\":{rss_after},\"listed\":{listed},\"killed\":{killed}}}"
    ))
}

async fn membound(bytes: u64) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let rss_before = status_kib("VmRSS:");
    let p = sb
        .start_process(
            argv(&["head", "-c", &bytes.to_string(), "/dev/zero"]),
            Default::default(),
        )
        .await?;
    p.wait_for_exit(None).await?;
    // The peak before anything copies the kept 16 MiB out (as `logs()` would).
    let hwm = status_kib("VmHWM:");
    let kept = p.logs().stdout.len();
    Ok(format!(
        "{{\"hwm_kib\":{hwm},\"rss_before_kib\":{rss_before},\"kept\":{kept},\"limit\":{}}}",
        procwright::DEFAULT_LOG_LIMIT
    ))
}

async fn status(reads: usize, calls: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let p = sb
        .start_process(argv(&["sleep", "30"]), Default::default())
        .await?;
    let mut running = 0usize;
    let t = Instant::now();
    for _ in 0..reads {
        running += usize::from(!p.status().is_final());
    }
    let read_ns = t.elapsed().as_nanos() as f64 / reads as f64;
    let t = Instant::now();
    for _ in 0..calls {
        running += usize::from(!p.status().is_final());
    }
    let call_ns = t.elapsed().as_nanos() as f64 / calls as f64;
    p.kill(Signal::KILL, Duration::from_secs(5)).await?;
    Ok(format!(
        "{{\"status_ns\":{read_ns},\"get_status_ns\":{call_ns},\"running\":{running}}}"
    ))
}

/// Log-wait and kill latency, `n` of each, measured twice in one run: alone, then while
/// two other processes each have a pathological backtracking wait pending (`(?!x).*b`
/// on a 200 000-character line, the case that once stalled the runtime for 28 s).
async fn contention(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let measure = |sb: Sandbox| async move {
        let (mut wait_ns, mut kill_ns) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let p = sb
                .start_process("echo ready; sleep 30", ProcessOptions::default())
                .await?;
            let t = Instant::now();
            p.wait_for_log(&Pattern::substring("ready")?, Some(Duration::from_secs(30)))
                .await?;
            wait_ns.push(t.elapsed().as_nanos() as i128);
            let t = Instant::now();
            p.kill(Signal::TERM, Duration::from_secs(5)).await?;
            kill_ns.push(t.elapsed().as_nanos() as i128);
        }
        Ok::<_, Box<dyn std::error::Error>>((wait_ns, kill_ns))
    };
    let (base_wait, base_kill) = measure(sb.clone()).await?;
    let slow = Pattern::regex("(?!x).*b", RegexFlags::default())?;
    let mut pending = Vec::new();
    for _ in 0..2 {
        let p = sb
            .start_process(
                "python3 -c \"import sys; sys.stdout.write('a'*200000 + '\\n'); sys.stdout.flush()\"; sleep 60",
                ProcessOptions::default(),
            )
            .await?;
        p.wait_for_log(&Pattern::substring("aaaa")?, Some(Duration::from_secs(30)))
            .await?;
        let slow = slow.clone();
        // Retried for the whole measurement: each try times out after 1 s.
        pending.push(tokio::spawn(async move {
            loop {
                let _ = p.wait_for_log(&slow, Some(Duration::from_secs(1))).await;
            }
        }));
    }
    let (busy_wait, busy_kill) = measure(sb.clone()).await?;
    for t in pending {
        t.abort();
    }
    sb.destroy().await;
    Ok(format!(
        "{{\"base_wait_ns\":{},\"base_kill_ns\":{},\"busy_wait_ns\":{},\"busy_kill_ns\":{}}}",
        json_list(&base_wait),
        json_list(&base_kill),
        json_list(&busy_wait),
        json_list(&busy_kill)
    ))
}

/// Row 9: `session.exec("true")` (the persistent shell) against `sandbox.exec("true")`.
async fn session_exec(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let s = sb.create_session(procwright::SessionOptions::default())?;
    s.exec("true", procwright::ExecOptions::default()).await?; // the shell starts
    let t = Instant::now();
    for _ in 0..n {
        s.exec("true", procwright::ExecOptions::default()).await?;
    }
    let session = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    for _ in 0..n {
        sb.exec("true", procwright::ExecOptions::default()).await?;
    }
    let fresh = t.elapsed().as_secs_f64() / n as f64;
    Ok(format!(
        "{{\"session_secs\":{session},\"sandbox_secs\":{fresh}}}"
    ))
}

/// Row 10: `bytes` written to `cat`'s stdin and kept by the log store.
async fn stdin_throughput(bytes: u64) -> Res {
    let sb = Sandbox::new(SandboxOptions {
        log_limit: Some(1 << 20),
        ..Default::default()
    })?;
    let p = sb
        .start_process(
            argv(&["cat"]),
            ProcessOptions {
                stdin: Some(procwright::StdinMode::Pipe),
                ..Default::default()
            },
        )
        .await?;
    let chunk = vec![b'x'; 256 << 10];
    let t = Instant::now();
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        p.write(&chunk[..n]).await?;
        left -= n as u64;
    }
    p.close_stdin().await?;
    p.wait_for_exit(None).await?;
    let secs = t.elapsed().as_secs_f64();
    let logs = p.logs();
    let got = logs.stdout.len() as u64 + logs.stdout_dropped;
    if got != bytes {
        return Err(format!("cat gave back {got} of {bytes} bytes").into());
    }
    Ok(format!("{{\"secs\":{secs}}}"))
}

/// Row 11: on a terminal running `cat`, `write("x")` until the echoed `x` is seen.
async fn pty_echo(n: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let p = sb
        .start_process(
            argv(&["cat"]),
            ProcessOptions {
                pty: Some(procwright::PtySize::default()),
                ..Default::default()
            },
        )
        .await?;
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let mark = format!("k{i}z");
        let pat = Pattern::substring(mark.clone())?;
        let t = Instant::now();
        p.write(mark.as_bytes()).await?;
        p.wait_for_log(&pat, Some(Duration::from_secs(10))).await?;
        lat.push(t.elapsed().as_nanos() as i128);
        p.write(b"\n").await?;
    }
    p.kill(procwright::Signal::KILL, Duration::from_secs(1))
        .await?;
    Ok(format!("{{\"ns\":{}}}", json_list(&lat)))
}

/// Row 12: a tree of 40 grouped and 10 setsid'd sleeps: `kill` until none is left,
/// against `killpg` alone until the group is empty (which leaves the escapees).
async fn tree_kill(rounds: usize) -> Res {
    const TREE: &str = "i=0; while [ $i -lt 40 ]; do sleep 300 & i=$((i+1)); done; \
        i=0; while [ $i -lt 10 ]; do setsid sleep 300 & i=$((i+1)); done; sleep 0.2; echo ready; wait";
    let sb = Sandbox::new(SandboxOptions::default())?;
    let (mut ours, mut pg) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let p = sb.start_process(TREE, ProcessOptions::default()).await?;
        p.wait_for_log(&Pattern::substring("ready")?, Some(Duration::from_secs(30)))
            .await?;
        let t = Instant::now();
        p.kill(procwright::Signal::TERM, Duration::from_secs(5))
            .await?;
        ours.push(t.elapsed().as_nanos() as i128);

        let q = sb.start_process(TREE, ProcessOptions::default()).await?;
        q.wait_for_log(&Pattern::substring("ready")?, Some(Duration::from_secs(30)))
            .await?;
        let pgid = q.pid().unwrap_or(0);
        let raw = rustix::process::Pid::from_raw(pgid as i32).ok_or("no pid")?;
        let t = Instant::now();
        rustix::process::kill_process_group(raw, rustix::process::Signal::TERM)?;
        while rustix::process::test_kill_process_group(raw).is_ok() {
            // Zombies keep the group id taken until reaped; the leader is reaped by
            // procwright, the members by PID 1.
            let alive = std::fs::read_dir("/proc")?
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|st| {
                        let f: Vec<&str> = st
                            .rsplit(')')
                            .next()
                            .unwrap_or("")
                            .split_whitespace()
                            .collect();
                        f.first() != Some(&"Z") && f.get(2) == Some(&pgid.to_string().as_str())
                    })
                })
                .count();
            if alive == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        pg.push(t.elapsed().as_nanos() as i128);
        // The escapees killpg left behind: not timed.
        q.kill(procwright::Signal::KILL, Duration::from_secs(5))
            .await?;
    }
    Ok(format!(
        "{{\"kill_ns\":{},\"killpg_ns\":{}}}",
        json_list(&ours),
        json_list(&pg)
    ))
}

/// `get_logs({since})` asking for the newest 1 KiB of a process holding `kept` bytes:
/// a cursor read must cost the same whatever the ring holds.
async fn logs_since(kept: usize, reads: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    let mut out = Vec::new();
    for size in [64 * 1024, kept] {
        // 1 KiB lines until `size` bytes are kept, then idle.
        let p = sb
            .start_process(
                format!(
                    "head -c {size} /dev/zero | tr '\\0' 'x' | fold -w 1023; echo; echo done; sleep 300"
                )
                .as_str(),
                ProcessOptions::default(),
            )
            .await?;
        p.wait_for_log(&Pattern::substring("done")?, Some(Duration::from_secs(60)))
            .await?;
        let end = p.log_cursor();
        let query = procwright::LogQuery {
            since: Some(end - 1024),
            ..Default::default()
        };
        let mut ns = Vec::with_capacity(reads);
        for _ in 0..reads {
            let t = Instant::now();
            let logs = p.get_logs(&query)?;
            ns.push(t.elapsed().as_nanos() as i128);
            assert_eq!(logs.stdout.len(), 1024);
        }
        out.push((p.logs().stdout.len(), ns));
        p.kill(procwright::Signal::KILL, Duration::from_secs(5))
            .await?;
    }
    Ok(format!(
        "{{\"small_kept\":{},\"small_ns\":{},\"big_kept\":{},\"big_ns\":{}}}",
        out[0].0,
        json_list(&out[0].1),
        out[1].0,
        json_list(&out[1].1)
    ))
}

/// `wait_for_any_port` latency: from the child's `listen()` (it prints the wall clock
/// right after) to the wait resolving.
async fn anyport(rounds: usize) -> Res {
    const SERVER: &str = "python3 -c \"import socket,time,sys
time.sleep(0.3)
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()
print(time.time_ns(), flush=True)
time.sleep(300)\"";
    let sb = Sandbox::new(SandboxOptions::default())?;
    let mut ns = Vec::new();
    for _ in 0..rounds {
        let p = sb.start_process(SERVER, ProcessOptions::default()).await?;
        p.wait_for_any_port(&PortWaitOptions {
            timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        })
        .await?;
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos() as i128;
        let line = p
            .wait_for_log(
                &Pattern::regex(r"^\d+$", Default::default())?,
                Some(Duration::from_secs(30)),
            )
            .await?;
        let listened: i128 = line.line.trim().parse()?;
        ns.push(at - listened);
        p.kill(procwright::Signal::KILL, Duration::from_secs(5))
            .await?;
    }
    Ok(format!("{{\"latency_ns\":{}}}", json_list(&ns)))
}

/// `list_ports` over `n` running processes, a few of which listen.
async fn list_ports(n: usize, rounds: usize) -> Res {
    let sb = Sandbox::new(SandboxOptions::default())?;
    for i in 0..n {
        let cmd = if i % 50 == 0 {
            "exec python3 -c \"import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('up', flush=True); time.sleep(300)\""
        } else {
            "exec sleep 300"
        };
        let p = sb.start_process(cmd, ProcessOptions::default()).await?;
        if i % 50 == 0 {
            p.wait_for_log(&Pattern::substring("up")?, Some(Duration::from_secs(30)))
                .await?;
        }
    }
    let mut ns = Vec::new();
    let mut found = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        found = sb.list_ports().await.len();
        ns.push(t.elapsed().as_nanos() as i128);
    }
    sb.kill_all_processes().await;
    Ok(format!(
        "{{\"processes\":{n},\"ports\":{found},\"list_ns\":{}}}",
        json_list(&ns)
    ))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: u64| -> u64 { args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d) };
    let out = match args.first().map(String::as_str) {
        Some("throughput") => throughput(num(1, 1 << 30)).await,
        Some("spawn") => spawn(num(1, 500) as usize).await,
        Some("logwait") => logwait(num(1, 200) as usize).await,
        Some("logwait-floor") => logwait_floor(num(1, 200) as usize),
        Some("logpoll") => logpoll(num(1, 200) as usize, num(2, 500)).await,
        Some("portwait") => {
            let mode = args.get(1).cloned().unwrap_or_else(|| "http".into());
            portwait(&mode, num(2, 20) as usize).await
        }
        Some("scale") => scale(num(1, 1000) as usize).await,
        Some("membound") => membound(num(1, 2_000_000_000)).await,
        Some("status") => status(num(1, 100_000) as usize, num(2, 10_000) as usize).await,
        Some("contention") => contention(num(1, 50) as usize).await,
        Some("session-exec") => session_exec(num(1, 300) as usize).await,
        Some("stdin") => stdin_throughput(num(1, 1 << 30)).await,
        Some("pty-echo") => pty_echo(num(1, 200) as usize).await,
        Some("tree-kill") => tree_kill(num(1, 10) as usize).await,
        Some("logs-since") => logs_since(num(1, 16 << 20) as usize, num(2, 2000) as usize).await,
        Some("anyport") => anyport(num(1, 20) as usize).await,
        Some("list-ports") => list_ports(num(1, 200) as usize, num(2, 20) as usize).await,
        _ => Err("usage: procwright-bench throughput|spawn|logwait|logwait-floor|logpoll|portwait|scale|membound|status|contention|session-exec|stdin|pty-echo|tree-kill|logs-since|anyport|list-ports [args]".into()),
    };
    match out {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("procwright-bench: {e}");
            std::process::exit(1);
        }
    }
}

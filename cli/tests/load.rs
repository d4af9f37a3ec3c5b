//! 50 concurrent clients, 5 000 mixed requests (start, list, logs, wait, kill) against
//! one server: no 5xx, nothing left running, descriptors and memory bounded. Latencies
//! are printed and, with `PW_LOAD_JSON=<file>`, written for the bench table; nothing
//! here asserts a time.

mod common;

use common::{gone_within, request, Server};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const ROUNDS: usize = 20; // five requests a round: 50 x 20 x 5 = 5 000

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p / 100.0).round() as usize]
}

fn status_value(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

#[test]
fn fifty_clients_five_thousand_requests() {
    let s = Server::start("load", &[]);
    let sbx = s.sandbox();
    let marker = format!("pw-load-{}", std::process::id());
    let server_pid = s.child.id();
    let fds_before = open_fds(server_pid);
    let started = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let addr = s.addr.clone();
            let sbx = sbx.clone();
            let marker = marker.clone();
            std::thread::spawn(move || {
                let mut seen: Vec<(&'static str, u16, f64)> = Vec::new();
                let mut call = |name: &'static str, m: &str, p: &str, body: Option<&str>| {
                    let t = Instant::now();
                    let r = request(&addr, m, p, &[], body.map(str::as_bytes));
                    seen.push((name, r.status, t.elapsed().as_secs_f64() * 1e3));
                    r
                };
                let procs = format!("/v1/sandboxes/{sbx}/processes");
                for round in 0..ROUNDS {
                    let body = format!(
                        r#"{{"command": ["sh", "-c", "echo ready {c}-{round}; sleep 60 # {marker}"], "env": ["PW_MARK={marker}"]}}"#
                    );
                    let r = call("start", "POST", &procs, Some(&body));
                    assert_eq!(r.status, 201, "{}", r.text());
                    let id = r.json()["id"].as_str().unwrap().to_string();
                    call("list", "GET", &procs, None);
                    let wait = format!(r#"{{"log": "ready {c}-{round}", "timeout_ms": 60000}}"#);
                    let r = call("wait", "POST", &format!("{procs}/{id}/wait"), Some(&wait));
                    assert_eq!(r.status, 200, "{}", r.text());
                    let r = call("logs", "GET", &format!("{procs}/{id}/logs"), None);
                    assert!(r.text().contains(&format!("ready {c}-{round}")));
                    let r = call("kill", "DELETE", &format!("{procs}/{id}"), None);
                    assert_eq!(r.status, 204);
                }
                seen
            })
        })
        .collect();
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut total = 0;
    for h in handles {
        for (name, status, ms) in h.join().expect("a client failed") {
            assert!(status < 500, "{name} answered {status}");
            by.entry(name).or_default().push(ms);
            total += 1;
        }
    }
    let wall = started.elapsed();
    assert_eq!(total, CLIENTS * ROUNDS * 5);
    assert!(
        gone_within(&marker, 15).is_empty(),
        "a killed process is still running"
    );
    let rss_kib = status_value(server_pid, "VmRSS:");
    let fds_after = open_fds(server_pid);
    // Every process has ended and every connection closed: the descriptors are back to
    // what an idle server holds (a few more for the runtime's lazily made ones).
    assert!(
        fds_after <= fds_before + 8,
        "descriptors {fds_before} -> {fds_after}"
    );
    assert!(
        rss_kib < 256 * 1024,
        "server RSS {rss_kib} KiB after {total} requests"
    );

    let mut report = serde_json::Map::new();
    println!(
        "{total} requests from {CLIENTS} clients in {:.2} s; server RSS {} MiB",
        wall.as_secs_f64(),
        rss_kib / 1024
    );
    for (name, mut v) in by {
        v.sort_by(f64::total_cmp);
        let (p50, p99) = (percentile(&v, 50.0), percentile(&v, 99.0));
        println!(
            "  {name:6} n={:5} p50 {p50:8.2} ms  p99 {p99:8.2} ms",
            v.len()
        );
        report.insert(
            name.into(),
            serde_json::json!({"n": v.len(), "p50_ms": p50, "p99_ms": p99}),
        );
    }
    report.insert("rss_mib".into(), (rss_kib / 1024).into());
    report.insert("wall_s".into(), wall.as_secs_f64().into());
    report.insert("start_cost".into(), start_cost(&s, &sbx));
    if let Ok(path) = std::env::var("PW_LOAD_JSON") {
        std::fs::write(path, serde_json::Value::Object(report).to_string()).unwrap();
    }
}

/// One start at a time, over REST and through the library, 100 each: the median time
/// until the process runs (each is killed before the next start).
fn start_cost(s: &Server, sbx: &str) -> serde_json::Value {
    const N: usize = 100;
    let procs = format!("/v1/sandboxes/{sbx}/processes");
    let mut rest = Vec::new();
    for _ in 0..N {
        let t = Instant::now();
        let r = s.post(&procs, r#"{"command": ["sleep", "60"]}"#);
        rest.push(t.elapsed().as_secs_f64() * 1e3);
        let id = r.json()["id"].as_str().unwrap().to_string();
        s.delete(&format!("{procs}/{id}"));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lib: Vec<f64> = rt.block_on(async {
        let sandbox = procwright::Sandbox::new(procwright::SandboxOptions::default()).unwrap();
        let mut out = Vec::new();
        for _ in 0..N {
            let t = Instant::now();
            let p = sandbox
                .scope()
                .start_process(
                    vec!["sleep".to_string(), "60".to_string()],
                    Default::default(),
                )
                .await
                .unwrap();
            out.push(t.elapsed().as_secs_f64() * 1e3);
            p.kill(
                procwright::Signal::parse("SIGKILL").unwrap(),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        }
        out
    });
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(&v, 50.0)
    };
    let (r, l) = (med(rest), med(lib));
    println!("  start one process: REST p50 {r:.3} ms, library p50 {l:.3} ms");
    serde_json::json!({"rest_ms": r, "library_ms": l})
}

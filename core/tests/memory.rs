//! Bounded memory: 100 MB of output with a 1 MiB log limit. The only test in this binary,
//! so the RSS it reads is its own.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_megabytes_of_output_stays_within_the_log_limit() {
    let limit = 1024 * 1024;
    let sb = sandbox_with(SandboxOptions {
        log_limit: Some(limit),
        ..Default::default()
    });
    let total: u64 = 100_000_000;
    let rss_before = status_kb("VmRSS");
    // Nobody reads the logs while it runs: the child must still never block on a full pipe.
    let p = start(
        &sb,
        format!("head -c {total} /dev/zero; head -c {total} /dev/zero >&2; echo end"),
    )
    .await;
    let e = within(secs(60), "a 200 MB writer", p.wait_for_exit(None))
        .await
        .unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    let logs = p.logs();
    assert!(logs.stdout.len() <= limit, "kept {}", logs.stdout.len());
    assert!(logs.stderr.len() <= limit, "kept {}", logs.stderr.len());
    assert!(logs.stdout.ends_with("\0\0end\n"));
    assert!(!logs.stdout.is_empty() && !logs.stderr.is_empty());
    assert_eq!(logs.stdout.len() as u64 + logs.stdout_dropped, total + 4);
    assert_eq!(logs.stderr.len() as u64 + logs.stderr_dropped, total);
    let peak_growth_mb = status_kb("VmHWM").saturating_sub(rss_before) / 1024;
    let rss_growth_mb = status_kb("VmRSS").saturating_sub(rss_before) / 1024;
    eprintln!("peak RSS growth {peak_growth_mb} MB, RSS growth now {rss_growth_mb} MB");
    // Far below the 200 MB written: what is kept plus read buffers, never the stream.
    assert!(peak_growth_mb < 50, "peak RSS grew by {peak_growth_mb} MB");
    assert!(rss_growth_mb < 50, "RSS grew by {rss_growth_mb} MB");
    // A stream over it replays only what is kept, and ends.
    let mut s = p.stream_logs();
    let mut replayed = 0;
    while let Some(ev) = within(HANG, "next event", s.next()).await {
        replayed += ev.data.len();
    }
    assert!(replayed <= 2 * limit);
}

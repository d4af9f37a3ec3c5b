//! A hundred waits on one endless line cost no more memory than one: no wait keeps its
//! own copy of the unfinished line, and copies made for backtracking patterns are one
//! at a time per process. One test in this binary, run in phases, so the RSS is its own.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_waiters_on_an_endless_line_stay_within_the_log_limit() {
    plain_and_linear_patterns().await;
    backtracking_patterns().await;
}

/// Resets the peak RSS (VmHWM) to the current RSS.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

async fn backtracking_patterns() {
    // The default limit, 16 MiB, and a 16 MiB line with no newline: a hundred waits
    // with lookarounds, each of which needs the matcher pool and a copy of the line.
    let limit: u64 = 16 * 1024 * 1024;
    let sb = sandbox();
    let p = start(&sb, "head -c 16777216 /dev/zero | tr '\\0' a; sleep 30").await;
    reset_peak();
    let rss_before = status_kb("VmRSS");
    let waits: Vec<_> = (0..100)
        .map(|i| {
            let p = p.clone();
            let pattern = re(if i % 2 == 0 { "(?=a)zz" } else { "(?<=a)zz" });
            tokio::spawn(async move { p.wait_for_log(&pattern, Some(secs(120))).await })
        })
        .collect();
    within(secs(60), "16 MiB", async {
        loop {
            let logs = p.logs();
            if logs.stdout.len() as u64 + logs.stdout_dropped >= limit {
                break;
            }
            tokio::time::sleep(ms(50)).await;
        }
    })
    .await;
    // Long enough for every waiter to have had its turn at the whole line.
    tokio::time::sleep(secs(3)).await;
    let peak_mb = status_kb("VmHWM").saturating_sub(rss_before) / 1024;
    eprintln!("peak RSS growth {peak_mb} MB with 100 backtracking waiters, log limit 16 MiB");
    for w in &waits {
        assert!(!w.is_finished(), "a wait ended: nothing matches");
    }
    for w in waits {
        w.abort();
    }
    // The kept 16 MiB and one copy of the line for matching: two limits in all, whatever
    // the number of waiters (the old code grew by 391 MB: each wait held a batch of
    // reads; 100 copies would be 1.6 GB).
    // Measured 28-33 MiB; the bound leaves the runtime 8 MiB of its own.
    assert!(peak_mb <= 2 * 16 + 8, "peak RSS grew by {peak_mb} MB");
    sb.destroy().await;
}

async fn plain_and_linear_patterns() {
    let limit = 4 * 1024 * 1024;
    let sb = sandbox_with(SandboxOptions {
        log_limit: Some(limit),
        ..Default::default()
    });
    reset_peak();
    let rss_before = status_kb("VmRSS");
    let p = start(&sb, "head -c 30000000 /dev/zero | tr '\\0' a; sleep 30").await;
    let mut waits = Vec::new();
    for i in 0..100 {
        let p = p.clone();
        // Half substrings, half regexes: both kinds keep offsets only.
        let pattern = if i % 2 == 0 {
            sub("never")
        } else {
            re("nev(er)+")
        };
        waits.push(tokio::spawn(async move {
            p.wait_for_log(&pattern, Some(secs(60))).await
        }));
    }
    let end = within(secs(60), "30 MB", async {
        loop {
            let logs = p.logs();
            if logs.stdout.len() as u64 + logs.stdout_dropped >= 30_000_000 {
                break;
            }
            tokio::time::sleep(ms(50)).await;
        }
    });
    end.await;
    // Let the waits catch up with the end of the line.
    tokio::time::sleep(ms(500)).await;
    let peak_mb = status_kb("VmHWM").saturating_sub(rss_before) / 1024;
    eprintln!("peak RSS growth {peak_mb} MB with 100 waiters, log limit 4 MiB");
    for w in &waits {
        assert!(!w.is_finished(), "a wait ended: nothing matches");
    }
    for w in waits {
        w.abort();
    }
    // What is kept, transient test copies and read buffers; 100 copies would be 400 MB.
    assert!(peak_mb < 64, "peak RSS grew by {peak_mb} MB");
    sb.destroy().await;
}

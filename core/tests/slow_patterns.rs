//! A pathological backtracking pattern never stalls anyone else: its wait times out on
//! time, an unrelated exec and kill go through meanwhile, cancelling it frees the CPU,
//! and a line too long for it is skipped with a clear reason, not INVALID_PATTERN.

mod common;
use common::*;
use procwright::*;
use std::time::Instant;

/// Prints one line of `n` 'a's (no 'b', so `(?!x).*b` must try every start position).
fn long_line(n: usize) -> String {
    format!("python3 -c \"import sys; sys.stdout.write('a'*{n} + '\\n'); sys.stdout.flush()\"; sleep 30")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_pattern_times_out_on_time_and_stalls_nobody() {
    let sb = sandbox();
    let a = start(&sb, long_line(200_000)).await;
    let b = start(&sb, long_line(200_000)).await;
    for p in [&a, &b] {
        p.wait_for_log(&sub("aaaa"), Some(secs(30))).await.unwrap();
    }
    let slow = re("(?!x).*b");
    let began = Instant::now();
    let waits = [a.clone(), b.clone()].map(|p| {
        let slow = slow.clone();
        tokio::spawn(async move { p.wait_for_log(&slow, Some(secs(1))).await })
    });
    // Meanwhile, on the same runtime: an unrelated exec and a kill.
    let other = within(
        secs(5),
        "an unrelated exec",
        sb.exec("echo hi", Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(other.stdout, "hi\n");
    let victim = start(&sb, "sleep 30").await;
    within(
        secs(5),
        "an unrelated kill",
        victim.kill(Signal::TERM, secs(5)),
    )
    .await
    .unwrap();
    for w in waits {
        let e = within(secs(5), "the slow wait's timeout", w)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e}");
    }
    // It failed before the old code's 28 s; the bound is generous for a noisy machine.
    assert!(began.elapsed() < secs(5), "{:?}", began.elapsed());
    // The timed-out waits left no work running.
    assert!(
        eventually(secs(2), || busy_jobs() == 0).await,
        "matcher jobs still busy: {}",
        busy_jobs()
    );
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_slow_wait_stops_its_work() {
    let sb = sandbox();
    let p = start(&sb, long_line(200_000)).await;
    p.wait_for_log(&sub("aaaa"), Some(secs(30))).await.unwrap();
    let slow = re("(?!.*error).*ready");
    let task = {
        let p = p.clone();
        tokio::spawn(async move { p.wait_for_log(&slow, None).await })
    };
    assert!(eventually(secs(5), || busy_jobs() > 0).await);
    task.abort();
    assert!(
        eventually(secs(2), || busy_jobs() == 0).await,
        "cancelled work still running: {}",
        busy_jobs()
    );
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_too_long_for_a_lookbehind_is_skipped_and_later_lines_still_match() {
    let sb = sandbox();
    let p = start(
        &sb,
        "python3 -c \"import sys,time; sys.stdout.write('x'*1100000 + '\\n'); sys.stdout.flush(); time.sleep(0.5); print('yes ready', flush=True)\"; sleep 30",
    )
    .await;
    let m = within(
        secs(30),
        "a lookbehind wait",
        p.wait_for_log(&re("(?<=yes )ready"), Some(secs(20))),
    )
    .await
    .unwrap();
    assert_eq!(m.line, "yes ready");
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skipped_line_is_named_when_the_wait_fails() {
    let sb = sandbox();
    let p = start(&sb, long_line(1_100_000)).await;
    let e = within(
        secs(30),
        "a slow wait",
        p.wait_for_log(&re("(?<!z)a*b"), Some(secs(3))),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e}");
    assert!(e.message.contains("too long"), "{e}");
    assert!(e.message.contains("1100000 bytes"), "{e}");
    sb.destroy().await;
}

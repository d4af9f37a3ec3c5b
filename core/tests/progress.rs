//! Output redrawn with bare `\r` (progress bars, spinners) is read as a terminal shows
//! it: each `\r` ends a frame, kept output yields its newest matching frame, and a
//! pending wait on an endless spinner costs a flat, small share of the CPU.

mod common;
use common::*;
use procwright::*;
use std::time::{Duration, Instant};

const BAR: &str = r"printf 'progress 0%%\rprogress 10%%\rprogress 50%%\rprogress 100%%\rDone\r'";

/// The kept bar reads as a terminal shows it: `Done` is a line, 100 the latest value.
async fn assert_reads_the_last_frame(p: &Process) {
    let done = p.wait_for_log(&re("^Done$"), Some(secs(5))).await.unwrap();
    assert_eq!(done.line, "Done");
    let pct = p
        .wait_for_log(&re(r"progress (\d+)%"), Some(secs(5)))
        .await
        .unwrap();
    assert_eq!(pct.groups.unwrap()[1].as_deref(), Some("100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_progress_bar_matches_its_last_frame() {
    let sb = sandbox();
    let p = start(&sb, format!("{BAR}; sleep 30")).await;
    within(
        secs(10),
        "the bar",
        p.wait_for_log(&sub("Done"), Some(secs(10))),
    )
    .await
    .unwrap();
    assert_reads_the_last_frame(&p).await;
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_exit_the_bar_still_matches() {
    let sb = sandbox();
    let p = start(&sb, BAR).await;
    p.wait_for_exit(Some(secs(10))).await.unwrap();
    assert_reads_the_last_frame(&p).await;
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_wait_gets_the_first_frame_that_matches() {
    let sb = sandbox();
    let p = start(
        &sb,
        r"sleep 0.3; for i in 10 20 30; do printf 'progress %s%%\r' $i; sleep 0.1; done; sleep 30",
    )
    .await;
    let pct = p
        .wait_for_log(&re(r"progress (\d+)%"), Some(secs(10)))
        .await
        .unwrap();
    assert_eq!(pct.groups.unwrap()[1].as_deref(), Some("10"));
    sb.destroy().await;
}

/// CPU time (user + system) of this test process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinner_with_a_pending_wait_keeps_the_cpu_flat() {
    let sb = sandbox();
    // A frame every ~0.2 ms, as the spinner that drove the host to 100 % did.
    let p = start(
        &sb,
        "python3 -c \"import sys,time\nfor i in range(40000):\n  sys.stdout.write('spin %06d\\r' % i); sys.stdout.flush(); time.sleep(0.0002)\"",
    )
    .await;
    let wait = {
        let p = p.clone();
        tokio::spawn(async move { p.wait_for_log(&re("never (this|that)"), None).await })
    };
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let e = within(secs(60), "the spinner", wait)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    let (cpu, wall) = (cpu_time() - cpu0, wall0.elapsed());
    eprintln!("host CPU {cpu:?} over {wall:?}");
    // Reading the pipe costs something; re-scanning a growing line cost all of a core.
    assert!(cpu < wall / 2, "host CPU {cpu:?} over {wall:?}");
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_that_grows_slowly_is_still_matched() {
    let sb = sandbox();
    let p = start(
        &sb,
        "for i in $(seq 1 30); do printf .; sleep 0.01; done; printf ' ready> '; sleep 30",
    )
    .await;
    let m = within(
        secs(10),
        "a prompt",
        p.wait_for_log(&re(r"ready> $"), Some(secs(10))),
    )
    .await
    .unwrap();
    assert!(m.line.ends_with(" ready> "), "{:?}", m.line);
    sb.destroy().await;
}

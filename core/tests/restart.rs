//! Restart supervision: policies, exponential backoff, one id and one log across runs,
//! `restarting` between runs, kill ending it, and runs that never overlap.

mod common;
use common::*;
use procwright::*;
use std::time::Duration;

fn policy(mode: RestartMode, initial_ms: u64, max_restarts: Option<u32>) -> RestartPolicy {
    RestartPolicy {
        policy: mode,
        max_restarts,
        backoff: Backoff {
            initial: ms(initial_ms),
            max: secs(30),
            factor: 2.0,
        },
        reset_after: secs(10),
    }
}

async fn start_with(sb: &Sandbox, command: &str, restart: RestartPolicy) -> Process {
    sb.start_process(
        command,
        ProcessOptions {
            restart: Some(restart),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn all_events(p: &Process) -> Vec<LogEvent> {
    let mut s = p.stream_logs();
    let mut out = Vec::new();
    while let Some(e) = within(HANG, "event", s.next()).await {
        out.push(e);
    }
    out
}

/// The tag a run prints first (`echo tag=$PROCWRIGHT_TAG`).
async fn tag_of(p: &Process) -> String {
    let m = p
        .wait_for_log(&re(r"^tag=(.+)$"), Some(HANG))
        .await
        .unwrap();
    m.groups.unwrap()[1].clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_failure_restarts_with_growing_gaps_and_one_log() {
    let sb = sandbox();
    let p = start_with(
        &sb,
        "echo run; exit 3",
        policy(RestartMode::OnFailure, 100, Some(3)),
    )
    .await;
    let id = p.id().to_owned();
    let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(
        (exit.exit_code, exit.status),
        (Some(3), ProcessStatus::Failed)
    );
    assert_eq!(p.restarts(), 3);
    assert_eq!(p.id(), id);
    assert_eq!(p.logs().stdout, "run\nrun\nrun\nrun\n");
    let events = all_events(&p).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["stdout", "restart", "stdout", "restart", "stdout", "restart", "stdout", "exit"]
    );
    // Each restart waits its backoff before the next run prints: 100, 200, 400 ms.
    let mut gaps = Vec::new();
    for w in events.windows(2) {
        if w[0].kind == LogEventKind::Restart {
            assert_eq!(w[0].exit_code, Some(3));
            gaps.push(w[1].timestamp.duration_since(w[0].timestamp).unwrap());
        }
    }
    for (gap, floor) in gaps.iter().zip([100, 200, 400]) {
        assert!(*gap >= ms(floor), "{gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "the gaps grow: {gaps:?}");
    // Cursors stay strictly increasing across restarts, and resuming from each event
    // gives exactly the rest.
    // (The exit holds no position: its cursor is the last output's.)
    assert!(events.windows(2).all(|w| w[0].cursor < w[1].cursor
        || (w[1].kind == LogEventKind::Exit && w[0].cursor == w[1].cursor)));
    for (i, e) in events.iter().enumerate() {
        let mut s = p
            .stream_logs_with(&LogStreamOptions {
                since: Some(e.cursor),
                ..Default::default()
            })
            .unwrap();
        let mut rest = Vec::new();
        while let Some(x) = s.next().await {
            rest.push(x.kind);
        }
        // From the end of an ended process, a reader gets the exit (again).
        let mut want: Vec<_> = events[i + 1..].iter().map(|x| x.kind).collect();
        if want.is_empty() {
            want.push(LogEventKind::Exit);
        }
        assert_eq!(rest, want, "from cursor {}", e.cursor);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_failure_stops_on_success_and_always_does_not() {
    let sb = sandbox();
    let dir = TempDir::new("restart-count");
    let count = dir.path().join("n");
    // Fails twice, then succeeds.
    let cmd = format!(
        "n=$(cat {c} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {c}; [ $n -ge 3 ]",
        c = count.display()
    );
    let p = start_with(&sb, &cmd, policy(RestartMode::OnFailure, 10, None)).await;
    let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!((exit.exit_code, p.restarts()), (Some(0), 2));

    let q = start_with(&sb, "echo up", policy(RestartMode::Always, 10, Some(4))).await;
    let exit = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!((exit.status, q.restarts()), (ProcessStatus::Completed, 4));
    assert_eq!(q.logs().stdout, "up\n".repeat(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_between_runs_and_kill_ends_it() {
    let sb = sandbox();
    let p = start_with(
        &sb,
        "echo run; exit 1",
        policy(RestartMode::Always, 3000, None),
    )
    .await;
    assert!(eventually(HANG, || p.status() == ProcessStatus::Restarting).await);
    assert_eq!(p.restarts(), 1);
    // Kill during the backoff: it ends now, not after the 3 s.
    within(secs(2), "kill", p.kill(Signal::TERM, secs(5)))
        .await
        .unwrap();
    let exit = p.wait_for_exit(Some(HANG)).await.unwrap();
    assert_eq!(exit.status, ProcessStatus::Killed);
    tokio::time::sleep(ms(300)).await;
    assert_eq!(p.restarts(), 1);
    assert_eq!(p.logs().stdout, "run\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_spans_runs() {
    let sb = sandbox();
    let dir = TempDir::new("restart-wait");
    let f = dir.path().join("ran");
    let cmd = format!(
        "if [ -e {f} ]; then echo second; sleep 300; else touch {f}; echo first; exit 1; fi",
        f = f.display()
    );
    let p = start_with(&sb, &cmd, policy(RestartMode::OnFailure, 50, None)).await;
    let m = within(HANG, "wait", p.wait_for_log(&sub("second"), Some(HANG)))
        .await
        .unwrap();
    assert_eq!(m.line, "second");
    assert_eq!(p.status(), ProcessStatus::Running);
    p.kill(Signal::TERM, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_never_overlap_even_when_kill_and_restart_race() {
    let sb = sandbox();
    // Each run leaves a grandchild behind and exits at once: the next run must not
    // start before it is gone.
    for round in 0..20u64 {
        let p = start_with(
            &sb,
            "echo tag=$PROCWRIGHT_TAG; sleep 300 & setsid sleep 300 & exit 1",
            policy(RestartMode::Always, 1, None),
        )
        .await;
        let tag = tag_of(&p).await;
        let started = std::time::Instant::now();
        let max_alive = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let watcher = {
            let (tag, max_alive) = (tag.clone(), max_alive.clone());
            std::thread::spawn(move || {
                while started.elapsed() < Duration::from_millis(150 + round * 10) {
                    // A run is at most its shell and two sleeps.
                    let n = live_with_env(TAG_VAR, &tag).len();
                    max_alive.fetch_max(n, std::sync::atomic::Ordering::Relaxed);
                }
            })
        };
        tokio::time::sleep(ms(round * 7 % 100)).await;
        within(HANG, "kill", p.kill(Signal::TERM, secs(5)))
            .await
            .unwrap();
        let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert!(exit.status.is_final());
        watcher.join().unwrap();
        let alive = max_alive.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            alive <= 3,
            "round {round}: {alive} processes of one run id alive at once"
        );
        assert!(
            live_with_env(TAG_VAR, &tag).is_empty(),
            "round {round}: left after kill"
        );
        let n = p.restarts();
        tokio::time::sleep(ms(30)).await;
        assert_eq!(p.restarts(), n, "round {round}: restarted after kill");
        assert!(live_with_env(TAG_VAR, &tag).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_ends_restarting() {
    let sb = sandbox();
    let p = start_with(&sb, "exit 1", policy(RestartMode::Always, 1, None)).await;
    assert!(eventually(HANG, || p.restarts() >= 3).await);
    within(HANG, "destroy", sb.destroy()).await;
    let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert!(exit.status.is_final());
    let n = p.restarts();
    tokio::time::sleep(ms(100)).await;
    assert_eq!(p.restarts(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_restart_options_are_invalid() {
    let sb = sandbox();
    let bad = |restart: RestartPolicy, pty: bool| {
        let sb = sb.clone();
        async move {
            sb.start_process(
                "true",
                ProcessOptions {
                    restart: Some(restart),
                    pty: pty.then(PtySize::default),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err()
        }
    };
    let mut shrinking = policy(RestartMode::Always, 10, None);
    shrinking.backoff.factor = 0.5;
    assert_eq!(bad(shrinking, false).await.code, ErrorCode::InvalidArgument);
    let e = bad(policy(RestartMode::Always, 10, None), true).await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("pty"), "{}", e.message);
    assert!(sb.list_processes().is_empty());
}

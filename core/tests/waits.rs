//! wait_for_log and wait_for_exit: split writes, late waits, no gap, early exit, timeouts.

mod common;
use common::*;
use procwright::*;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pattern_split_across_two_writes_matches() {
    let sb = sandbox();
    let p = start(
        &sb,
        "printf 'Serv'; sleep 0.2; printf 'er ready\\n'; sleep 300",
    )
    .await;
    let m = within(HANG, "wait", p.wait_for_log(&sub("Server ready"), None))
        .await
        .unwrap();
    assert_eq!(m.line, "Server ready");
    assert_eq!(m.stream, StreamKind::Stdout);
    assert_eq!(m.groups, None);
    assert_eq!(m.index, 0);
    // A regex sees the joined line as well.
    let m = p
        .wait_for_log(&re(r"^Serv(er) ready$"), Some(HANG))
        .await
        .unwrap();
    assert_eq!(
        m.groups,
        Some(vec![Some("Server ready".into()), Some("er".into())])
    );
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_prompt_line_matches() {
    let sb = sandbox();
    let p = start(&sb, "printf 'password> '; sleep 300").await;
    let m = within(HANG, "wait", p.wait_for_log(&sub("password> "), None))
        .await
        .unwrap();
    assert_eq!(m.line, "password> ");
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_started_after_the_line_was_printed_matches_kept_output() {
    let sb = sandbox();
    let p = start(&sb, "echo 'Server ready on 8080'; echo more; sleep 300").await;
    assert!(eventually(HANG, || p.logs().stdout.contains("more")).await);
    let m = within(
        HANG,
        "late wait",
        p.wait_for_log(&sub("Server ready"), None),
    )
    .await
    .unwrap();
    assert_eq!(m.line, "Server ready on 8080");
    // Regex groups, named groups and the stream are reported.
    let q = start(&sb, "echo 'listening on port 8123' >&2; sleep 300").await;
    let m = within(
        HANG,
        "regex wait",
        q.wait_for_log(&re(r"port (?<port>\d+)"), None),
    )
    .await
    .unwrap();
    assert_eq!(m.stream, StreamKind::Stderr);
    assert_eq!(
        m.groups,
        Some(vec![Some("port 8123".into()), Some("8123".into())])
    );
    assert_eq!(m.named["port"].as_deref(), Some("8123"));
    assert_eq!(m.index, "listening on ".len());
    sb.kill_all_processes().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_gap_between_kept_and_live_output() {
    let sb = sandbox();
    let n = 20_000;
    let p = start(
        &sb,
        format!("for i in $(seq 1 {n}); do echo \"n$i\"; done; sleep 300"),
    )
    .await;
    // Start waits and a stream while the numbers are still coming.
    p.wait_for_log(&re("^n500$"), Some(HANG)).await.unwrap();
    let mut stream = p.stream_logs();
    let late = tokio::spawn({
        let p = p.clone();
        async move {
            p.wait_for_log(&re(&format!("^n{}$", n - 1)), Some(HANG))
                .await
        }
    });
    let mut waits = Vec::new();
    for k in [1000, 5000, 10_000, 15_000, n] {
        let p = p.clone();
        waits.push(tokio::spawn(async move {
            p.wait_for_log(&re(&format!("^n{k}$")), Some(HANG)).await
        }));
        tokio::task::yield_now().await;
    }
    let m = within(HANG, "late wait", late).await.unwrap().unwrap();
    assert_eq!(m.line, format!("n{}", n - 1));
    for w in waits {
        within(HANG, "wait", w).await.unwrap().unwrap();
    }
    // The stream, opened midway, saw every number exactly once and in order.
    let mut text = String::new();
    while !text.ends_with(&format!("n{n}\n")) {
        let ev = within(HANG, "next event", stream.next()).await.unwrap();
        assert_eq!(ev.kind, LogEventKind::Stdout);
        text.push_str(&ev.data);
    }
    let want: String = (1..=n).map(|i| format!("n{i}\n")).collect();
    assert_eq!(text, want);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_before_ready_fails_at_once_with_exit_code_and_last_lines() {
    let sb = sandbox();
    let p = start(
        &sb,
        "echo starting; sleep 0.2; echo 'config missing' >&2; exit 3",
    )
    .await;
    let t0 = Instant::now();
    let e = within(
        secs(10),
        "wait_for_log",
        p.wait_for_log(&sub("Server ready"), Some(secs(60))),
    )
    .await
    .unwrap_err();
    assert!(t0.elapsed() < secs(10));
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    assert_eq!(e.exit_code, Some(3));
    assert_eq!(e.condition.as_deref(), Some("Server ready"));
    assert_eq!(e.process_id.as_deref(), Some(p.id()));
    assert_eq!(e.last_lines, ["starting", "config missing"]);
    assert!(e.message.contains("exit code 3"), "{}", e.message);
    // A wait started after the exit fails the same way, at once.
    let e = within(
        secs(10),
        "wait_for_log",
        p.wait_for_log(&re(r"port \d+"), Some(secs(60))),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    assert_eq!(e.condition.as_deref(), Some(r"/port \d+/"));
    assert_eq!(e.exit_code, Some(3));
    // So does a port wait.
    let port = free_port_v4();
    let q = start(&sb, "echo bye; sleep 0.2; exit 7").await;
    let opts = PortWaitOptions {
        timeout: Some(secs(60)),
        ..Default::default()
    };
    let e = within(secs(10), "wait_for_port", q.wait_for_port(port, &opts))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    assert_eq!(e.exit_code, Some(7));
    assert_eq!(e.last_lines, ["bye"]);
    assert_eq!(
        e.condition.as_deref(),
        Some(format!("port {port} (HTTP /)").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_fails_a_pending_wait() {
    let sb = sandbox();
    let p = start(&sb, "echo up; sleep 300").await;
    let w = tokio::spawn({
        let p = p.clone();
        async move { p.wait_for_log(&sub("never"), Some(secs(60))).await }
    });
    p.wait_for_log(&sub("up"), Some(HANG)).await.unwrap();
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    let e = within(secs(10), "wait", w).await.unwrap().unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    assert_eq!(e.exit_code, Some(143));
    assert_eq!(e.last_lines, ["up"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_name_the_condition_and_leave_the_process_running() {
    let sb = sandbox();
    let p = start(&sb, "echo working; sleep 300").await;
    let e = within(
        HANG,
        "wait",
        p.wait_for_log(&sub("Server ready"), Some(ms(300))),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    assert_eq!(e.condition.as_deref(), Some("Server ready"));
    assert!(e.message.contains("Server ready"), "{}", e.message);
    assert_eq!(e.last_lines, ["working"]);
    assert_eq!(p.status(), ProcessStatus::Running);

    let e = p
        .wait_for_log(
            &Pattern::regex(
                r"port \d+",
                RegexFlags {
                    ignore_case: true,
                    ..Default::default()
                },
            )
            .unwrap(),
            Some(ms(200)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    assert_eq!(e.condition.as_deref(), Some(r"/port \d+/i"));

    let e = p.wait_for_exit(Some(ms(200))).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    assert_eq!(e.condition.as_deref(), Some("process exit"));

    let port = free_port_v4();
    let opts = PortWaitOptions {
        mode: PortMode::Tcp,
        timeout: Some(ms(300)),
        ..Default::default()
    };
    let e = p.wait_for_port(port, &opts).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    assert_eq!(
        e.condition.as_deref(),
        Some(format!("port {port} (TCP)").as_str())
    );

    // Still running, and still waitable.
    assert_eq!(p.status(), ProcessStatus::Running);
    assert!(pid_alive(p.pid().unwrap()));
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    let e = p.wait_for_exit(Some(secs(1))).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_exit_reports_and_resolves_at_once_when_ended() {
    let sb = sandbox();
    let p = start(&sb, "exit 0").await;
    let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(
        e,
        ExitInfo {
            exit_code: Some(0),
            signal: None,
            status: ProcessStatus::Completed
        }
    );
    // Again, with a zero timeout: an ended process answers without waiting.
    assert_eq!(p.wait_for_exit(Some(ms(0))).await.unwrap(), e);
    assert!(p.end_time().unwrap() >= p.start_time());
    let q = start(&sb, "exit 42").await;
    let e = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!((e.exit_code, e.status), (Some(42), ProcessStatus::Failed));
    assert_eq!(q.status(), ProcessStatus::Failed);
    assert_eq!(q.signal(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_waits_on_one_process_all_resolve() {
    let sb = sandbox();
    let p = start(&sb, "sleep 0.3; echo go; sleep 300").await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let p = p.clone();
        set.spawn(async move { p.wait_for_log(&sub("go"), Some(HANG)).await });
    }
    let mut n = 0;
    while let Some(r) = within(HANG, "waits", set.join_next()).await {
        assert_eq!(r.unwrap().unwrap().line, "go");
        n += 1;
    }
    assert_eq!(n, 50);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_small_log_limit_waits_see_what_is_kept_and_everything_live() {
    let limit = 4096;
    let sb = sandbox_with(SandboxOptions {
        log_limit: Some(limit),
        ..Default::default()
    });
    let p = start(
        &sb,
        "echo marker-early; seq 1 3000; head -c 20000 /dev/zero | tr '\\0' x; echo READY; echo marker-late; sleep 300",
    )
    .await;
    // A line longer than the limit still matches on its newest bytes.
    // (Its start may be cut: a wait only keeps about the limit of an unfinished line.)
    let m = within(HANG, "wait", p.wait_for_log(&sub("xREADY"), None))
        .await
        .unwrap();
    assert!(
        m.line.ends_with("xxREADY"),
        "{}",
        &m.line[m.line.len().saturating_sub(20)..]
    );
    p.wait_for_log(&sub("marker-late"), Some(HANG))
        .await
        .unwrap();
    let logs = p.logs();
    assert!(logs.stdout.len() <= limit, "{}", logs.stdout.len());
    assert!(logs.stdout.ends_with("READY\nmarker-late\n"));
    assert!(logs.stdout_dropped > 0);
    // What was dropped before a wait started cannot match any more.
    let e = p
        .wait_for_log(&sub("marker-early"), Some(ms(300)))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_log_limit_still_keeps_the_newest_output_and_lets_waits_match() {
    for limit in [16, 40] {
        let sb = sandbox_with(SandboxOptions {
            log_limit: Some(limit),
            ..Default::default()
        });
        let p = start(&sb, "echo 'Server ready'; sleep 300").await;
        let m = within(HANG, "wait", p.wait_for_log(&sub("ready"), Some(secs(10))))
            .await
            .unwrap_or_else(|e| panic!("limit {limit}: {e}"));
        assert!(m.line.ends_with("ready"), "limit {limit}: {:?}", m.line);
        let logs = p.logs();
        assert!(!logs.stdout.is_empty(), "limit {limit}: nothing kept");
        assert!(
            logs.stdout.len() <= limit,
            "limit {limit}: {:?}",
            logs.stdout
        );
        assert!("Server ready\n".ends_with(&logs.stdout));
        assert_eq!(logs.stdout.len() as u64 + logs.stdout_dropped, 13);
        p.kill(Signal::KILL, secs(5)).await.unwrap();
    }
}

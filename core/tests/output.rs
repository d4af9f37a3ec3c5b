//! Output capture: nothing lost at exit, grandchildren holding pipes, UTF-8, huge lines,
//! separate streams, and the order of log events.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_line_without_newline_is_kept_every_time() {
    let sb = sandbox();
    // Sequential runs, then concurrent ones so the reactor is busy when the child exits.
    for i in 0..60 {
        let p = start(&sb, format!("echo first; printf 'last-{i}'")).await;
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Completed);
        assert_eq!(p.logs().stdout, format!("first\nlast-{i}"), "run {i}");
    }
    for round in 0..4 {
        let mut procs = Vec::new();
        for i in 0..20 {
            let cmd: Command = ["printf", "%s", &format!("tail-{round}-{i}")].into();
            procs.push(
                sb.start_process(cmd, ProcessOptions::default())
                    .await
                    .unwrap(),
            );
        }
        for (i, p) in procs.iter().enumerate() {
            within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
            assert_eq!(p.logs().stdout, format!("tail-{round}-{i}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_output_on_stderr_is_kept_too() {
    let sb = sandbox();
    for i in 0..50 {
        let p = start(&sb, format!("printf 'err-{i}' >&2; exit 2")).await;
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.exit_code, Some(2));
        assert_eq!(p.logs().stderr, format!("err-{i}"), "run {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_holding_the_pipe_does_not_hang_wait_for_exit() {
    let sb = sandbox();
    let p = start(&sb, "sleep 300 & echo done").await;
    let pgid = p.pid().unwrap();
    let e = within(HANG, "wait_for_exit", p.wait_for_exit(None))
        .await
        .unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    assert_eq!(p.logs().stdout, "done\n");
    // The sleep is still there, in the group; destroying the sandbox takes it down.
    assert_eq!(live_group_members(pgid).len(), 1);
    within(HANG, "destroy", sb.destroy()).await;
    assert!(
        eventually(secs(5), || live_group_members(pgid).is_empty()).await,
        "grandchild survived destroy: {:?}",
        live_group_members(pgid)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_flooding_the_pipe_does_not_hang_wait_for_exit() {
    let sb = sandbox();
    // The pause lets `yes` fill the pipe before its parent exits.
    let p = start(&sb, "yes & sleep 0.2; echo done >&2").await;
    let pgid = p.pid().unwrap();
    let e = within(HANG, "wait_for_exit", p.wait_for_exit(None))
        .await
        .unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    assert_eq!(p.logs().stderr, "done\n");
    assert!(!p.logs().stdout.is_empty());
    // Killing the group of an ended process by hand, as a user would.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
    assert!(eventually(secs(5), || live_group_members(pgid).is_empty()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_and_stderr_are_kept_apart() {
    let sb = sandbox();
    let p = start(&sb, "echo out1; echo err1 >&2; echo out2; echo err2 >&2").await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let logs = p.logs();
    assert_eq!(logs.stdout, "out1\nout2\n");
    assert_eq!(logs.stderr, "err1\nerr2\n");
    assert_eq!((logs.stdout_dropped, logs.stderr_dropped), (0, 0));
    assert_eq!(sb.get_process_logs(p.id()).unwrap(), logs);
    assert_eq!(
        sb.get_process_logs("missing").unwrap_err().code,
        ErrorCode::ProcessNotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_replaced_not_lost() {
    let sb = sandbox();
    let p = start(
        &sb,
        r"printf 'a\xffb\xfe\xfdc\n'; printf 'caf\xc3\xa9 ok\n' >&2",
    )
    .await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let logs = p.logs();
    assert_eq!(logs.stdout, "a\u{FFFD}b\u{FFFD}\u{FFFD}c\n");
    assert_eq!(logs.stderr, "café ok\n");
    let m = p.wait_for_log(&sub("b\u{FFFD}"), Some(secs(1))).await;
    // The process has ended, but the line was kept, so the wait still matches it.
    let m = m.unwrap();
    assert_eq!(m.line, "a\u{FFFD}b\u{FFFD}\u{FFFD}c");
    assert_eq!(m.stream, StreamKind::Stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_megabyte_line_is_kept_and_matched() {
    let sb = sandbox();
    let n = 5_000_000;
    let p = start(
        &sb,
        format!("head -c {n} /dev/zero | tr '\\0' x; echo END; sleep 300"),
    )
    .await;
    let m = within(HANG, "wait_for_log", p.wait_for_log(&sub("xEND"), None))
        .await
        .unwrap();
    assert_eq!(m.line.len(), n + 3);
    assert!(m.line.starts_with("xxxx") && m.line.ends_with("xEND"));
    assert_eq!(m.index, n - 1);
    let logs = p.logs();
    assert_eq!(logs.stdout.len(), n + 4);
    assert_eq!(logs.stdout_dropped, 0);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_logs_replays_then_follows_then_ends_with_exit() {
    let sb = sandbox();
    let p = start(
        &sb,
        "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; exit 4",
    )
    .await;
    p.wait_for_log(&sub("one"), Some(HANG)).await.unwrap();
    let mut s = sb.stream_process_logs(p.id()).unwrap();
    assert_eq!(s.process_id(), p.id());
    let mut seen = Vec::new();
    while let Some(ev) = within(HANG, "next event", s.next()).await {
        assert_eq!(ev.process_id, p.id());
        seen.push(ev);
    }
    let kinds: Vec<_> = seen.iter().map(|e| (e.kind, e.data.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (LogEventKind::Stdout, "one\n"),
            (LogEventKind::Stderr, "two\n"),
            (LogEventKind::Stdout, "three\n"),
            (LogEventKind::Exit, ""),
        ]
    );
    let exit = seen.last().unwrap();
    assert_eq!(exit.exit_code, Some(4));
    assert!(exit
        .to_sse()
        .starts_with("id: 14\ndata: {\"type\":\"exit\""));
    assert!(exit.to_sse().ends_with("}\n\n"));
    assert!(seen.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    // A stream opened after the end replays the same events, exit last, then stops.
    let mut late = p.stream_logs();
    let mut again = Vec::new();
    while let Some(ev) = within(HANG, "next event", late.next()).await {
        again.push((ev.kind, ev.data));
    }
    assert_eq!(again.len(), 4);
    assert_eq!(again[3].0, LogEventKind::Exit);
    assert!(late.next().await.is_none());
    assert!(sb.stream_process_logs("missing").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_a_fast_writer_keeps_read_order() {
    let sb = sandbox();
    let p = start(
        &sb,
        "for i in $(seq 1 2000); do echo \"o$i\"; echo \"e$i\" >&2; done",
    )
    .await;
    let mut s = p.stream_logs();
    let (mut out, mut err) = (String::new(), String::new());
    let mut last = None;
    while let Some(ev) = within(HANG, "next event", s.next()).await {
        match ev.kind {
            LogEventKind::Stdout => out.push_str(&ev.data),
            LogEventKind::Stderr => err.push_str(&ev.data),
            LogEventKind::Exit => {}
            LogEventKind::Truncated => panic!("nothing is dropped under the default limit"),
            LogEventKind::Restart => panic!("no restart policy here"),
        }
        last = Some(ev.kind);
    }
    assert_eq!(last, Some(LogEventKind::Exit));
    let want = |p: &str| (1..=2000).map(|i| format!("{p}{i}\n")).collect::<String>();
    assert_eq!(out, want("o"));
    assert_eq!(err, want("e"));
}

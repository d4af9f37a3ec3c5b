//! Log cursors: get_logs({since, tail, stream, max_bytes}), streams that resume, and
//! waits that count matches, pick a stream and start from a cursor or from now.

mod common;
use common::*;
use procwright::*;

async fn ended(sb: &Sandbox, command: &str) -> Process {
    let p = start(sb, command).await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    p
}

async fn events(p: &Process, options: LogStreamOptions) -> Vec<LogEvent> {
    let mut s = p.stream_logs_with(&options).unwrap();
    let mut out = Vec::new();
    while let Some(e) = within(HANG, "event", s.next()).await {
        out.push(e);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_resumes_from_a_cursor_misses_nothing_and_repeats_nothing() {
    let sb = sandbox();
    let p = start(
        &sb,
        "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.05; done; sleep 300",
    )
    .await;
    assert!(eventually(HANG, || p.logs().stderr.contains("err3")).await);
    let first = p.get_logs(&LogQuery::default()).unwrap();
    assert_eq!(first.stdout, "out1\nout2\nout3\n");
    assert_eq!(first.cursor, 30, "one counter over both streams");
    assert!(!first.truncated);
    let none = p
        .get_logs(&LogQuery {
            since: Some(first.cursor),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((none.stdout.as_str(), none.stderr.as_str()), ("", ""));
    assert_eq!(none.cursor, first.cursor);
    p.kill(Signal::KILL, secs(5)).await.unwrap();

    // Events carry the cursor just after their data; resuming from any of them gives
    // exactly the rest.
    let p = ended(&sb, "printf 'a\\n'; printf 'b\\n' >&2; printf 'c'").await;
    let all = events(&p, LogStreamOptions::default()).await;
    let last = all.last().unwrap();
    assert_eq!((last.kind, last.cursor), (LogEventKind::Exit, 5));
    for (i, e) in all.iter().enumerate() {
        let rest = events(
            &p,
            LogStreamOptions {
                since: Some(e.cursor),
                ..Default::default()
            },
        )
        .await;
        let data: String = rest.iter().map(|e| e.data.clone()).collect();
        let expected: String = all[i + 1..].iter().map(|e| e.data.clone()).collect();
        assert_eq!(data, expected, "from cursor {}", e.cursor);
        assert_eq!(rest.last().unwrap().kind, LogEventKind::Exit);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_stream_and_max_bytes_select_the_window() {
    let sb = sandbox();
    let p = ended(&sb, "seq 1 100; echo warn >&2; echo last").await;
    // The two pipes are read apart, so the read order comes from the events; each
    // read here holds whole lines.
    let evs = events(&p, LogStreamOptions::default()).await;
    let mut lines: Vec<(LogEventKind, String)> = Vec::new();
    for e in &evs {
        for l in e.data.split_inclusive('\n') {
            lines.push((e.kind, l.to_owned()));
        }
    }
    let of = |lines: &[(LogEventKind, String)], k| -> String {
        lines
            .iter()
            .filter(|(s, _)| *s == k)
            .map(|(_, l)| l.as_str())
            .collect()
    };
    let q = |query: LogQuery| p.get_logs(&query).unwrap();
    for n in [1, 2, 3, 50] {
        let t = q(LogQuery {
            tail: Some(n),
            ..Default::default()
        });
        let last = &lines[lines.len() - n..];
        assert_eq!(t.stdout, of(last, LogEventKind::Stdout), "tail {n}");
        assert_eq!(t.stderr, of(last, LogEventKind::Stderr), "tail {n}");
    }
    let t = q(LogQuery {
        tail: Some(2),
        stream: Some(StreamKind::Stdout),
        ..Default::default()
    });
    assert_eq!((t.stdout.as_str(), t.stderr.as_str()), ("100\nlast\n", ""));
    let t = q(LogQuery {
        max_bytes: Some(3),
        stream: Some(StreamKind::Stdout),
        ..Default::default()
    });
    assert_eq!(t.stdout, "st\n");
    assert!(
        !t.truncated,
        "max_bytes is the caller's cut, not the log limit's"
    );
    // Both streams: the newest bytes by cursor, whichever stream they are on.
    let merged: String = evs.iter().map(|e| e.data.as_str()).collect();
    let t = q(LogQuery {
        max_bytes: Some(7),
        ..Default::default()
    });
    assert_eq!(t.stdout.len() + t.stderr.len(), 7);
    assert!(
        merged.ends_with(&format!("{}{}", t.stdout, t.stderr))
            || merged.ends_with(&format!("{}{}", t.stderr, t.stdout))
    );
    let all = q(LogQuery::default());
    assert_eq!(all.cursor, (all.stdout.len() + all.stderr.len()) as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_past_the_end_is_invalid_and_one_before_the_oldest_byte_is_truncated() {
    let sb = sandbox_with(SandboxOptions {
        log_limit: Some(4096),
        ..Default::default()
    });
    let p = ended(&sb, "seq 1 20000").await;
    let all = p.get_logs(&LogQuery::default()).unwrap();
    assert!(all.truncated);
    assert!(all.stdout.ends_with("19999\n20000\n"));
    let err = p
        .get_logs(&LogQuery {
            since: Some(all.cursor + 1),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    let err = p
        .stream_logs_with(&LogStreamOptions {
            since: Some(all.cursor + 1),
            ..Default::default()
        })
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
    // A stream from cursor 0 first says how much is gone, then replays what is kept.
    let evs = events(&p, LogStreamOptions::default()).await;
    assert_eq!(evs[0].kind, LogEventKind::Truncated);
    assert_eq!(evs[0].dropped, Some(all.stdout_dropped));
    assert_eq!(evs[0].cursor, all.stdout_dropped);
    let kept: String = evs[1..].iter().map(|e| e.data.clone()).collect();
    assert_eq!(kept, all.stdout);
    // Recent cursors are not truncated.
    let recent = p
        .get_logs(&LogQuery {
            since: Some(all.cursor - 6),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (recent.stdout.as_str(), recent.truncated),
        ("20000\n", false)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_false_starts_live_and_follow_false_stops_at_the_kept_end() {
    let sb = sandbox();
    let p = start(&sb, "echo old; sleep 300").await;
    assert!(eventually(HANG, || p.logs().stdout == "old\n").await);
    // follow: false on a running process: the kept output, then the end (no exit).
    let kept = events(
        &p,
        LogStreamOptions {
            follow: false,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].data.as_str(), kept[0].cursor), ("old\n", 4));
    p.kill(Signal::KILL, secs(5)).await.unwrap();

    let p = start(&sb, "echo old; sleep 0.5; echo new; echo err >&2").await;
    assert!(eventually(HANG, || p.logs().stdout == "old\n").await);
    let live = events(
        &p,
        LogStreamOptions {
            replay: false,
            stream: Some(StreamKind::Stdout),
            ..Default::default()
        },
    )
    .await;
    let kinds: Vec<_> = live.iter().map(|e| (e.kind, e.data.clone())).collect();
    assert_eq!(
        kinds,
        [
            (LogEventKind::Stdout, "new\n".to_string()),
            (LogEventKind::Exit, String::new())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_frames_carry_the_cursor_as_their_id() {
    let sb = sandbox();
    let p = ended(&sb, "echo hi").await;
    let evs = events(&p, LogStreamOptions::default()).await;
    assert!(
        evs[0].to_sse().starts_with("id: 3\ndata: {"),
        "{}",
        evs[0].to_sse()
    );
    assert!(evs[0].to_json().contains("\"cursor\":3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_log_counts_matches_picks_a_stream_and_resumes() {
    let sb = sandbox();
    // The two pipes are read apart, so only one stream's order is fixed.
    let p = start(
        &sb,
        "echo 'ready 1'; echo 'ready 2'; echo 'ready err' >&2; sleep 0.2; echo 'ready 3'; sleep 300",
    )
    .await;
    let opts = |times, stream, since| LogWaitOptions {
        timeout: Some(HANG),
        times,
        stream,
        since,
    };
    let out = Some(StreamKind::Stdout);
    let third = p
        .wait_for_log_with(&sub("ready"), &opts(3, out, LogSince::Start))
        .await
        .unwrap();
    assert_eq!(third.line, "ready 3");
    let fourth = p
        .wait_for_log_with(&sub("ready"), &opts(4, None, LogSince::Start))
        .await
        .unwrap();
    assert!(
        fourth.line == "ready 3" || fourth.line == "ready err",
        "{fourth:?}"
    );
    let err_line = p
        .wait_for_log_with(
            &sub("ready"),
            &opts(1, Some(StreamKind::Stderr), LogSince::Start),
        )
        .await
        .unwrap();
    assert_eq!(
        (err_line.line.as_str(), err_line.stream),
        ("ready err", StreamKind::Stderr)
    );
    // A match's cursor is just after its line: a wait from there finds the next one.
    let first = p
        .wait_for_log_with(&sub("ready"), &opts(1, out, LogSince::Start))
        .await
        .unwrap();
    assert_eq!(first.line, "ready 1");
    let next = p
        .wait_for_log_with(&sub("ready"), &opts(1, out, LogSince::Cursor(first.cursor)))
        .await
        .unwrap();
    assert_eq!(next.line, "ready 2");
    // "ready 2\n" is 8 bytes; "ready err\n" (10) may have been read between the two.
    let gap = next.cursor - first.cursor;
    assert!(gap == 8 || gap == 18, "cursor gap {gap}");
    // times must be at least 1; a cursor past the end is refused at once.
    let e = p
        .wait_for_log_with(&sub("ready"), &opts(0, None, LogSince::Start))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let e = p
        .wait_for_log_with(&sub("ready"), &opts(1, None, LogSince::Cursor(10_000)))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    p.kill(Signal::KILL, secs(5)).await.unwrap();

    // One stream: cursors are plain byte counts, and a CRLF ending is inside the line's.
    let q = ended(&sb, "printf 'one\\r\\ntwo\\n'").await;
    let m = q
        .wait_for_log_with(&sub("one"), &opts(1, None, LogSince::Start))
        .await
        .unwrap();
    assert_eq!((m.line.as_str(), m.cursor), ("one", 5));
    let m = q
        .wait_for_log_with(&sub("o"), &opts(1, None, LogSince::Cursor(m.cursor)))
        .await
        .unwrap();
    assert_eq!((m.line.as_str(), m.cursor), ("two", 9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_now_ignores_kept_output() {
    let sb = sandbox();
    let dir = TempDir::new("since-now");
    let go = dir.path().join("go");
    let p = start(
        &sb,
        format!(
            "echo ready; while [ ! -e {} ]; do sleep 0.02; done; echo 'ready again'; sleep 300",
            go.display()
        )
        .as_str(),
    )
    .await;
    assert!(eventually(HANG, || p.logs().stdout == "ready\n").await);
    let options = LogWaitOptions {
        timeout: Some(HANG),
        since: LogSince::Now,
        ..Default::default()
    };
    let pattern = sub("ready");
    let wait = p.wait_for_log_with(&pattern, &options);
    tokio::pin!(wait);
    // Polled (so "now" is taken) while only the kept line exists: it must not match.
    tokio::select! {
        biased;
        m = &mut wait => panic!("the kept line satisfied since=now: {m:?}"),
        _ = tokio::time::sleep(ms(200)) => {}
    }
    std::fs::write(&go, "").unwrap();
    let m = within(HANG, "wait", wait).await.unwrap();
    assert_eq!(m.line, "ready again");
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_counts_once_however_it_matched() {
    let sb = sandbox();
    // The unfinished line matches first; its end later must not count a second time.
    let p = start(
        &sb,
        "printf 'step ok'; sleep 0.3; printf ' and done\\n'; sleep 0.2; echo 'step ok 2'; sleep 300",
    )
    .await;
    let m = p
        .wait_for_log_with(
            &sub("step ok"),
            &LogWaitOptions {
                timeout: Some(HANG),
                times: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(m.line, "step ok 2");
    // Progress frames of one line count once too.
    let q = ended(&sb, "printf '10%%\\r50%%\\r100%%\\n'; echo '100% again'").await;
    let m = q
        .wait_for_log_with(
            &re("%"),
            &LogWaitOptions {
                timeout: Some(HANG),
                times: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(m.line, "100% again");
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

//! exec: run to completion with stdout, stderr, exit code, success, streaming and timeout.

mod common;
use common::*;
use procwright::*;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_collects_output_exit_code_and_success() {
    let sb = sandbox();
    let r = within(
        HANG,
        "exec",
        sb.exec(
            "echo out; echo err >&2; printf tail",
            ExecOptions::default(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.stdout, "out\ntail");
    assert_eq!(r.stderr, "err\n");
    assert_eq!(r.exit_code, 0);
    assert!(r.success);
    assert_eq!(r.command, "echo out; echo err >&2; printf tail");
    assert!(r.duration > ms(0));
    let r = sb
        .exec("echo no >&2; exit 5", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!((r.exit_code, r.success), (5, false));
    assert_eq!(r.stderr, "no\n");
    // A signal death reports 128+N.
    let r = sb.exec("kill -9 $$", ExecOptions::default()).await.unwrap();
    assert_eq!((r.exit_code, r.success), (137, false));
    // argv form, with no shell: `$HOME` is passed through literally.
    let r = sb
        .exec(["echo", "$HOME", "a  b"], ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout, "$HOME a  b\n");
    assert_eq!(r.command, "echo '$HOME' 'a  b'");
    // exec leaves no record behind.
    assert!(sb.list_processes().is_empty(), "{:?}", sb.list_processes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_honours_cwd_and_env() {
    let dir = TempDir::new("exec");
    let sb = sandbox_with(SandboxOptions {
        env: env(&[("PW_GONE", Some("sandbox")), ("PW_KEEP", Some("sandbox"))]),
        ..Default::default()
    });
    let r = sb
        .exec(
            "echo \"$PWD ${PW_GONE-removed} $PW_KEEP $PW_NEW\"",
            ExecOptions {
                cwd: Some(dir.path().to_owned()),
                env: env(&[("PW_GONE", None), ("PW_NEW", Some("exec"))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        r.stdout,
        format!("{} removed sandbox exec\n", dir.path().display())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_streams_output_as_it_comes() {
    let dir = TempDir::new("exec-stream");
    let flag = dir.path().join("flag");
    let sb = sandbox();
    let seen: Arc<Mutex<Vec<(StreamKind, String)>>> = Arc::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let sink = seen.clone();
    // The command waits for the test to answer its first line, so that line must be
    // streamed while it runs, not delivered at the end.
    let run = tokio::spawn({
        let sb = sb.clone();
        let cmd = format!(
            "echo one; while [ ! -e {} ]; do sleep 0.02; done; echo two >&2; echo three",
            flag.display()
        );
        async move {
            sb.exec(
                cmd,
                ExecOptions {
                    on_output: Some(Arc::new(move |s, d: &str| {
                        sink.lock().unwrap().push((s, d.to_owned()));
                        let _ = tx.send(d.to_owned());
                    })),
                    ..Default::default()
                },
            )
            .await
        }
    });
    let first = within(HANG, "first output", rx.recv()).await.unwrap();
    assert_eq!(first, "one\n");
    assert!(!run.is_finished());
    std::fs::write(&flag, "").unwrap();
    let r = within(HANG, "exec", run).await.unwrap().unwrap();
    let seen = seen.lock().unwrap().clone();
    let joined = |k: StreamKind| -> String {
        seen.iter()
            .filter(|(s, _)| *s == k)
            .map(|(_, d)| d.as_str())
            .collect()
    };
    assert_eq!(joined(StreamKind::Stdout), "one\nthree\n");
    assert_eq!(joined(StreamKind::Stderr), "two\n");
    assert_eq!(r.stdout, "one\nthree\n");
    assert_eq!(r.stderr, "two\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_timeout_fails_and_kills_the_command() {
    let dir = TempDir::new("exec-timeout");
    let pidfile = dir.path().join("pid");
    let sb = sandbox();
    let e = within(
        HANG,
        "exec",
        sb.exec(
            format!("echo $$ > {}; echo started; sleep 300", pidfile.display()),
            ExecOptions {
                timeout: Some(ms(500)),
                ..Default::default()
            },
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::CommandTimeout);
    assert!(e.message.contains("did not finish within"), "{e}");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(live_group_members(pid).is_empty());
    assert!(
        eventually(secs(5), || sb.list_processes().is_empty()).await,
        "{:?}",
        sb.list_processes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_timeout_escalates_after_kill_timeout_not_the_default_five_seconds() {
    let dir = TempDir::new("exec-kill-timeout");
    let pidfile = dir.path().join("pid");
    let sb = sandbox();
    let started = std::time::Instant::now();
    let e = within(
        HANG,
        "exec",
        sb.exec(
            format!("trap '' TERM; echo $$ > {}; sleep 20", pidfile.display()),
            ExecOptions {
                timeout: Some(ms(500)),
                kill_timeout: Some(ms(200)),
                ..Default::default()
            },
        ),
    )
    .await
    .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code, ErrorCode::CommandTimeout);
    // 0.5 s + 0.2 s; the bound only has to tell that from 0.5 s + 5 s.
    assert!(took < secs(3), "took {took:?}");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(live_group_members(pid).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_returns_fifty_megabytes_whole() {
    let sb = sandbox();
    let r = sb
        .exec("head -c 50000000 /dev/zero", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout.len(), 50_000_000);
    assert!(!r.truncated);
    assert_eq!((r.stdout_dropped, r.stderr_dropped), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_says_when_it_cut_to_max_buffer() {
    let sb = sandbox();
    let r = sb
        .exec(
            "head -c 5000 /dev/zero | tr '\\0' x; echo -n end >&2",
            ExecOptions {
                max_buffer: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(r.success);
    assert!(r.truncated);
    // The bound covers the bookkeeping of each read too, so a little less may be kept;
    // nothing goes unaccounted for.
    assert!((800..=1000).contains(&r.stdout.len()), "{}", r.stdout.len());
    assert_eq!(r.stdout.len() as u64 + r.stdout_dropped, 5000);
    assert_eq!((r.stderr.as_str(), r.stderr_dropped), ("end", 0));
    let e = sb
        .exec(
            "true",
            ExecOptions {
                max_buffer: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("max_buffer"), "{e}");
}

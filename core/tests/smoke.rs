use procwright::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_wait_kill() {
    let sb = Sandbox::new(SandboxOptions::default()).unwrap();
    let p = sb
        .start_process(
            "echo hello; printf 'no newline'; exec sleep 30",
            ProcessOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(p.status(), ProcessStatus::Running);
    let m = p
        .wait_for_log(
            &Pattern::substring("no newline").unwrap(),
            Some(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(m.line, "no newline");
    p.kill(Signal::TERM, Duration::from_secs(5)).await.unwrap();
    let e = p.wait_for_exit(None).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Killed);
    assert_eq!(e.exit_code, Some(143));
    let q = sb
        .start_process("printf last", ProcessOptions::default())
        .await
        .unwrap();
    let e = q.wait_for_exit(Some(Duration::from_secs(5))).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    assert_eq!(q.logs().stdout, "last");
    let mut s = q.stream_logs();
    let mut kinds = vec![];
    while let Some(ev) = s.next().await {
        kinds.push(ev.kind);
    }
    assert_eq!(kinds, [LogEventKind::Stdout, LogEventKind::Exit]);
}

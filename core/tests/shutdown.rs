//! shutdown_all, the host-exit hook: kills the processes of every live sandbox. Alone in
//! its binary because it reaches every sandbox of the process.

mod common;
use common::*;
use procwright::*;

/// Both tests reach every sandbox of the binary, so they take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_all_kills_every_live_sandbox() {
    let _turn = TURN.lock().await;
    let a = sandbox();
    let b = get_sandbox(Some("shutdown")).unwrap();
    let p = start(&a, "sleep 300").await;
    let q = start(&b, "trap '' TERM; echo armed; sleep 300").await;
    q.wait_for_log(&sub("armed"), Some(HANG)).await.unwrap();
    tokio::task::spawn_blocking(|| shutdown_all(ms(300)))
        .await
        .unwrap();
    for x in [&p, &q] {
        assert!(live_group_members(x.pid().unwrap()).is_empty());
        let e = within(HANG, "exit", x.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Killed);
    }
    assert_eq!(q.signal(), Some("SIGKILL"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_grace_means_no_deadline_not_a_panic() {
    let _turn = TURN.lock().await;
    let a = sandbox();
    // The grace a Python user passed: 1.8e19 s, just inside what a Duration holds.
    for grace in [
        std::time::Duration::from_secs_f64(1.8e19),
        std::time::Duration::MAX,
    ] {
        let p = start(&a, "sleep 300 & wait").await;
        let pgid = p.pid().unwrap();
        assert!(eventually(HANG, || live_group_members(pgid).len() == 2).await);
        within(
            HANG,
            "shutdown_all",
            tokio::task::spawn_blocking(move || shutdown_all(grace)),
        )
        .await
        .unwrap();
        assert!(live_group_members(pgid).is_empty());
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Killed);
    }
}

//! shutdown_all, the host-exit hook: kills the processes of every live sandbox. Alone in
//! its binary because it reaches every sandbox of the process.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_all_kills_every_live_sandbox() {
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

//! 300 short processes in a row leave no zombie and no descriptor behind. The only test
//! in this binary, so the zombies and descriptors it counts are its own.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_short_processes_leave_no_zombie_and_no_descriptor() {
    let sb = sandbox();
    // Warm up: the first processes may create lazily built runtime state.
    for _ in 0..3 {
        let p = start(&sb, "true").await;
        within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    }
    tokio::time::sleep(ms(100)).await;
    let fds_before = fd_count();
    for i in 0..300 {
        let cmd: Command = match i % 3 {
            0 => "echo hi".into(),
            1 => ["true"].into(),
            _ => "echo oops >&2; exit 1".into(),
        };
        let p = sb
            .start_process(cmd, ProcessOptions::default())
            .await
            .unwrap();
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert!(e.exit_code.is_some(), "{i}");
    }
    assert_eq!(sb.list_processes().len(), 303);
    // Descriptors are closed when each supervisor finishes, just after the exit is recorded.
    let settled = eventually(secs(10), || fd_count() <= fds_before).await;
    assert!(
        settled,
        "descriptors before {fds_before}, after {}",
        fd_count()
    );
    assert!(our_zombies().is_empty(), "zombies: {:?}", our_zombies());
    // Failing starts leave nothing behind either.
    for _ in 0..50 {
        let e = sb
            .start_process(["/no/such/program"], ProcessOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ProcessError);
    }
    assert!(
        eventually(secs(10), || fd_count() <= fds_before).await,
        "descriptors before {fds_before}, after {}",
        fd_count()
    );
    assert!(our_zombies().is_empty(), "zombies: {:?}", our_zombies());
    sb.destroy().await;
    assert!(sb.list_processes().is_empty());
}

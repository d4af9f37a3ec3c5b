//! Lifetime: dropping every handle and destroy() kill everything it started; shared
//! sandboxes by name; a process outlives the thread that started it.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_kills_its_processes_without_waiting() {
    let sb = sandbox();
    let plain = start(&sb, ["sleep", "300"]).await;
    let tree = start(&sb, "sleep 300 & sleep 300 & wait").await;
    // One that ignores SIGTERM is escalated to SIGKILL after the grace period.
    let stubborn = start(&sb, "trap '' TERM; echo armed; sleep 300").await;
    // A grandchild of a process that already ended is taken down too.
    let parent = start(&sb, "sleep 300 & echo spawned").await;
    stubborn
        .wait_for_log(&sub("armed"), Some(HANG))
        .await
        .unwrap();
    within(HANG, "exit", parent.wait_for_exit(None))
        .await
        .unwrap();
    assert!(eventually(HANG, || live_group_members(tree.pid().unwrap()).len() == 3).await);
    let groups: Vec<u32> = [&plain, &tree, &stubborn, &parent]
        .iter()
        .map(|p| p.pid().unwrap())
        .collect();
    assert_eq!(live_group_members(parent.pid().unwrap()).len(), 1);
    // Watch the records through the log stores' streams, which hold no handle.
    let exits: Vec<_> = [&plain, &stubborn]
        .iter()
        .map(|p| p.stream_logs())
        .collect();
    // A clone, and a process handle, each keep the sandbox alive.
    let clone = sb.clone();
    drop(sb);
    drop(clone);
    tokio::time::sleep(ms(200)).await;
    assert_eq!(plain.status(), ProcessStatus::Running);
    let handles = vec![plain, tree, stubborn, parent];
    // The last drop returns at once, even with a process that ignores SIGTERM.
    let t = std::time::Instant::now();
    drop(handles);
    assert!(
        t.elapsed() < DROP_GRACE,
        "the drop waited {:?}",
        t.elapsed()
    );
    assert!(
        eventually(secs(30), || groups
            .iter()
            .all(|g| live_group_members(*g).is_empty()))
        .await,
        "groups alive after the drop: {:?}",
        groups
            .iter()
            .map(|g| live_group_members(*g))
            .collect::<Vec<_>>()
    );
    for mut events in exits {
        let mut last = None;
        while let Some(e) = within(HANG, "events", events.next()).await {
            last = Some(e);
        }
        let last = last.unwrap();
        assert_eq!(last.kind, LogEventKind::Exit, "{last:?}");
    }
    let me = std::process::id();
    assert!(
        eventually(HANG, || groups.iter().all(|g| read_stat(*g)
            .filter(|s| s.ppid == me && s.state == "Z")
            .is_none()))
        .await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_kills_everything_and_forgets_records_and_sessions() {
    let sb = sandbox();
    let s = sb
        .create_session(SessionOptions {
            id: Some("s".into()),
            ..Default::default()
        })
        .unwrap();
    let a = start(&sb, "sleep 300").await;
    let b = s
        .start_process("sleep 300 & wait", ProcessOptions::default())
        .await
        .unwrap();
    let done = start(&sb, "true").await;
    within(HANG, "exit", done.wait_for_exit(None))
        .await
        .unwrap();
    within(HANG, "destroy", sb.destroy()).await;
    for p in [&a, &b] {
        assert_eq!(p.status(), ProcessStatus::Killed);
        assert!(live_group_members(p.pid().unwrap()).is_empty());
    }
    assert!(sb.list_processes().is_empty());
    assert!(sb.get_process(a.id()).is_none());
    assert_eq!(
        sb.get_session("s").unwrap_err().code,
        ErrorCode::SessionNotFound
    );
    // The sandbox stays usable.
    let r = sb
        .exec("echo still here", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout, "still here\n");
    // destroy on an empty sandbox is fine, and so is doing it twice.
    sb.destroy().await;
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_blocking_kills_from_synchronous_code() {
    let sb = sandbox();
    let p = start(&sb, "trap '' TERM; echo armed; sleep 300").await;
    p.wait_for_log(&sub("armed"), Some(HANG)).await.unwrap();
    let q = start(&sb, "sleep 300").await;
    let sb2 = sb.clone();
    tokio::task::spawn_blocking(move || sb2.destroy_blocking(ms(300)))
        .await
        .unwrap();
    for x in [&p, &q] {
        assert!(live_group_members(x.pid().unwrap()).is_empty());
        let e = within(HANG, "exit", x.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Killed);
    }
    assert_eq!(p.signal(), Some("SIGKILL"));
    assert_eq!(q.signal(), Some("SIGTERM"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_sandbox_shares_one_instance_per_name() {
    let a = get_sandbox(Some("lifetime-shared")).unwrap();
    let b = get_sandbox(Some("lifetime-shared")).unwrap();
    let other = get_sandbox(Some("lifetime-other")).unwrap();
    let p = start(&a, "sleep 300").await;
    assert!(b.get_process(p.id()).is_some());
    assert!(other.get_process(p.id()).is_none());
    assert!(get_sandbox(None).is_ok());
    b.destroy().await;
    assert_eq!(p.status(), ProcessStatus::Killed);
    assert!(a.list_processes().is_empty());
}

#[test]
fn a_process_outlives_the_thread_and_runtime_that_started_it() {
    // No PR_SET_PDEATHSIG: the child must not die when the spawning thread exits.
    let (sb, p) = std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let sb = sandbox();
            let p = start(&sb, "sleep 300").await;
            (sb, p)
        })
    })
    .join()
    .unwrap();
    let pid = p.pid().unwrap();
    std::thread::sleep(ms(300));
    assert!(pid_alive(pid), "the child died with its thread");
    // Dropping every handle from plain synchronous code, with the runtime gone, still
    // kills and reaps it (on the reaper thread).
    drop(sb);
    drop(p);
    let t = std::time::Instant::now();
    while pid_alive(pid) && t.elapsed() < HANG {
        std::thread::sleep(ms(10));
    }
    assert!(!pid_alive(pid));
    let me = std::process::id();
    assert!(read_stat(pid).filter(|s| s.ppid == me).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_reaches_escapees_too() {
    let sb = sandbox();
    // One escapee stops for nothing but SIGKILL.
    let p = start(
        &sb,
        "setsid sh -c 'trap \"\" TERM; echo $$ > /dev/null; exec sleep 300' & setsid sleep 300 & echo ok; wait",
    )
    .await;
    p.wait_for_log(&sub("ok"), Some(HANG)).await.unwrap();
    let tag = std::fs::read(format!("/proc/{}/environ", p.pid().unwrap()))
        .unwrap()
        .split(|b| *b == 0)
        .find_map(|kv| {
            kv.strip_prefix(format!("{TAG_VAR}=").as_bytes())
                .map(|v| v.to_vec())
        })
        .map(|v| String::from_utf8(v).unwrap())
        .unwrap();
    assert!(eventually(HANG, || live_with_env(TAG_VAR, &tag).len() >= 3).await);
    drop(sb);
    drop(p);
    assert!(
        eventually(secs(30), || live_with_env(TAG_VAR, &tag).is_empty()).await,
        "left: {:?}",
        live_with_env(TAG_VAR, &tag)
    );
}

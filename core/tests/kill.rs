//! Killing: whole process groups, SIGKILL escalation, signal names, kill_all, timeouts.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_takes_down_the_whole_process_group() {
    let sb = sandbox();
    let p = start(&sb, "sleep 300 & sleep 300 & wait").await;
    let pgid = p.pid().unwrap();
    // The leader and both sleeps share the leader's group.
    assert!(
        eventually(HANG, || live_group_members(pgid).len() >= 3).await,
        "group never had 3 members: {:?}",
        group_members(pgid)
    );
    within(HANG, "kill", p.kill(Signal::TERM, secs(5)))
        .await
        .unwrap();
    assert!(
        live_group_members(pgid).is_empty(),
        "still alive after kill: {:?}",
        live_group_members(pgid)
    );
    // Nothing of that group is left for us to reap.
    assert!(group_members(pgid)
        .iter()
        .all(|m| m.ppid != std::process::id()));
    assert_eq!(p.status(), ProcessStatus::Killed);
    assert_eq!(p.exit_code(), Some(143));
    assert_eq!(p.signal(), Some("SIGTERM"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_ignoring_sigterm_is_escalated_to_sigkill() {
    let sb = sandbox();
    // The ignored disposition is inherited by the sleep, so the whole group ignores TERM.
    let p = start(&sb, "trap '' TERM; echo armed; sleep 300; echo never").await;
    p.wait_for_log(&sub("armed"), Some(HANG)).await.unwrap();
    let pgid = p.pid().unwrap();
    within(HANG, "kill", p.kill(Signal::TERM, ms(300)))
        .await
        .unwrap();
    let e = p.wait_for_exit(Some(secs(1))).await.unwrap();
    assert_eq!(e.exit_code, Some(137));
    assert_eq!(e.status, ProcessStatus::Killed);
    assert_eq!(e.signal, Some("SIGKILL"));
    assert_eq!(p.signal(), Some("SIGKILL"));
    assert!(live_group_members(pgid).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_names_with_or_without_sig_and_numbers() {
    let sb = sandbox();
    for (name, code, sig) in [
        ("SIGINT", 130, "SIGINT"),
        ("int", 130, "SIGINT"),
        ("HUP", 129, "SIGHUP"),
        ("9", 137, "SIGKILL"),
        ("sigkill", 137, "SIGKILL"),
    ] {
        let p = start(&sb, ["sleep", "300"]).await;
        let s = Signal::parse(name).unwrap();
        within(HANG, "kill", p.kill(s, secs(5))).await.unwrap();
        let e = p.wait_for_exit(Some(secs(1))).await.unwrap();
        assert_eq!((e.exit_code, e.signal), (Some(code), Some(sig)), "{name}");
        assert_eq!(e.status, ProcessStatus::Killed, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_terminating_signal_is_delivered_without_waiting() {
    let sb = sandbox();
    let p = start(
        &sb,
        "trap 'echo got usr1' USR1; echo armed; while :; do sleep 0.05; done",
    )
    .await;
    p.wait_for_log(&sub("armed"), Some(HANG)).await.unwrap();
    within(
        HANG,
        "kill",
        p.kill(Signal::parse("USR1").unwrap(), secs(5)),
    )
    .await
    .unwrap();
    p.wait_for_log(&sub("got usr1"), Some(HANG)).await.unwrap();
    assert_eq!(p.status(), ProcessStatus::Running);
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    assert_eq!(p.status(), ProcessStatus::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_an_ended_process_is_a_no_op() {
    let sb = sandbox();
    let p = start(&sb, "exit 3").await;
    let e = p.wait_for_exit(Some(HANG)).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Failed);
    p.kill(Signal::KILL, secs(1)).await.unwrap();
    sb.kill_process(p.id(), Signal::TERM).await.unwrap();
    // The record is unchanged.
    assert_eq!(p.exit_info(), Some(e));
    assert_eq!(p.exit_code(), Some(3));
    assert_eq!(sb.kill_all_processes().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_and_stop_by_id() {
    let sb = sandbox();
    let p = sb
        .start_process(
            "sleep 300",
            ProcessOptions {
                process_id: Some("web".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let q = sb
        .start_process(
            "sleep 300",
            ProcessOptions {
                process_id: Some("worker".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "kill_process", sb.kill_process("web", Signal::KILL))
        .await
        .unwrap();
    assert_eq!(p.status(), ProcessStatus::Killed);
    assert_eq!(p.signal(), Some("SIGKILL"));
    assert_eq!(q.status(), ProcessStatus::Running);
    within(HANG, "stop_process", sb.stop_process("worker"))
        .await
        .unwrap();
    assert_eq!(q.status(), ProcessStatus::Killed);
    assert_eq!(q.signal(), Some("SIGTERM"));
    let e = sb.kill_process("nope", Signal::TERM).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessNotFound);
    assert!(e.message.contains("nope"), "{}", e.message);
    assert_eq!(
        sb.stop_process("nope").await.unwrap_err().code,
        ErrorCode::ProcessNotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_processes_killed_at_once() {
    let sb = sandbox();
    let mut procs = Vec::new();
    for i in 0..200 {
        let cmd: Command = if i % 2 == 0 {
            "sleep 300".into()
        } else {
            ["sleep", "300"].into()
        };
        procs.push(
            sb.start_process(cmd, ProcessOptions::default())
                .await
                .unwrap(),
        );
    }
    assert!(procs.iter().all(|p| p.status() == ProcessStatus::Running));
    let n = within(HANG, "kill_all_processes", sb.kill_all_processes()).await;
    assert_eq!(n, 200);
    let me = std::process::id();
    for p in &procs {
        assert_eq!(p.status(), ProcessStatus::Killed, "{}", p.id());
        assert!(p.exit_info().is_some());
        let pid = p.pid().unwrap();
        // Reaped: gone, or the pid already belongs to someone else.
        let leftover = read_stat(pid).filter(|s| s.ppid == me && s.pgrp == pid);
        assert!(leftover.is_none(), "not reaped: {leftover:?}");
    }
    assert_eq!(sb.kill_all_processes().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_option_kills_a_process_that_runs_too_long() {
    let sb = sandbox();
    let p = sb
        .start_process(
            "echo started; sleep 300",
            ProcessOptions {
                timeout: Some(ms(300)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = within(HANG, "timeout kill", p.wait_for_exit(None))
        .await
        .unwrap();
    assert_eq!(e.status, ProcessStatus::Killed);
    assert_eq!(e.signal, Some("SIGTERM"));
    assert_eq!(e.exit_code, Some(143));
    assert_eq!(p.logs().stdout, "started\n");
    // A process that ends first is not touched by its timeout.
    let q = sb
        .start_process(
            "exit 0",
            ProcessOptions {
                timeout: Some(secs(60)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_process_still_ends_on_sigterm() {
    let sb = sandbox();
    let p = start(&sb, "sleep 300 & wait").await;
    let pgid = p.pid().unwrap();
    assert!(eventually(HANG, || live_group_members(pgid).len() == 2).await);
    p.kill(Signal::parse("SIGSTOP").unwrap(), secs(5))
        .await
        .unwrap();
    assert!(
        eventually(HANG, || live_group_members(pgid)
            .iter()
            .all(|m| m.state == "T"))
        .await
    );
    assert_eq!(p.status(), ProcessStatus::Running);
    // A stopped process acts on SIGTERM only once continued; kill must not need SIGKILL.
    within(HANG, "kill", p.kill(Signal::TERM, secs(20)))
        .await
        .unwrap();
    assert_eq!(p.signal(), Some("SIGTERM"));
    assert!(live_group_members(pgid).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_right_after_start_always_settles() {
    let sb = sandbox();
    for i in 0..100 {
        let p = start(&sb, "sleep 300").await;
        let sig = if i % 2 == 0 {
            Signal::TERM
        } else {
            Signal::KILL
        };
        within(HANG, "kill", p.kill(sig, secs(5))).await.unwrap();
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Killed, "{i}");
        assert_eq!(e.signal, Some(sig.name()), "{i}");
    }
    assert!(eventually(secs(5), || our_zombies().is_empty()).await);
}

/// Starts `(exec -a NAME sleep 40) & echo done` and waits for the leader's exit: `NAME`
/// is left running in the group.
async fn leader_gone_member_running(sb: &Sandbox, name: &str) -> (Process, u32) {
    let p = start(sb, format!("(exec -a {name} sleep 40) & echo done")).await;
    let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    let pgid = p.pid().unwrap();
    assert!(
        eventually(HANG, || live_group_members(pgid).len() == 1).await,
        "{:?}",
        group_members(pgid)
    );
    (p, pgid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_after_the_leader_exited_kills_what_is_left_of_its_group() {
    let sb = sandbox();
    let (p, pgid) = leader_gone_member_running(&sb, "pw-bg-kill").await;
    within(HANG, "kill", p.kill(Signal::TERM, secs(5)))
        .await
        .unwrap();
    assert!(
        live_group_members(pgid).is_empty(),
        "{:?}",
        live_group_members(pgid)
    );
    // The record keeps how the leader ended.
    assert_eq!(p.status(), ProcessStatus::Completed);
    assert_eq!(p.exit_code(), Some(0));

    let (q, pgid) = leader_gone_member_running(&sb, "pw-bg-kill-process").await;
    within(HANG, "kill_process", sb.kill_process(q.id(), Signal::TERM))
        .await
        .unwrap();
    assert!(live_group_members(pgid).is_empty());

    let (_, pgid) = leader_gone_member_running(&sb, "pw-bg-kill-all").await;
    let running = start(&sb, "sleep 300").await;
    let n = within(HANG, "kill_all_processes", sb.kill_all_processes()).await;
    assert_eq!(
        n, 2,
        "the stray group and the running process were signalled"
    );
    assert!(live_group_members(pgid).is_empty());
    assert_eq!(running.status(), ProcessStatus::Killed);
    // Nothing is left to signal.
    assert_eq!(sb.kill_all_processes().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_ignores_sigterm_after_the_leader_exited_gets_sigkill() {
    let sb = sandbox();
    let p = start(
        &sb,
        "(trap '' TERM; exec -a pw-bg-stubborn sleep 40) & echo done",
    )
    .await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let pgid = p.pid().unwrap();
    assert!(eventually(HANG, || live_group_members(pgid).len() == 1).await);
    within(HANG, "kill", p.kill(Signal::TERM, ms(300)))
        .await
        .unwrap();
    assert!(live_group_members(pgid).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_option_escalates_after_kill_timeout() {
    let sb = sandbox();
    let started = std::time::Instant::now();
    let p = sb
        .start_process(
            "trap '' TERM; echo armed; sleep 20",
            ProcessOptions {
                timeout: Some(ms(300)),
                kill_timeout: Some(ms(200)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    // 0.3 s + 0.2 s; the bound only has to tell that from 0.3 s + 5 s.
    assert!(started.elapsed() < secs(3), "took {:?}", started.elapsed());
    assert_eq!(e.status, ProcessStatus::Killed);
    assert_eq!(e.signal, Some("SIGKILL"));
    assert!(live_group_members(p.pid().unwrap()).is_empty());
}

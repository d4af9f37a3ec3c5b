//! Tree kill beyond the process group: what left the group (`setsid`, a double-forked
//! daemon) dies with its parent's kill, kill-all, destroy and host exit, found by the
//! PROCWRIGHT_TAG it inherited.

mod common;
use common::*;
use procwright::*;

/// A start whose escapees (a setsid child and a double-forked daemon) carry `mark`.
async fn start_with_escapees(sb: &Sandbox, mark: &str) -> Process {
    let p = sb
        .start_process(
            "setsid sleep 1000 & ( ( setsid sleep 1000 & ) & ); echo started; sleep 300",
            ProcessOptions {
                env: env(&[("PW_TREE_MARK", Some(mark))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    p.wait_for_log(&sub("started"), Some(HANG)).await.unwrap();
    // Both escapees must have left the group before the kill, or the test proves
    // nothing; a marked process exists before its `setsid()` call, so wait for the
    // call itself rather than for the process to appear (CI caught the gap).
    let pgid = p.pid().unwrap();
    let outside = || {
        live_with_env("PW_TREE_MARK", mark)
            .iter()
            .filter(|s| s.pgrp != pgid)
            .count()
    };
    assert!(
        eventually(HANG, || outside() >= 2).await,
        "the escapees did not leave the group: {:?}",
        live_with_env("PW_TREE_MARK", mark)
    );
    p
}

fn mark(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_reaches_processes_that_left_the_group() {
    let sb = sandbox();
    let m = mark("kill");
    let p = start_with_escapees(&sb, &m).await;
    within(HANG, "kill", p.kill(Signal::TERM, secs(5)))
        .await
        .unwrap();
    let left = live_with_env("PW_TREE_MARK", &m);
    assert!(left.is_empty(), "survivors: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_all_and_destroy_reach_them_too() {
    let sb = sandbox();
    let (a, b) = (mark("all-a"), mark("all-b"));
    start_with_escapees(&sb, &a).await;
    start_with_escapees(&sb, &b).await;
    let n = within(HANG, "kill all", sb.kill_all_processes()).await;
    assert_eq!(n, 2);
    assert!(live_with_env("PW_TREE_MARK", &a).is_empty());
    assert!(live_with_env("PW_TREE_MARK", &b).is_empty());
    let c = mark("destroy");
    start_with_escapees(&sb, &c).await;
    within(HANG, "destroy", sb.destroy()).await;
    assert!(live_with_env("PW_TREE_MARK", &c).is_empty());
    let d = mark("blocking");
    start_with_escapees(&sb, &d).await;
    let sb2 = sb.clone();
    tokio::task::spawn_blocking(move || sb2.destroy_blocking(secs(2)))
        .await
        .unwrap();
    assert!(
        eventually(HANG, || live_with_env("PW_TREE_MARK", &d).is_empty()).await,
        "host-exit kill left escapees"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_process_carries_its_tag_and_a_kill_spares_the_others() {
    let sb = sandbox();
    let r = sb
        .exec("echo $PROCWRIGHT_TAG", ExecOptions::default())
        .await
        .unwrap();
    let tag = r.stdout.trim();
    assert!(
        tag.starts_with(&format!("{}-", std::process::id())),
        "{tag:?}"
    );
    assert_eq!(TAG_VAR, "PROCWRIGHT_TAG");
    // Killing one process leaves another's escapees alone.
    let (m1, m2) = (mark("one"), mark("other"));
    let p1 = start_with_escapees(&sb, &m1).await;
    start_with_escapees(&sb, &m2).await;
    p1.kill(Signal::TERM, secs(5)).await.unwrap();
    assert!(live_with_env("PW_TREE_MARK", &m1).is_empty());
    assert!(live_with_env("PW_TREE_MARK", &m2).len() >= 3);
    sb.destroy().await;
    assert!(live_with_env("PW_TREE_MARK", &m2).is_empty());
}

/// A shell runs its trap once per SIGTERM it receives.
fn trapping(file: &std::path::Path) -> String {
    format!(
        "trap 'echo term >> {}' TERM; echo ready; while :; do sleep 0.05; done",
        file.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_kill_all_and_destroy_signal_each_process_once() {
    // The tag pass finds the group's own members too: they must not get the signal a
    // second time (a server's shutdown handler would run twice).
    let dir = std::env::temp_dir().join(format!("pw-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sb = sandbox();
    for (i, how) in ["kill", "kill all", "destroy"].iter().enumerate() {
        let file = dir.join(format!("trap-{i}"));
        let p = start(&sb, trapping(&file)).await;
        p.wait_for_log(&sub("ready"), Some(HANG)).await.unwrap();
        match i {
            // The trap does not exit: SIGKILL ends it after the timeout.
            0 => within(HANG, how, p.kill(Signal::TERM, secs(1)))
                .await
                .unwrap(),
            1 => {
                within(HANG, how, sb.kill_all_processes()).await;
            }
            _ => within(HANG, how, sb.destroy()).await,
        }
        assert_eq!(
            std::fs::read_to_string(&file).unwrap_or_default(),
            "term\n",
            "{how}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_that_waits_for_an_escapee_is_killed_not_completed() {
    // The escapee gets the signal after the group: were it first, the shell would see
    // its child die and exit 0 on its own before its own signal came.
    let sb = sandbox();
    for round in 0..6 {
        let p = start(&sb, "setsid sleep 300 & echo started; wait").await;
        p.wait_for_log(&sub("started"), Some(HANG)).await.unwrap();
        if round % 2 == 0 {
            within(HANG, "kill", p.kill(Signal::TERM, secs(5)))
                .await
                .unwrap();
        } else {
            within(HANG, "kill all", sb.kill_all_processes()).await;
        }
        let info = p.wait_for_exit(Some(HANG)).await.unwrap();
        assert_eq!(
            info.status,
            ProcessStatus::Killed,
            "round {round}: {info:?}"
        );
    }
    sb.destroy().await;
}

/// Leaves two processes behind: one in the background, one that left the group.
const LEAVE_TWO: &str = "sleep 1000 >/dev/null 2>&1 & setsid sleep 1000 >/dev/null 2>&1 & echo ok";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_sessions_commands_leave_carries_its_tag_and_dies_with_it() {
    let sb = sandbox();
    let m = mark("session");
    let options = || SessionOptions {
        env: env(&[("PW_TREE_MARK", Some(&m))]),
        ..Default::default()
    };
    let s = sb.create_session(options()).unwrap();
    let r = s
        .exec("echo ${PROCWRIGHT_TAG-NONE}", ExecOptions::default())
        .await
        .unwrap();
    assert!(
        r.stdout.starts_with(&format!("{}-", std::process::id())),
        "{:?}",
        r.stdout
    );
    // killAllProcesses of the session: its commands' leftovers go, the shell stays.
    s.exec(LEAVE_TWO, ExecOptions::default()).await.unwrap();
    s.exec("export PW_KEPT=yes", ExecOptions::default())
        .await
        .unwrap();
    assert!(eventually(HANG, || live_with_env("PW_TREE_MARK", &m).len() >= 3).await);
    within(HANG, "kill all", s.kill_all_processes()).await;
    let r = s
        .exec("echo $PW_KEPT", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(
        r.stdout, "yes\n",
        "the shell and its state survive kill-all"
    );
    let left = live_with_env("PW_TREE_MARK", &m);
    assert_eq!(left.len(), 1, "only the shell is left: {left:?}");
    // Deleting the session: the shell and everything its commands left.
    s.exec(LEAVE_TWO, ExecOptions::default()).await.unwrap();
    within(HANG, "delete", sb.delete_session(s.id()))
        .await
        .unwrap();
    let left = live_with_env("PW_TREE_MARK", &m);
    assert!(left.is_empty(), "survivors of delete: {left:?}");
    // Destroying the sandbox, with the session still there.
    let s = sb.create_session(options()).unwrap();
    s.exec(LEAVE_TWO, ExecOptions::default()).await.unwrap();
    within(HANG, "destroy", sb.destroy()).await;
    let left = live_with_env("PW_TREE_MARK", &m);
    assert!(left.is_empty(), "survivors of destroy: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_exec_leaves_dies_with_kill_all_and_destroy() {
    let sb = sandbox();
    let m = mark("exec-left");
    let options = || ExecOptions {
        env: env(&[("PW_TREE_MARK", Some(&m))]),
        ..Default::default()
    };
    for round in 0..2 {
        let r = sb.exec(LEAVE_TWO, options()).await.unwrap();
        assert_eq!(r.stdout, "ok\n");
        assert!(eventually(HANG, || live_with_env("PW_TREE_MARK", &m).len() == 2).await);
        // The exec's record is gone; its leftovers are the sandbox's all the same.
        assert!(sb.list_processes().is_empty());
        if round == 0 {
            within(HANG, "kill all", sb.kill_all_processes()).await;
        } else {
            within(HANG, "destroy", sb.destroy()).await;
        }
        let left = live_with_env("PW_TREE_MARK", &m);
        assert!(left.is_empty(), "round {round}: survivors {left:?}");
    }
}

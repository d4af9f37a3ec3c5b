//! Timeouts too large for a deadline (the values users passed: 9.3e18 s from Python,
//! 1.8e22 ms from Node, and the largest Duration) mean "no deadline": every call still
//! does its job and settles, nothing panics. (shutdown_all's grace: see shutdown.rs.)

mod common;
use common::*;
use procwright::*;
use std::time::Duration;

fn huge() -> [Duration; 3] {
    [
        Duration::from_secs_f64(9.3e18),
        Duration::from_secs_f64(1.8e19),
        Duration::MAX,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_with_a_huge_timeout() {
    let sb = sandbox();
    for timeout in huge() {
        let p = start(&sb, "sleep 300 & wait").await;
        within(HANG, "kill", p.kill(Signal::TERM, timeout))
            .await
            .unwrap();
        assert_eq!(p.status(), ProcessStatus::Killed);
        assert!(live_group_members(p.pid().unwrap()).is_empty());
        // The same on what is left of a group whose leader exited.
        let q = start(&sb, "(exec -a pw-huge sleep 40) & echo done").await;
        within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
        let pgid = q.pid().unwrap();
        assert!(eventually(HANG, || live_group_members(pgid).len() == 1).await);
        within(HANG, "kill", q.kill(Signal::TERM, timeout))
            .await
            .unwrap();
        assert!(live_group_members(pgid).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_with_a_huge_timeout() {
    let sb = sandbox();
    let port = free_port_v4();
    for timeout in huge() {
        let p = start(
            &sb,
            format!("echo ready; exec python3 -m http.server {port} --bind 127.0.0.1"),
        )
        .await;
        let hit = within(HANG, "log", p.wait_for_log(&sub("ready"), Some(timeout)))
            .await
            .unwrap();
        assert_eq!(hit.line, "ready");
        let options = PortWaitOptions {
            mode: PortMode::Tcp,
            timeout: Some(timeout),
            ..Default::default()
        };
        within(HANG, "port", p.wait_for_port(port, &options))
            .await
            .unwrap();
        p.kill(Signal::TERM, secs(5)).await.unwrap();
        let e = within(HANG, "exit", p.wait_for_exit(Some(timeout)))
            .await
            .unwrap();
        assert_eq!(e.status, ProcessStatus::Killed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_and_exec_options_with_a_huge_timeout() {
    let sb = sandbox();
    for timeout in huge() {
        let r = within(
            HANG,
            "exec",
            sb.exec(
                "echo done",
                ExecOptions {
                    timeout: Some(timeout),
                    kill_timeout: Some(timeout),
                    ..Default::default()
                },
            ),
        )
        .await
        .unwrap();
        assert_eq!(r.stdout, "done\n");
        // A timeout that fires, with a huge grace after SIGTERM: SIGTERM ends it.
        let p = sb
            .start_process(
                "sleep 300",
                ProcessOptions {
                    timeout: Some(ms(100)),
                    kill_timeout: Some(timeout),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert_eq!(
            (e.status, e.signal),
            (ProcessStatus::Killed, Some("SIGTERM"))
        );
        // A huge timeout that never fires.
        let q = sb
            .start_process(
                "exit 0",
                ProcessOptions {
                    timeout: Some(timeout),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let e = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
        assert_eq!(e.status, ProcessStatus::Completed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_forked_after_the_group_signal_is_signalled_too() {
    // The parent holds SIGTERM pending and blocked while it forks: the child does not
    // inherit a pending signal, so the group's SIGTERM never reaches it. With no
    // deadline, only signalling newcomers ends the kill.
    let sb = sandbox();
    let p = start(
        &sb,
        [
            "python3",
            "-c",
            "import os,signal,time\n\
             signal.pthread_sigmask(signal.SIG_BLOCK,{signal.SIGTERM})\n\
             print('blocked',flush=True)\n\
             time.sleep(0.5)\n\
             if os.fork()==0:\n    \
                 signal.pthread_sigmask(signal.SIG_UNBLOCK,{signal.SIGTERM})\n    \
                 os.execvp('sleep',['sleep','300'])\n\
             signal.pthread_sigmask(signal.SIG_UNBLOCK,{signal.SIGTERM})\n\
             time.sleep(300)",
        ],
    )
    .await;
    p.wait_for_log(&sub("blocked"), Some(HANG)).await.unwrap();
    let pgid = p.pid().unwrap();
    within(HANG, "kill", p.kill(Signal::TERM, Duration::MAX))
        .await
        .unwrap();
    assert!(live_group_members(pgid).is_empty());
}

//! destroy racing with starts in flight: nothing started by a start that was called
//! before destroy survives it, and the sandbox works again afterwards.

mod common;
use common::*;
use procwright::*;

/// Bounded so the test stays a few seconds on a shared 2-core machine.
const TRIALS: usize = 200;
const STARTS_PER_TRIAL: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_during_starts_leaves_no_survivors() {
    let sb = sandbox();
    let mark = format!("race-{}", std::process::id());
    let options = || ProcessOptions {
        env: env(&[("PW_RACE", Some(&mark))]),
        ..Default::default()
    };
    let (mut started, mut refused) = (0, 0);
    for trial in 0..TRIALS {
        // Called before destroy, run on the runtime's workers while this thread
        // destroys, as the bindings' futures are.
        let starts: Vec<_> = (0..STARTS_PER_TRIAL)
            .map(|_| tokio::spawn(sb.start_process(["sleep", "30"], options())))
            .collect();
        tokio::task::yield_now().await;
        within(HANG, "destroy", sb.destroy()).await;
        for s in starts {
            match within(HANG, "start", s).await.unwrap() {
                Ok(p) => {
                    started += 1;
                    assert!(
                        p.status().is_final(),
                        "trial {trial}: {p:?} still {} after destroy",
                        p.status()
                    );
                }
                Err(e) => {
                    refused += 1;
                    assert_eq!(e.code, ErrorCode::ProcessError, "trial {trial}: {e}");
                    assert!(e.message.contains("destroyed"), "{}", e.message);
                }
            }
        }
        let survivors = live_with_env("PW_RACE", &mark);
        assert!(
            survivors.is_empty(),
            "trial {trial}: alive after destroy: {survivors:?}"
        );
    }
    eprintln!("{started} starts completed before destroy, {refused} refused");
    // A start called after destroy finished works as in a fresh sandbox.
    let p = start(&sb, "exit 0").await;
    let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    assert!(sb.list_processes().iter().any(|q| q.id() == p.id()));
    assert!(eventually(secs(5), || our_zombies().is_empty()).await);
}

//! A child must not die because the thread that spawned it exited (the trap of
//! PR_SET_PDEATHSIG, which fires on the spawning *thread's* exit, not the process's).

use procwright::{ProcessOptions, ProcessStatus, Sandbox, SandboxOptions, Signal};
use std::time::Duration;

#[test]
fn child_outlives_the_blocking_thread_that_spawned_it() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_keep_alive(Duration::from_millis(50))
        .enable_all()
        .build()
        .unwrap();
    let sandbox = Sandbox::new(SandboxOptions::default()).unwrap();
    let handle = rt.handle().clone();
    let sb = sandbox.clone();
    // A blocking-pool thread spawns the child, then idles out and exits.
    let process = rt
        .block_on(async move {
            tokio::task::spawn_blocking(move || {
                handle.block_on(sb.start_process("exec sleep 30", ProcessOptions::default()))
            })
            .await
        })
        .unwrap()
        .unwrap();
    let pid = process.pid().unwrap();
    // Long enough for the blocking thread to pass its keep-alive and exit.
    std::thread::sleep(Duration::from_millis(600));
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("child is still there");
    let state = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_ne!(state, "Z", "child died with its spawning thread");
    assert_eq!(process.status(), ProcessStatus::Running);
    rt.block_on(process.kill(Signal::TERM, Duration::from_secs(5)))
        .unwrap();
    assert_eq!(process.status(), ProcessStatus::Killed);
}

#[test]
fn a_current_thread_runtime_drives_everything() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sandbox = Sandbox::new(SandboxOptions::default()).unwrap();
        let p = sandbox
            .start_process("printf 'a\\nb'", ProcessOptions::default())
            .await
            .unwrap();
        let exit = p
            .wait_for_exit(Some(Duration::from_secs(10)))
            .await
            .unwrap();
        assert_eq!(exit.status, ProcessStatus::Completed);
        assert_eq!(p.logs().stdout, "a\nb");
    });
}

//! Waiting costs nothing: pending log waits and exit waits do not poll. Alone in its
//! binary because it reads the CPU time of the whole test process.

mod common;
use common::*;
use procwright::*;

/// User plus system CPU time of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime); `after` starts at field 3.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_waits_do_not_burn_cpu() {
    let sb = sandbox();
    let p = start(&sb, "echo started; sleep 300").await;
    p.wait_for_log(&sub("started"), Some(HANG)).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let p = p.clone();
        set.spawn(async move {
            if i % 2 == 0 {
                p.wait_for_log(&sub("never"), None).await.map(|_| ())
            } else {
                p.wait_for_exit(None).await.map(|_| ())
            }
        });
    }
    let mut stream = p.stream_logs();
    assert_eq!(stream.next().await.unwrap().data, "started\n");
    let idle = tokio::spawn(async move { stream.next().await });
    tokio::time::sleep(ms(100)).await;
    let before = cpu_ticks();
    tokio::time::sleep(secs(2)).await;
    let used = cpu_ticks() - before;
    eprintln!("{used} ticks of CPU in 2 s of waiting");
    // Clock ticks are normally 1/100 s: polling 50 waits for 2 s would cost far more
    // than this bound, which only allows for the runtime's own housekeeping.
    assert!(used < 50, "{used} ticks of CPU while idle");
    // They are all still pending and all end when the process does.
    assert_eq!(set.len(), 50);
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    let mut ended = 0;
    while let Some(r) = within(HANG, "waits", set.join_next()).await {
        let r = r.unwrap();
        if let Err(e) = r {
            assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
        }
        ended += 1;
    }
    assert_eq!(ended, 50);
    let last = within(HANG, "stream", idle).await.unwrap().unwrap();
    assert_eq!(last.kind, LogEventKind::Exit);
}

//! stdin: a pipe the host writes to, backpressure, close, and every way a write fails.

mod common;
use common::*;
use procwright::*;

fn piped() -> ProcessOptions {
    ProcessOptions {
        stdin: Some(StdinMode::Pipe),
        ..Default::default()
    }
}

async fn start_piped(sb: &Sandbox, cmd: &str) -> Process {
    sb.start_process(cmd, piped()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn written_bytes_arrive_and_close_ends_the_input() {
    let sb = sandbox();
    let p = start_piped(&sb, "cat").await;
    p.write(b"hello ").await.unwrap();
    p.write("wörld\n".as_bytes()).await.unwrap();
    p.close_stdin().await.unwrap();
    p.close_stdin().await.unwrap(); // twice is fine
    let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(exit.exit_code, Some(0));
    assert_eq!(p.logs().stdout, "hello wörld\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_mib_through_wc_arrive_whole() {
    let sb = sandbox();
    let p = start_piped(&sb, "wc -c").await;
    let data = vec![b'x'; 8 * 1024 * 1024];
    within(HANG, "write", p.write(&data)).await.unwrap();
    p.close_stdin().await.unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(p.logs().stdout.trim(), "8388608");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_land_in_call_order() {
    let sb = sandbox();
    let p = start_piped(&sb, "cat").await;
    let a = vec![b'a'; 300_000];
    let b = vec![b'b'; 300_000];
    let (ra, rb) = tokio::join!(p.write(&a), p.write(&b));
    ra.unwrap();
    rb.unwrap();
    p.close_stdin().await.unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let out = p.logs().stdout;
    assert_eq!(out.len(), 600_000);
    assert!(out[..300_000].bytes().all(|c| c == b'a'));
    assert!(out[300_000..].bytes().all(|c| c == b'b'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failed_write_says_why() {
    let sb = sandbox();
    let plain = start(&sb, "sleep 300").await;
    let e = plain.write(b"x").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
    assert!(e.message.contains("no stdin pipe"), "{}", e.message);
    assert!(plain.close_stdin().await.is_err());

    let closed = start_piped(&sb, "sleep 300").await;
    closed.close_stdin().await.unwrap();
    let e = closed.write(b"x").await.unwrap_err();
    assert!(e.message.contains("is closed"), "{}", e.message);

    let done = start_piped(&sb, "true").await;
    within(HANG, "exit", done.wait_for_exit(None))
        .await
        .unwrap();
    let e = done.write(b"x").await.unwrap_err();
    assert!(e.message.contains("has ended"), "{}", e.message);
    assert_eq!(e.process_id.as_deref(), Some(done.id()));

    // A child that closes its stdin early: EPIPE is an error, never a signal to the host.
    let shut = start_piped(&sb, "exec 0<&-; echo shut; sleep 300").await;
    shut.wait_for_log(&sub("shut"), Some(HANG)).await.unwrap();
    let e = within(HANG, "write", shut.write(&vec![b'x'; 4 << 20]))
        .await
        .unwrap_err();
    assert!(e.message.contains("EPIPE"), "{}", e.message);
    let e = shut.write(b"x").await.unwrap_err();
    assert!(e.message.contains("is closed"), "{}", e.message);
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_on_a_full_pipe_is_released_by_kill_and_by_cancel() {
    let sb = sandbox();
    let p = start_piped(&sb, "sleep 300").await;
    let big = vec![b'x'; 64 << 20];
    // Cancelled (the future dropped): the process is untouched and takes more writes.
    assert!(tokio::time::timeout(ms(200), p.write(&big)).await.is_err());
    assert_eq!(p.status(), ProcessStatus::Running);
    let pending = {
        let p = p.clone();
        let big = big.clone();
        tokio::spawn(async move { p.write(&big).await })
    };
    tokio::time::sleep(ms(100)).await;
    assert!(
        !pending.is_finished(),
        "a write to a process that never reads resolved"
    );
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    let e = within(HANG, "released write", pending)
        .await
        .unwrap()
        .unwrap_err();
    // Released at once, whichever the write saw first: the reader gone, or the exit;
    // either way it says the process was killed or ended, not that it closed its stdin.
    assert!(
        e.message.contains("has ended") || e.message.contains("was killed"),
        "{}",
        e.message
    );

    // destroy releases one too.
    let q = start_piped(&sb, "sleep 300").await;
    let pending = tokio::spawn(async move { q.write(&big).await });
    tokio::time::sleep(ms(100)).await;
    within(HANG, "destroy", sb.destroy()).await;
    assert!(within(HANG, "released write", pending)
        .await
        .unwrap()
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_input_is_written_then_closed() {
    let sb = sandbox();
    let r = sb
        .exec(
            "wc -c; cat >/dev/null",
            ExecOptions {
                input: Some(b"abc".to_vec()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout.trim(), "3");
    // A command that reads nothing still ends: the unread input is dropped.
    let r = sb
        .exec(
            "true",
            ExecOptions {
                input: Some(vec![b'x'; 4 << 20]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(r.success);
    // Without input, stdin is /dev/null: `cat` ends at once.
    let r = sb.exec("cat", ExecOptions::default()).await.unwrap();
    assert_eq!(r.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_modes_parse() {
    assert_eq!("pipe".parse::<StdinMode>().unwrap(), StdinMode::Pipe);
    assert_eq!("ignore".parse::<StdinMode>().unwrap(), StdinMode::Ignore);
    assert_eq!(
        "tty".parse::<StdinMode>().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_keep_call_order_whatever_order_they_are_polled_in() {
    let sb = sandbox();
    for _ in 0..5 {
        let p = start_piped(&sb, "cat").await;
        let writes: Vec<_> = (0..1000)
            .map(|i| p.write(format!("[{i:03}]").as_bytes()))
            .collect();
        let close = p.close_stdin();
        // Polled last first, and some dropped before their turn: the order stays.
        let mut writes: Vec<_> = writes.into_iter().rev().collect();
        let dropped = writes.remove(500); // write 499
        drop(dropped);
        let all = futures_join(writes);
        within(HANG, "writes", all).await;
        close.await.unwrap();
        within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        let want: String = (0..1000)
            .filter(|i| *i != 499)
            .map(|i| format!("[{i:03}]"))
            .collect();
        assert_eq!(p.logs().stdout, want);
    }
}

/// Awaits every future, each in a task of its own, so they race for their turn.
async fn futures_join(fs: Vec<impl std::future::Future<Output = Result<()>> + Send + 'static>) {
    let tasks: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

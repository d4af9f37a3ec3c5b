//! Terminals: a process on a pseudo-terminal sees a TTY, its output is stdout, `write`
//! is its keyboard (Ctrl-C included), `resize` reaches it as SIGWINCH, `kill` ends it.

mod common;
use common::*;
use procwright::*;

fn on_pty(cols: u16, rows: u16) -> ProcessOptions {
    ProcessOptions {
        pty: Some(PtySize::new(cols, rows).unwrap()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pty_process_sees_a_terminal_and_its_output_is_stdout() {
    let sb = sandbox();
    let p = sb
        .start_process(
            "test -t 0 && test -t 1 && test -t 2 && echo on-a-tty; stty size; echo err >&2",
            on_pty(80, 24),
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let logs = p.logs();
    assert!(logs.stdout.contains("on-a-tty"), "{:?}", logs.stdout);
    assert!(logs.stdout.contains("24 80"), "{:?}", logs.stdout);
    assert!(logs.stdout.contains("err"), "{:?}", logs.stdout);
    assert_eq!(logs.stderr, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_is_the_keyboard_echo_and_ctrl_c_included() {
    let sb = sandbox();
    let p = sb.start_process("cat", on_pty(80, 24)).await.unwrap();
    p.write(b"hello\n").await.unwrap();
    // The terminal echoes the line, then cat prints it: twice.
    let m = p.wait_for_log(&re(r"^hello$"), Some(HANG)).await.unwrap();
    assert_eq!(m.line, "hello");
    // Ctrl-D at the start of a line is end of file for cat.
    p.close_stdin().await.unwrap();
    let exit = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(exit.exit_code, Some(0));
    assert_eq!(p.logs().stdout.matches("hello").count(), 2);

    let q = sb
        .start_process(
            "trap 'echo got-int; exit 7' INT; echo armed; while :; do sleep 0.05; done",
            on_pty(80, 24),
        )
        .await
        .unwrap();
    q.wait_for_log(&sub("armed"), Some(HANG)).await.unwrap();
    q.write(b"\x03").await.unwrap();
    q.wait_for_log(&sub("got-int"), Some(HANG)).await.unwrap();
    let exit = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!(exit.exit_code, Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resize_reaches_the_process_as_sigwinch() {
    let sb = sandbox();
    let p = sb
        .start_process(
            "trap 'stty size' WINCH; echo ready; while :; do sleep 0.05; done",
            on_pty(80, 24),
        )
        .await
        .unwrap();
    p.wait_for_log(&sub("ready"), Some(HANG)).await.unwrap();
    p.resize(PtySize::new(132, 50).unwrap()).unwrap();
    p.wait_for_log(&sub("50 132"), Some(HANG)).await.unwrap();
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    let plain = start(&sb, "sleep 300").await;
    let e = plain.resize(PtySize::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
    assert!(e.message.contains("no terminal"), "{}", e.message);
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_ends_the_whole_tree_on_a_terminal() {
    let sb = sandbox();
    let p = sb
        .start_process("sleep 300 & sleep 300 & echo started; wait", on_pty(80, 24))
        .await
        .unwrap();
    p.wait_for_log(&sub("started"), Some(HANG)).await.unwrap();
    let pgid = p.pid().unwrap();
    assert!(eventually(HANG, || live_group_members(pgid).len() == 3).await);
    p.kill(Signal::TERM, secs(5)).await.unwrap();
    assert!(live_group_members(pgid).is_empty());
    assert_eq!(p.status(), ProcessStatus::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_terminal_options_are_invalid_arguments() {
    for (cols, rows) in [(0, 24), (80, 0), (-1, 24), (80, 65536), (i64::MAX, 1)] {
        let e = input::pty_size(cols, rows).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{cols}x{rows}");
        assert!(e.message.contains("1 to 65535"), "{}", e.message);
    }
    assert!(PtySize::new(0, 1).is_err());
    let sb = sandbox();
    let e = sb
        .start_process(
            "true",
            ProcessOptions {
                pty: Some(PtySize::default()),
                stdin: Some(StdinMode::Ignore),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("terminal"), "{}", e.message);
    assert!(sb.list_processes().is_empty());
}

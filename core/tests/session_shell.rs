//! Sessions are persistent shells: state persists between execs, output comes back
//! exactly, `exit`, timeouts and outside kills give a fresh shell, calls keep their order.

mod common;
use common::*;
use procwright::*;

async fn session(sb: &Sandbox) -> Session {
    sb.create_session(SessionOptions::default()).unwrap()
}

async fn run(s: &Session, cmd: &str) -> ExecResult {
    within(HANG, cmd, s.exec(cmd, ExecOptions::default()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cd_export_variables_functions_and_aliases_persist() {
    let sb = sandbox();
    let s = session(&sb).await;
    let first = run(
        &s,
        "cd /tmp; export PW_A=1; PW_X=5; f() { echo in-f; }; alias ll='echo aliased'",
    )
    .await;
    assert!(first.success, "{first:?}");
    assert!(!first.shell_restarted);
    let r = run(&s, "pwd; echo $PW_A $PW_X; f; ll").await;
    assert_eq!(r.stdout, "/tmp\n1 5\nin-f\naliased\n", "{r:?}");
    // The sandbox's own exec stays stateless.
    let r = sb
        .exec("pwd; echo \"[$PW_A]\"", ExecOptions::default())
        .await
        .unwrap();
    assert_ne!(r.stdout.lines().next(), Some("/tmp"));
    assert!(r.stdout.contains("[]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_comes_back_separately_and_exactly() {
    let sb = sandbox();
    let s = session(&sb).await;
    let r = run(
        &s,
        "printf 'no newline'; printf 'err\\n' >&2; exit_code=3; (exit $exit_code)",
    )
    .await;
    assert_eq!(r.stdout, "no newline");
    assert_eq!(r.stderr, "err\n");
    assert_eq!(r.exit_code, 3);
    // Lines that look like an end marker, quotes left open, a syntax error: all only
    // the command's own output and status.
    let r = run(&s, "echo '0123456789abcdef0123456789abcdef 0'; echo done").await;
    assert_eq!(r.stdout, "0123456789abcdef0123456789abcdef 0\ndone\n");
    let r = run(&s, "echo \"unterminated").await;
    assert_ne!(r.exit_code, 0);
    assert!(!r.stderr.is_empty());
    // The shell names the command by its private file; that path does not show.
    let r = run(&s, "if ( then").await;
    assert!(r.stderr.contains("syntax error"), "{}", r.stderr);
    assert!(!r.stderr.contains("procwright-session"), "{}", r.stderr);
    let r = run(&s, "echo still-in-sync").await;
    assert_eq!(r.stdout, "still-in-sync\n");
    let r = run(&s, "printf '\\xff\\x00a'").await;
    assert_eq!(r.stdout, "\u{fffd}\u{0}a");
    let r = s
        .exec(
            "wc -c",
            ExecOptions {
                input: Some(b"abc".to_vec()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout.trim(), "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_returns_its_code_and_the_next_call_gets_a_fresh_shell() {
    let sb = sandbox();
    let s = session(&sb).await;
    run(&s, "export PW_KEEP=1").await;
    let r = run(&s, "echo bye; exit 3").await;
    assert_eq!(r.exit_code, 3);
    assert_eq!(r.stdout, "bye\n");
    let r = run(&s, "echo \"[$PW_KEEP]\"").await;
    assert_eq!(r.stdout, "[]\n");
    assert!(r.shell_restarted);
    assert!(!run(&s, "true").await.shell_restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_command_and_restarts_the_shell_only_if_it_must() {
    let sb = sandbox();
    let s = session(&sb).await;
    run(&s, "export PW_KEEP=1").await;
    let timed = |cmd: &'static str| {
        s.exec(
            cmd,
            ExecOptions {
                timeout: Some(ms(300)),
                kill_timeout: Some(ms(300)),
                ..Default::default()
            },
        )
    };
    let e = within(HANG, "timeout", timed("sleep 30"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CommandTimeout);
    assert!(!e.message.contains("restarted"), "{}", e.message);
    let r = run(&s, "echo \"[$PW_KEEP]\"").await;
    assert_eq!(r.stdout, "[1]\n", "the shell survived, with its state");
    // A loop in the shell itself: only killing the shell ends it.
    let e = within(HANG, "timeout", timed("while :; do :; done"))
        .await
        .unwrap_err();
    assert!(e.message.contains("restarted"), "{}", e.message);
    let r = run(&s, "echo \"[$PW_KEEP]\"").await;
    assert_eq!(r.stdout, "[]\n");
    assert!(r.shell_restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_killed_from_outside_fails_its_command_and_is_replaced() {
    let sb = sandbox();
    let s = session(&sb).await;
    let pid: i32 = run(&s, "echo $$").await.stdout.trim().parse().unwrap();
    let busy = {
        let s = s.clone();
        tokio::spawn(async move { s.exec("sleep 30", ExecOptions::default()).await })
    };
    tokio::time::sleep(ms(200)).await;
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let r = within(HANG, "interrupted", busy).await.unwrap().unwrap();
    assert_eq!(r.exit_code, 137, "{r:?}");
    let r = run(&s, "echo again").await;
    assert_eq!(r.stdout, "again\n");
    assert!(r.shell_restarted);
    // Killed while idle: the same.
    let pid: i32 = run(&s, "echo $$").await.stdout.trim().parse().unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    tokio::time::sleep(ms(100)).await;
    assert_eq!(run(&s, "echo idle-again").await.stdout, "idle-again\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_sessions_of_ten_concurrent_calls_each_keep_their_order() {
    let sb = sandbox();
    let dir = TempDir::new("sessions");
    let mut all = tokio::task::JoinSet::new();
    for n in 0..100 {
        let s = session(&sb).await;
        let file = dir.path().join(format!("s{n}"));
        for k in 0..10 {
            let (s, file) = (s.clone(), file.clone());
            // Called in order k = 0..9 (the futures are made now, in this order).
            let call = s.exec(
                format!("echo {n}-{k}; echo {k} >> '{}'", file.display()),
                ExecOptions::default(),
            );
            all.spawn(async move { (n, k, call.await) });
        }
    }
    while let Some(done) = all.join_next().await {
        let (n, k, r) = done.unwrap();
        assert_eq!(r.unwrap().stdout, format!("{n}-{k}\n"));
    }
    for n in 0..100 {
        let order = std::fs::read_to_string(dir.path().join(format!("s{n}"))).unwrap();
        let want: String = (0..10).map(|k| format!("{k}\n")).collect();
        assert_eq!(order, want, "session {n}");
    }
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_process_uses_the_shells_cwd_and_env_and_delete_kills_the_shell() {
    let sb = sandbox();
    let s = session(&sb).await;
    run(&s, "cd /tmp && export PW_SNAP=42").await;
    let p = s
        .start_process("pwd; echo $PW_SNAP", ProcessOptions::default())
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(p.logs().stdout, "/tmp\n42\n");
    // A per-call cwd or env runs in a subshell: the shell itself is unchanged.
    let r = s
        .exec(
            "pwd; echo $PW_ONCE; cd /",
            ExecOptions {
                cwd: Some("/usr".into()),
                env: env(&[("PW_ONCE", Some("x"))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout, "/usr\nx\n");
    assert_eq!(run(&s, "pwd").await.stdout, "/tmp\n");
    let bad = s
        .exec(
            "true",
            ExecOptions {
                env: env(&[("A;B", Some("x"))]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidArgument);
    let pid: u32 = run(&s, "echo $$").await.stdout.trim().parse().unwrap();
    assert!(pid_alive(pid));
    sb.delete_session(s.id()).await.unwrap();
    assert!(
        eventually(HANG, || !pid_alive(pid)).await,
        "the shell outlived its session"
    );
}

/// Shell state a user may leave behind, each of which broke the protocol once (a
/// silent empty answer or a hang): the protocol must not depend on any of it.
const HOSTILE: [&str; 18] = [
    "set -o noclobber",
    "printf() { echo wrapped; }",
    "alias printf=true",
    "alias .=true",
    "function . { echo hijacked; }",
    "set -u",
    "trap 'echo dbg' DEBUG",
    "PROMPT_COMMAND='echo pc'",
    "IFS=",
    "exec >/dev/null",
    "unset PATH",
    "alias cd=true export=true unset=true; cd() { :; }",
    "exec 9>/dev/null 3>&-",
    "export CDPATH=/usr",
    "declare -n __procwright_status=PW_Z",
    "exec 63>&-",
    "exec 63>&1",
    "readonly __procwright_status=1",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordinary_shell_state_never_breaks_a_session() {
    let sb = sandbox();
    for state in HOSTILE {
        let s = session(&sb).await;
        let r = within(HANG, state, run(&s, state)).await;
        assert_eq!(r.exit_code, 0, "{state}: {r:?}");
        // Twice: noclobber refuses to overwrite files the first call left.
        for round in 0..2 {
            let r = within(
                HANG,
                state,
                s.exec("echo out; echo err >&2; (exit 3)", ExecOptions::default()),
            )
            .await
            .unwrap();
            assert!(r.stdout.ends_with("out\n"), "{state} ({round}): {r:?}");
            assert_eq!(r.stderr, "err\n", "{state} ({round}): {r:?}");
            assert_eq!(r.exit_code, 3, "{state} ({round}): {r:?}");
            assert!(!r.shell_restarted, "{state}: the shell was restarted");
        }
        // A call with its own cwd and env goes through cd, export and unset.
        let r = within(
            HANG,
            state,
            s.exec(
                "echo \"$PWD [$PW_SCOPED]\"",
                ExecOptions {
                    cwd: Some("/tmp".into()),
                    env: env(&[("PW_SCOPED", Some("yes"))]),
                    ..Default::default()
                },
            ),
        )
        .await
        .unwrap();
        assert!(r.stdout.ends_with("/tmp [yes]\n"), "{state}: {r:?}");
        // And a process started in the session sees the shell's environment.
        let p = within(
            HANG,
            state,
            s.start_process("echo started", ProcessOptions::default()),
        )
        .await
        .unwrap();
        p.wait_for_exit(Some(HANG)).await.unwrap();
        sb.delete_session(s.id()).await.unwrap();
    }
}

/// State that no protocol gets past: the shell is replaced, and the next call says so.
const CAUGHT: [&str; 3] = [
    "builtin() { echo hijacked; }; command() { echo hijacked; }",
    "enable -n builtin",
    "enable -n . printf cd",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_the_protocol_cannot_pass_restarts_the_shell_and_says_so() {
    let sb = sandbox();
    for state in CAUGHT {
        let s = session(&sb).await;
        run(&s, "export PW_STATE=kept").await;
        let r = within(HANG, state, run(&s, state)).await;
        assert_eq!(r.exit_code, 0, "{state}: {r:?}");
        let r = within(
            HANG,
            state,
            s.exec(
                "echo \"out [${PW_STATE-}]\"; (exit 3)",
                ExecOptions::default(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            (r.stdout.as_str(), r.exit_code),
            ("out []\n", 3),
            "{state}: {r:?}"
        );
        assert!(r.shell_restarted, "{state}: the restart is reported");
        let r = run(&s, "echo again").await;
        assert_eq!(r.stdout, "again\n");
        assert!(!r.shell_restarted, "{state}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_e_ends_the_shell_as_a_terminal_would_and_says_so() {
    let sb = sandbox();
    let s = session(&sb).await;
    run(&s, "set -e; export PW_GONE=1").await;
    let r = within(HANG, "false", s.exec("false", ExecOptions::default()))
        .await
        .unwrap();
    assert_eq!(r.exit_code, 1);
    let r = run(&s, "echo \"[${PW_GONE-}]\"").await;
    assert_eq!(r.stdout, "[]\n");
    assert!(r.shell_restarted, "the fresh shell is reported: {r:?}");
}

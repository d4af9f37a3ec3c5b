//! Every kind of bad input is a typed error with a message that says what was wrong;
//! nothing panics, hangs, or touches another process's record.

mod common;
use common::*;
use procwright::*;
use std::collections::HashMap;
use std::path::PathBuf;

fn with_id(id: &str) -> ProcessOptions {
    ProcessOptions {
        process_id: Some(id.into()),
        ..Default::default()
    }
}

fn env1(k: &str, v: Option<&str>) -> EnvChanges {
    HashMap::from([(k.to_string(), v.map(str::to_string))])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_and_blank_commands_are_invalid_command() {
    let sb = sandbox();
    let bad: Vec<Command> = vec![
        "".into(),
        "   ".into(),
        " \t\n ".into(),
        Command::Argv(vec![]),
        [""].into(),
        ["  "].into(),
    ];
    for c in bad {
        let e = sb
            .start_process(c.clone(), ProcessOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCommand, "{c:?}");
        assert!(e.message.contains("empty"), "{}", e.message);
        let e = sb
            .exec(c.clone(), ExecOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCommand, "{c:?}");
    }
    assert!(sb.list_processes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_bytes_anywhere_are_rejected() {
    let sb = sandbox();
    let e = sb
        .start_process("echo a\0b", ProcessOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCommand);
    assert!(e.message.contains("NUL"), "{}", e.message);
    let e = sb
        .start_process(["echo", "a\0b"], ProcessOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCommand);
    for env in [env1("A\0B", Some("x")), env1("A", Some("x\0y"))] {
        let e = sb
            .start_process(
                "true",
                ProcessOptions {
                    env,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert!(e.message.contains("NUL"), "{}", e.message);
    }
    let e = sb
        .start_process(
            "true",
            ProcessOptions {
                cwd: Some(PathBuf::from("/tm\0p")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("cwd"), "{}", e.message);
    let e = sb.start_process("true", with_id("a\0b")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("process id"), "{}", e.message);
    // None of these left a record behind.
    assert!(sb.list_processes().is_empty(), "{:?}", sb.list_processes());
    // Nor can the sandbox, sessions or names carry one.
    let e = Sandbox::new(SandboxOptions {
        cwd: Some(PathBuf::from("/\0")),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let e = Sandbox::new(SandboxOptions {
        env: env1("X", Some("\0")),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let e = sb
        .create_session(SessionOptions {
            id: Some("s\0".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(
        get_sandbox(Some("a\0")).unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_process_ids_and_env_names_are_invalid_arguments() {
    let sb = sandbox();
    for id in ["", "  ", "a/b", "..", "."] {
        let e = sb.start_process("true", with_id(id)).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{id:?}");
    }
    for k in ["", "A=B"] {
        let e = sb
            .start_process(
                "true",
                ProcessOptions {
                    env: env1(k, Some("1")),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{k:?}");
    }
    assert!(sb.list_processes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ports_outside_the_range_are_invalid_arguments() {
    for port in [0, 65536, -1, 100_000] {
        let e = input::port(port).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert!(e.message.contains("1-65535"), "{}", e.message);
    }
    let sb = sandbox();
    let p = start(&sb, "sleep 300").await;
    let e = p
        .wait_for_port(0, &PortWaitOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.message, input::port(0).unwrap_err().message);
    assert_eq!(p.status(), ProcessStatus::Running);
}

#[test]
fn negative_and_non_finite_timeouts_are_invalid_arguments() {
    for bad in [-1.0, -0.001, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = duration::from_secs_f64("timeout", bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
        assert!(e.message.contains("timeout"), "{}", e.message);
        let e = duration::from_millis_f64("timeout", bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
    }
    assert_eq!(duration::from_secs_f64("timeout", 0.0).unwrap(), ms(0));
    assert_eq!(
        duration::from_millis_f64("timeout", 1500.0).unwrap(),
        ms(1500)
    );
}

#[test]
fn unknown_signals_are_invalid_arguments() {
    for bad in [
        "SIGNOPE",
        "NOPE",
        "",
        "SIG",
        "0",
        "-15",
        "64",
        "99999999999999999999",
    ] {
        let e = Signal::parse(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad:?}");
        assert!(e.message.contains("signal"), "{}", e.message);
    }
    for n in [0, -1, 32, 65, i64::MAX] {
        assert_eq!(
            Signal::from_number(n).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
    assert_eq!(Signal::parse(" sigterm ").unwrap(), Signal::TERM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_id_is_refused_while_it_runs_and_reusable_after() {
    let sb = sandbox();
    let first = sb
        .start_process("echo first; sleep 300", with_id("web"))
        .await
        .unwrap();
    let pid = first.pid();
    let e = sb
        .start_process("echo second", with_id("web"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessIdInUse);
    assert!(e.message.contains("web"), "{}", e.message);
    // The running record is untouched.
    let got = sb.get_process("web").unwrap();
    assert_eq!(got.pid(), pid);
    assert_eq!(got.status(), ProcessStatus::Running);
    assert_eq!(sb.list_processes().len(), 1);
    first.wait_for_log(&sub("first"), Some(HANG)).await.unwrap();
    first.kill(Signal::TERM, secs(5)).await.unwrap();
    // Once it has ended the id is free again, and the new record replaces the old.
    let second = sb
        .start_process("echo second", with_id("web"))
        .await
        .unwrap();
    assert_ne!(second.pid(), pid);
    within(HANG, "exit", second.wait_for_exit(None))
        .await
        .unwrap();
    let got = sb.get_process("web").unwrap();
    assert_eq!(got.logs().stdout, "second\n");
    assert_eq!(sb.list_processes().len(), 1);
    // The old handle still tells its own story.
    assert_eq!(first.status(), ProcessStatus::Killed);
    assert_eq!(first.logs().stdout, "first\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_cwd_is_a_process_error_with_a_kept_record() {
    let sb = sandbox();
    let rec = Recorder::new();
    let e = sb
        .start_process(
            "echo hi",
            ProcessOptions {
                process_id: Some("nowhere".into()),
                cwd: Some(PathBuf::from("/no/such/dir/procwright")),
                observer: Some(rec.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
    assert!(
        e.message.contains("/no/such/dir/procwright"),
        "{}",
        e.message
    );
    assert_eq!(e.process_id.as_deref(), Some("nowhere"));
    let p = sb.get_process("nowhere").expect("the record stays");
    assert_eq!(p.status(), ProcessStatus::Error);
    assert_eq!(p.pid(), None);
    assert_eq!(p.exit_code(), None);
    assert!(p.end_time().is_some());
    assert_eq!(rec.events(), ["error:PROCESS_ERROR"]);
    // Its waits end at once instead of hanging.
    let x = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(x.status, ProcessStatus::Error);
    let w = within(HANG, "log", p.wait_for_log(&sub("hi"), None))
        .await
        .unwrap_err();
    assert_eq!(w.code, ErrorCode::ProcessExitedBeforeReady);
    // Its event stream is just the exit, with no exit code.
    let mut s = p.stream_logs();
    let ev = within(HANG, "stream", s.next()).await.unwrap();
    assert_eq!((ev.kind, ev.exit_code), (LogEventKind::Exit, None));
    assert!(s.next().await.is_none());
    // Killing it is a no-op, and the id may be used again.
    p.kill(Signal::TERM, secs(1)).await.unwrap();
    let q = sb
        .start_process("echo ok", with_id("nowhere"))
        .await
        .unwrap();
    within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    // A file is not a directory either.
    let e = sb
        .start_process(
            "true",
            ProcessOptions {
                cwd: Some(PathBuf::from("/etc/hostname")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_that_is_not_found_is_a_process_error() {
    let sb = sandbox();
    let rec = Recorder::new();
    let e = sb
        .start_process(
            ["procwright-no-such-program", "--flag"],
            ProcessOptions {
                observer: Some(rec.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
    assert!(
        e.message.contains("procwright-no-such-program"),
        "{}",
        e.message
    );
    let id = e.process_id.clone().unwrap();
    let p = sb.get_process(&id).unwrap();
    assert_eq!(p.status(), ProcessStatus::Error);
    assert_eq!(p.command(), "procwright-no-such-program --flag");
    assert_eq!(rec.events(), ["error:PROCESS_ERROR"]);
    // Through a shell the same name is an ordinary failed process (exit 127).
    let q = start(&sb, "procwright-no-such-program").await;
    let x = within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!((x.exit_code, x.status), (Some(127), ProcessStatus::Failed));
    // exec reports the error the same way.
    let e = sb
        .exec(["procwright-no-such-program"], ExecOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
}

#[test]
fn patterns_that_cannot_compile_are_invalid_pattern() {
    for bad in ["(unclosed", "[z-a]", "(?<n", "\\", "a**", "*a"] {
        let e = Pattern::regex(bad, RegexFlags::default()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidPattern, "{bad}");
        assert!(e.message.contains(bad), "{}", e.message);
    }
    assert_eq!(
        Pattern::substring("").unwrap_err().code,
        ErrorCode::InvalidPattern
    );
    assert_eq!(
        Pattern::from_js("a", "q").unwrap_err().code,
        ErrorCode::InvalidPattern
    );
    assert!(Pattern::from_js("a", "gimsuy").is_ok());
    assert!(Pattern::from_js("a", "gg").is_err());
    assert!(Pattern::from_js("a", "uv").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_a_pattern_cannot_finish_is_skipped_and_named_not_invalid_pattern() {
    let sb = sandbox();
    let p = start(&sb, "echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab; sleep 300").await;
    // Catastrophic backtracking hits the engine's limit instead of spinning. The pattern
    // itself is valid: the line is skipped, and the failed wait says why.
    let pat = Pattern::regex(r"(a|a)*\1c", RegexFlags::default()).unwrap();
    let e = within(HANG, "wait", p.wait_for_log(&pat, Some(secs(2))))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e}");
    assert!(e.message.contains("too long"), "{e}");
    assert_eq!(p.status(), ProcessStatus::Running);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[test]
fn bad_sandbox_options_are_refused() {
    let e = Sandbox::new(SandboxOptions {
        log_limit: Some(0),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    let e = Sandbox::new(SandboxOptions {
        shell: Some("procwright-no-such-shell".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(e.message.contains("procwright-no-such-shell"));
    let e = Sandbox::new(SandboxOptions {
        shell: Some(" ".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}

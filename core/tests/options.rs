//! Process options and fields: env merge and removal, argv without a shell, the shell,
//! the four observer callbacks, auto_cleanup, and the live fields of a Process.

mod common;
use common::*;
use procwright::*;
use std::time::SystemTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_merges_over_the_sandbox_and_none_removes() {
    // No set_var here: other tests of this binary spawn concurrently. The host's PATH and
    // HOME stand in for host variables.
    let host_path = std::env::var("PATH").unwrap();
    assert!(
        std::env::var_os("HOME").is_some(),
        "the tests expect HOME to be set"
    );
    let sb = sandbox_with(SandboxOptions {
        env: env(&[("PW_S1", Some("s1")), ("PW_S2", Some("s2"))]),
        ..Default::default()
    });
    let p = sb
        .start_process(
            "echo \"${PW_S1-gone}|$PW_S2|$PW_P|${HOME-gone}\"; echo \"$PATH\"",
            ProcessOptions {
                env: env(&[
                    ("PW_S1", None),
                    ("PW_S2", Some("over")),
                    ("PW_P", Some("p")),
                    ("HOME", None),
                ]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let e = within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(e.status, ProcessStatus::Completed);
    assert_eq!(p.logs().stdout, format!("gone|over|p|gone\n{host_path}\n"));
    // Removing a host variable at sandbox level works too, and a process may set it again.
    let sb2 = sandbox_with(SandboxOptions {
        env: env(&[("HOME", None)]),
        ..Default::default()
    });
    let r = sb2
        .exec("echo ${HOME-gone}", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout, "gone\n");
    let r = sb2
        .exec(
            "echo ${HOME-gone}",
            ExecOptions {
                env: env(&[("HOME", Some("/back"))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout, "/back\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argv_commands_run_with_no_shell() {
    let sb = sandbox();
    let p = start(&sb, ["printf", "%s|", "a b", "$HOME", "*", "; echo no", ""]).await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(p.logs().stdout, "a b|$HOME|*|; echo no||");
    assert_eq!(p.command(), "printf '%s|' 'a b' '$HOME' '*' '; echo no' ''");
    // The pid is the program itself, not a shell around it.
    let q = start(&sb, ["sleep", "300"]).await;
    // (Polled: the spawn may return just before the kernel renames the exec'd child.)
    let comm_path = format!("/proc/{}/comm", q.pid().unwrap());
    let comm = || std::fs::read_to_string(&comm_path).unwrap_or_default();
    assert!(
        eventually(HANG, || comm().trim() == "sleep").await,
        "{}",
        comm()
    );
    q.kill(Signal::KILL, secs(5)).await.unwrap();
    // A Vec<String> works the same.
    let r = sb
        .exec(
            vec!["echo".to_string(), "x".to_string()],
            ExecOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.stdout, "x\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_commands_run_in_the_chosen_shell() {
    let sb = sandbox();
    let shell = sb.shell().to_owned();
    assert!(shell.ends_with("bash") || shell == std::path::Path::new("/bin/sh"));
    let r = sb.exec("echo $0", ExecOptions::default()).await.unwrap();
    assert_eq!(r.stdout.trim(), shell.to_str().unwrap());
    let sh = sandbox_with(SandboxOptions {
        shell: Some("/bin/sh".into()),
        ..Default::default()
    });
    assert_eq!(sh.shell(), std::path::Path::new("/bin/sh"));
    let r = sh
        .exec("echo $0; echo a | tr a b", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(r.stdout, "/bin/sh\nb\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observers_get_start_output_exit_in_order() {
    let sb = sandbox();
    for i in 0..30 {
        let rec = Recorder::new();
        let p = sb
            .start_process(
                format!("echo out{i}; echo err{i} >&2; exit 3"),
                ProcessOptions {
                    observer: Some(rec.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert!(
            eventually(HANG, || rec
                .events()
                .last()
                .is_some_and(|e| e.starts_with("exit")))
            .await,
            "{:?}",
            rec.events()
        );
        let ev = rec.events();
        assert_eq!(ev.first().unwrap(), &format!("start:{}", p.id()), "{ev:?}");
        assert_eq!(ev.last().unwrap(), "exit:Some(3)");
        assert_eq!(rec.output(StreamKind::Stdout), format!("out{i}\n"));
        assert_eq!(rec.output(StreamKind::Stderr), format!("err{i}\n"));
        assert!(!ev.iter().any(|e| e.starts_with("error")));
    }
    // A start that fails calls on_error only.
    let rec = Recorder::new();
    sb.start_process(
        ["procwright-no-such-program"],
        ProcessOptions {
            observer: Some(rec.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(rec.events(), ["error:PROCESS_ERROR"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_output_decodes_utf8_without_splitting_characters() {
    let sb = sandbox();
    let rec = Recorder::new();
    // 'é' split across two writes, then an invalid byte.
    let p = sb
        .start_process(
            r"printf 'caf\xc3'; sleep 0.2; printf '\xa9 \xff\n'",
            ProcessOptions {
                observer: Some(rec.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(rec.output(StreamKind::Stdout), "café \u{FFFD}\n");
    assert_eq!(p.logs().stdout, "café \u{FFFD}\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_cleanup_forgets_the_record_once_ended() {
    let sb = sandbox();
    for _ in 0..20 {
        let p = sb
            .start_process(
                "echo bye",
                ProcessOptions {
                    auto_cleanup: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
        assert!(sb.get_process(p.id()).is_none());
        // The handle still works.
        assert_eq!(p.logs().stdout, "bye\n");
        assert_eq!(p.status(), ProcessStatus::Completed);
    }
    let kept = start(&sb, "true").await;
    within(HANG, "exit", kept.wait_for_exit(None))
        .await
        .unwrap();
    assert!(sb.get_process(kept.id()).is_some());
    assert_eq!(sb.list_processes().len(), 1);
    // While it runs, an auto-cleanup process is listed like any other.
    let running = sb
        .start_process(
            "sleep 300",
            ProcessOptions {
                auto_cleanup: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(sb.get_process(running.id()).is_some());
    running.kill(Signal::TERM, secs(5)).await.unwrap();
    assert!(sb.get_process(running.id()).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_fields_are_always_current() {
    let sb = sandbox();
    let before = SystemTime::now();
    let p = sb
        .start_process(
            "sleep 0.5; exit 0",
            ProcessOptions {
                process_id: Some("fields".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.id(), "fields");
    assert_eq!(p.command(), "sleep 0.5; exit 0");
    assert_eq!(p.status(), ProcessStatus::Running);
    assert!(p.pid().unwrap() > 1);
    assert!(p.start_time() >= before);
    assert_eq!(
        (p.end_time(), p.exit_code(), p.signal()),
        (None, None, None)
    );
    assert_eq!(p.session_id(), None);
    // Another handle from the sandbox sees the same live record.
    let other = sb.get_process("fields").unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(other.status(), ProcessStatus::Completed);
    assert_eq!(other.exit_code(), Some(0));
    assert!(other.end_time().unwrap() >= other.start_time());
    // Ids that are not given are unique.
    let a = start(&sb, "true").await;
    let b = start(&sb, "true").await;
    assert_ne!(a.id(), b.id());
    assert!(a.id().starts_with("proc_"));
    assert!(sb.get_process("missing").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_cwd_is_the_default_and_the_base_for_relative_paths() {
    let dir = TempDir::new("sandbox-cwd");
    std::fs::create_dir(dir.path().join("inner")).unwrap();
    let sb = sandbox_with(SandboxOptions {
        cwd: Some(dir.path().to_owned()),
        ..Default::default()
    });
    let r = sb.exec(["pwd"], ExecOptions::default()).await.unwrap();
    assert_eq!(r.stdout, format!("{}\n", dir.path().display()));
    let r = sb
        .exec(
            "pwd",
            ExecOptions {
                cwd: Some("inner".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        r.stdout,
        format!("{}\n", dir.path().join("inner").display())
    );
    // An absolute cwd wins over the sandbox's.
    let r = sb
        .exec(
            "pwd",
            ExecOptions {
                cwd: Some("/".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(r.stdout, "/\n");
}

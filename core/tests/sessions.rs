//! Sessions: their own env, cwd and process list; delete kills their processes.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_has_its_own_env_cwd_and_process_list() {
    let dir = TempDir::new("session");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let sb = sandbox_with(SandboxOptions {
        env: env(&[("PW_A", Some("sandbox")), ("PW_B", Some("sandbox"))]),
        ..Default::default()
    });
    let s = sb
        .create_session(SessionOptions {
            id: Some("build".into()),
            cwd: Some(dir.path().to_owned()),
            env: env(&[("PW_B", Some("session")), ("PW_A", None)]),
        })
        .unwrap();
    assert_eq!(s.id(), "build");
    assert!(s.exists());
    let p = s
        .start_process(
            "echo \"$PWD|${PW_A-unset}|$PW_B|$PW_C\"",
            ProcessOptions {
                env: env(&[("PW_C", Some("process"))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    assert_eq!(
        p.logs().stdout,
        format!("{}|unset|session|process\n", dir.path().display())
    );
    assert_eq!(p.session_id(), Some("build"));
    // A relative cwd resolves against the session's.
    let q = s
        .start_process(
            ["pwd"],
            ProcessOptions {
                cwd: Some("sub".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    assert_eq!(
        q.logs().stdout,
        format!("{}\n", dir.path().join("sub").display())
    );
    // Outside the session, the sandbox's env applies and the process is not listed there.
    let r = start(&sb, "echo \"$PW_A|$PW_B\"").await;
    within(HANG, "exit", r.wait_for_exit(None)).await.unwrap();
    assert_eq!(r.logs().stdout, "sandbox|sandbox\n");
    assert_eq!(r.session_id(), None);
    let ids = |v: Vec<Process>| v.iter().map(|p| p.id().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(s.list_processes()), [p.id(), q.id()]);
    assert_eq!(ids(sb.list_processes()), [p.id(), q.id(), r.id()]);
    assert!(s.get_process(r.id()).is_none());
    assert!(s.get_process(p.id()).is_some());
    assert_eq!(
        s.get_process_logs(r.id()).unwrap_err().code,
        ErrorCode::ProcessNotFound
    );
    assert_eq!(s.get_process_logs(p.id()).unwrap(), p.logs());
    // exec in the session sees the same context.
    let out = s
        .exec("echo \"$PWD $PW_B\"", ExecOptions::default())
        .await
        .unwrap();
    assert_eq!(out.stdout, format!("{} session\n", dir.path().display()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_are_unique_and_lookups_fail_cleanly() {
    let sb = sandbox();
    sb.create_session(SessionOptions {
        id: Some("one".into()),
        ..Default::default()
    })
    .unwrap();
    let e = sb
        .create_session(SessionOptions {
            id: Some("one".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionAlreadyExists);
    assert!(e.message.contains("one"), "{}", e.message);
    assert_eq!(sb.get_session("one").unwrap().id(), "one");
    let e = sb.get_session("two").unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionNotFound);
    assert!(e.message.contains("two"), "{}", e.message);
    assert_eq!(
        sb.delete_session("two").await.unwrap_err().code,
        ErrorCode::SessionNotFound
    );
    let e = sb
        .start_process(
            "true",
            ProcessOptions {
                session_id: Some("two".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionNotFound);
    assert!(sb.list_processes().is_empty());
    // Ids that are not given are unique.
    let a = sb.create_session(SessionOptions::default()).unwrap();
    let b = sb.create_session(SessionOptions::default()).unwrap();
    assert_ne!(a.id(), b.id());
    let e = sb
        .create_session(SessionOptions {
            id: Some(" ".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_session_kills_its_processes_only() {
    let sb = sandbox();
    let s = sb.create_session(SessionOptions::default()).unwrap();
    let mine = [
        s.start_process("sleep 300", ProcessOptions::default())
            .await
            .unwrap(),
        s.start_process("sleep 300 & sleep 300 & wait", ProcessOptions::default())
            .await
            .unwrap(),
    ];
    let other = start(&sb, "sleep 300").await;
    within(HANG, "delete", sb.delete_session(s.id()))
        .await
        .unwrap();
    for p in &mine {
        assert_eq!(p.status(), ProcessStatus::Killed, "{}", p.id());
        assert!(live_group_members(p.pid().unwrap()).is_empty());
    }
    assert_eq!(other.status(), ProcessStatus::Running);
    assert!(!s.exists());
    assert_eq!(
        sb.get_session(s.id()).unwrap_err().code,
        ErrorCode::SessionNotFound
    );
    let e = s
        .start_process("true", ProcessOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionNotFound);
    // The id may be used again.
    sb.create_session(SessionOptions {
        id: Some(s.id().to_owned()),
        ..Default::default()
    })
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_kill_methods_stay_within_the_session() {
    let sb = sandbox();
    let s = sb.create_session(SessionOptions::default()).unwrap();
    let a = s
        .start_process("sleep 300", ProcessOptions::default())
        .await
        .unwrap();
    let b = s
        .start_process("sleep 300", ProcessOptions::default())
        .await
        .unwrap();
    let outside = start(&sb, "sleep 300").await;
    assert_eq!(
        s.kill_process(outside.id(), Signal::KILL)
            .await
            .unwrap_err()
            .code,
        ErrorCode::ProcessNotFound
    );
    assert_eq!(outside.status(), ProcessStatus::Running);
    within(HANG, "stop", s.stop_process(a.id())).await.unwrap();
    assert_eq!(a.status(), ProcessStatus::Killed);
    assert_eq!(within(HANG, "kill all", s.kill_all_processes()).await, 1);
    assert_eq!(b.status(), ProcessStatus::Killed);
    assert_eq!(outside.status(), ProcessStatus::Running);
    let mut st = s.stream_process_logs(b.id()).unwrap();
    let last = within(HANG, "stream", async {
        let mut last = None;
        while let Some(e) = st.next().await {
            last = Some(e.kind);
        }
        last
    })
    .await;
    assert_eq!(last, Some(LogEventKind::Exit));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_scope_rule_for_session_ids_in_start_and_exec() {
    let sb = sandbox();
    let s = sb
        .create_session(SessionOptions {
            id: Some("mine".into()),
            ..Default::default()
        })
        .unwrap();
    sb.create_session(SessionOptions {
        id: Some("other".into()),
        ..Default::default()
    })
    .unwrap();
    // A session's start that names another session is refused, not overwritten.
    let named = |id: &str| ProcessOptions {
        session_id: Some(id.into()),
        ..Default::default()
    };
    let e = s.start_process("true", named("other")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(
        e.message.contains("other") && e.message.contains("mine"),
        "{}",
        e.message
    );
    let e = s
        .exec(
            "true",
            ExecOptions {
                session_id: Some("other".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    // Naming its own id is the same as naming none.
    let p = s.start_process("sleep 300", named("mine")).await.unwrap();
    assert_eq!(p.session_id(), Some("mine"));
    // The root scope starts in whichever session it is told, and sees every process.
    let q = sb.start_process("sleep 300", named("other")).await.unwrap();
    assert_eq!(q.session_id(), Some("other"));
    assert!(s.get_process(q.id()).is_none());
    assert_eq!(sb.list_processes().len(), 2);
    assert_eq!(s.scope().session_id(), Some("mine"));
    assert_eq!(sb.scope().session_id(), None);
    let e = sb.start_process("true", named("nope")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionNotFound);
    sb.destroy().await;
}

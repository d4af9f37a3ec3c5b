//! log_dir: one merged proc-<id>.log per process, rotated at 10 MiB to .log.1.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_process_gets_one_merged_log_file() {
    let dir = TempDir::new("logdir");
    let logs = dir.path().join("nested/logs");
    let sb = sandbox_with(SandboxOptions {
        log_dir: Some(logs.clone()),
        ..Default::default()
    });
    let p = sb
        .start_process(
            "echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; printf tail",
            ProcessOptions {
                process_id: Some("web".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let text = std::fs::read_to_string(logs.join("proc-web.log")).unwrap();
    assert_eq!(text, "out1\nerr1\ntail");
    // A generated id names its file too.
    let q = start(&sb, "echo generated").await;
    within(HANG, "exit", q.wait_for_exit(None)).await.unwrap();
    let text = std::fs::read_to_string(logs.join(format!("proc-{}.log", q.id()))).unwrap();
    assert_eq!(text, "generated\n");
    // Reusing an id starts its file afresh.
    let r = sb
        .start_process(
            "echo again",
            ProcessOptions {
                process_id: Some("web".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", r.wait_for_exit(None)).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(logs.join("proc-web.log")).unwrap(),
        "again\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_file_rotates_at_ten_mebibytes() {
    let dir = TempDir::new("logrotate");
    let sb = sandbox_with(SandboxOptions {
        log_dir: Some(dir.path().to_owned()),
        log_limit: Some(64 * 1024),
        ..Default::default()
    });
    let total: u64 = 12_000_000;
    let p = sb
        .start_process(
            format!("head -c {total} /dev/zero; echo END"),
            ProcessOptions {
                process_id: Some("big".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let cur = std::fs::metadata(dir.path().join("proc-big.log"))
        .unwrap()
        .len();
    let old = std::fs::metadata(dir.path().join("proc-big.log.1"))
        .unwrap()
        .len();
    assert!(old <= ROTATE_AT, "{old}");
    assert_eq!(cur + old, total + 4);
    assert!(std::fs::read(dir.path().join("proc-big.log"))
        .unwrap()
        .ends_with(b"\0END\n"));
    // The in-memory log is bounded independently of the file.
    assert!(p.logs().stdout.len() <= 64 * 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_log_dir_is_a_process_error() {
    let dir = TempDir::new("logdir-file");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let sb = sandbox_with(SandboxOptions {
        log_dir: Some(file),
        ..Default::default()
    });
    let e = sb
        .start_process("true", ProcessOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessError);
    assert!(e.message.contains("not-a-dir"), "{}", e.message);
}

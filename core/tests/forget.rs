//! `forget_processes`: an ended process whose tree has ended can be forgotten (its kept
//! output freed); one with anything still running cannot, so kill-all and destroy still
//! find its leftovers.

mod common;
use common::*;
use procwright::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_process_is_forgotten_and_a_running_one_is_not() {
    let sb = sandbox();
    let done = start(&sb, "echo bye").await;
    let running = start(&sb, "sleep 300").await;
    assert!(sb.forget_processes(&[running.id()]).is_empty());
    within(HANG, "exit", done.wait_for_exit(Some(HANG)))
        .await
        .unwrap();
    let forgotten = sb.forget_processes(&[running.id(), done.id(), "no-such-id"]);
    assert_eq!(forgotten, vec![done.id().to_owned()]);
    assert!(sb.get_process(done.id()).is_none());
    let ids: Vec<String> = sb
        .list_processes()
        .iter()
        .map(|p| p.id().to_owned())
        .collect();
    assert_eq!(ids, vec![running.id().to_owned()]);
    // A handle kept by the caller still answers.
    assert_eq!(done.get_logs(&LogQuery::default()).unwrap().stdout, "bye\n");
    assert!(sb.forget_processes(&[done.id()]).is_empty());
    sb.destroy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_keep_the_record_until_they_end() {
    let sb = sandbox();
    let mark = format!("forget-{}", std::process::id());
    // One leftover stays in the group, one leaves it: both keep the record.
    let p = sb
        .start_process(
            "sleep 300 & setsid sleep 300 & echo started",
            ProcessOptions {
                env: env(&[("PW_FORGET_MARK", Some(&mark))]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    within(HANG, "exit", p.wait_for_exit(Some(HANG)))
        .await
        .unwrap();
    assert!(eventually(HANG, || live_with_env("PW_FORGET_MARK", &mark).len() == 2).await);
    assert!(sb.forget_processes(&[p.id()]).is_empty());
    // So kill-all still reaches them through the record.
    within(HANG, "kill all", sb.kill_all_processes()).await;
    assert!(live_with_env("PW_FORGET_MARK", &mark).is_empty());
    assert_eq!(sb.forget_processes(&[p.id()]), vec![p.id().to_owned()]);
    sb.destroy().await;
}

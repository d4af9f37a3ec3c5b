//! get_ports, list_ports and wait_for_any_port: listening sockets of a process tree,
//! IPv4, IPv6 and dual-stack, held by the leader, a child or an escapee.

mod common;
use common::*;
use procwright::*;

/// A shell command that listens on `host`, port 0, prints the port, and sleeps.
fn listener(host: &str) -> String {
    format!(
        "python3 -c \"import socket,time
h='{host}'
s=socket.socket(socket.AF_INET6 if ':' in h else socket.AF_INET)
if h == '::':
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind((h, 0))
s.listen()
print('port', s.getsockname()[1], flush=True)
time.sleep(300)\""
    )
}

async fn port_of(p: &Process) -> u16 {
    let m = within(
        HANG,
        "port line",
        p.wait_for_log(&re(r"^port (\d+)$"), None),
    )
    .await
    .unwrap();
    m.groups.unwrap()[1].as_ref().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv4_ipv6_and_dual_stack_listeners_are_found_with_their_family() {
    let sb = sandbox();
    for (host, family) in [
        ("0.0.0.0", IpFamily::Ipv4),
        ("127.0.0.1", IpFamily::Ipv4),
        ("::1", IpFamily::Ipv6),
        ("::", IpFamily::Ipv6),
    ] {
        let p = start(&sb, listener(host).as_str()).await;
        let port = port_of(&p).await;
        let ports = p.get_ports().await;
        assert_eq!(ports.len(), 1, "{host}: {ports:?}");
        let l = &ports[0];
        assert_eq!(
            (l.port, l.host.as_str(), l.family, l.process_id.as_str()),
            (port, host, family, p.id()),
            "{host}"
        );
        // The shell execs python, or runs it as a child: either way it is the tree.
        assert!(common::read_stat(l.pid).is_some());
        assert_eq!(
            serde_json::to_value(l).unwrap()["family"],
            family.as_str(),
            "{host}"
        );
        p.kill(Signal::KILL, secs(5)).await.unwrap();
        assert!(p.get_ports().await.is_empty(), "{host}: gone after kill");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_and_an_escapee_count_and_a_stranger_does_not() {
    let sb = sandbox();
    // Someone else's server: this test process listens too.
    let stranger = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stranger_port = stranger.local_addr().unwrap().port();
    let child = start(&sb, format!("{} & wait", listener("127.0.0.1")).as_str()).await;
    let escapee = start(
        &sb,
        format!(
            "setsid sh -c '{}' & sleep 300",
            listener("::1").replace('\'', "'\\''")
        )
        .as_str(),
    )
    .await;
    let child_port = port_of(&child).await;
    let escapee_port = port_of(&escapee).await;
    let c = child.get_ports().await;
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].port, child_port);
    assert_ne!(
        Some(c[0].pid),
        child.pid(),
        "held by the child, not the shell"
    );
    let e = escapee.get_ports().await;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].port, e[0].family), (escapee_port, IpFamily::Ipv6));
    let all = sb.list_ports().await;
    let mut seen: Vec<(String, u16)> = all.iter().map(|l| (l.process_id.clone(), l.port)).collect();
    seen.sort();
    let mut want = vec![
        (child.id().to_owned(), child_port),
        (escapee.id().to_owned(), escapee_port),
    ];
    want.sort();
    assert_eq!(seen, want);
    assert!(all.iter().all(|l| l.port != stranger_port));
    sb.kill_all_processes().await;
    assert!(sb.list_ports().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_any_port_resolves_with_the_port_the_tree_listens_on() {
    let sb = sandbox();
    let _stranger = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let p = start(&sb, format!("sleep 0.3; {}", listener("::")).as_str()).await;
    let port = within(
        HANG,
        "any port",
        p.wait_for_any_port(&PortWaitOptions {
            timeout: Some(HANG),
            ..Default::default()
        }),
    )
    .await
    .unwrap();
    assert_eq!(port, port_of(&p).await);
    // A second wait resolves at once with the same port.
    assert_eq!(
        p.wait_for_any_port(&PortWaitOptions::default())
            .await
            .unwrap(),
        port
    );
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_any_port_fails_at_once_on_exit_and_at_the_timeout() {
    let sb = sandbox();
    let p = start(&sb, "sleep 0.2; echo bye; exit 3").await;
    let e = within(
        HANG,
        "exit",
        p.wait_for_any_port(&PortWaitOptions {
            timeout: Some(HANG),
            ..Default::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady);
    assert_eq!(e.exit_code, Some(3));
    assert!(e.message.contains("listen"), "{}", e.message);
    let q = start(&sb, "sleep 300").await;
    let e = q
        .wait_for_any_port(&PortWaitOptions {
            timeout: Some(ms(200)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    let e = q
        .wait_for_any_port(&PortWaitOptions {
            interval: Some(ms(0)),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    q.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escapee_s_listener_is_the_tree_s_for_owned_too() {
    let sb = sandbox();
    // The escapee double-forks away: it is in neither the group nor the descendants.
    let p = start(
        &sb,
        format!(
            "setsid sh -c '({}) &' ; sleep 300",
            listener("127.0.0.1").replace('\'', "'\\''")
        )
        .as_str(),
    )
    .await;
    let port = port_of(&p).await;
    let owned = PortWaitOptions {
        mode: PortMode::Tcp,
        owned: Ownership::Owned,
        timeout: Some(HANG),
        ..Default::default()
    };
    within(HANG, "owned wait", p.wait_for_port(port, &owned))
        .await
        .unwrap();
    p.kill(Signal::KILL, secs(5)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_whose_starter_exited_is_still_the_process_s() {
    let sb = sandbox();
    // The starter daemonizes a listener and exits 0, as `nginx` or `pg_ctl start` do.
    let p = start(
        &sb,
        format!(
            "setsid sh -c '{}' > /dev/null & sleep 0.5; exit 0",
            listener("127.0.0.1").replace('\'', "'\\''")
        )
        .as_str(),
    )
    .await;
    within(HANG, "exit", p.wait_for_exit(None)).await.unwrap();
    let found = within(HANG, "daemon listens", async {
        loop {
            let ports = p.get_ports().await;
            if !ports.is_empty() {
                return ports;
            }
            tokio::time::sleep(ms(20)).await;
        }
    })
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].process_id, p.id());
    assert_eq!(sb.list_ports().await, found);
    p.kill(Signal::KILL, secs(5)).await.unwrap();
    assert!(
        p.get_ports().await.is_empty(),
        "kill reaches the daemon by its tag"
    );
}

//! wait_for_port: IPv4-only and IPv6-only servers, tcp and http, statuses, paths, bad ports.

mod common;
use common::*;
use procwright::*;

/// An HTTP server bound to exactly one address: answers `status` on `path`, 404 elsewhere.
const SERVER: &str = r#"
import http.server, socket, sys
host, port, status, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
class Server(http.server.HTTPServer):
    address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = status if self.path == path else 404
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
srv = Server((host, port), Handler)
print("listening", flush=True)
srv.serve_forever()
"#;

async fn server(sb: &Sandbox, host: &str, port: u16, status: u16, path: &str) -> Process {
    let p = sb
        .start_process(
            [
                "python3",
                "-c",
                SERVER,
                host,
                &port.to_string(),
                &status.to_string(),
                path,
            ],
            ProcessOptions::default(),
        )
        .await
        .unwrap();
    p.wait_for_log(&sub("listening"), Some(HANG))
        .await
        .unwrap_or_else(|e| panic!("server on {host}:{port} did not start: {e:?}"));
    p
}

fn opts(mode: PortMode) -> PortWaitOptions {
    PortWaitOptions {
        mode,
        timeout: Some(HANG),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_127_0_0_1_only_is_found_in_both_modes() {
    let sb = sandbox();
    let port = free_port_v4();
    let p = server(&sb, "127.0.0.1", port, 200, "/").await;
    for mode in [PortMode::Tcp, PortMode::Http] {
        within(HANG, "wait", p.wait_for_port(port, &opts(mode)))
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e:?}"));
    }
    // Naming the host works too; naming the other family does not find it.
    let mut o = opts(PortMode::Http);
    o.host = Some("127.0.0.1".into());
    p.wait_for_port(port, &o).await.unwrap();
    if free_port_v6().is_some() {
        o.host = Some("::1".into());
        o.timeout = Some(ms(300));
        let e = p.wait_for_port(port, &o).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    }
    assert_eq!(p.status(), ProcessStatus::Running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_ipv6_loopback_only_is_found_in_both_modes() {
    let Some(port) = free_port_v6() else {
        eprintln!("no IPv6 loopback on this host; nothing to test");
        return;
    };
    let sb = sandbox();
    let p = server(&sb, "::1", port, 200, "/").await;
    // Nothing answers on 127.0.0.1 for this port.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    for mode in [PortMode::Tcp, PortMode::Http] {
        within(HANG, "wait", p.wait_for_port(port, &opts(mode)))
            .await
            .unwrap_or_else(|e| panic!("{mode:?}: {e:?}"));
    }
    for host in ["::1", "[::1]"] {
        let mut o = opts(PortMode::Http);
        o.host = Some(host.into());
        p.wait_for_port(port, &o).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_opened_later_is_found() {
    let sb = sandbox();
    let port = free_port_v4();
    let p = sb
        .start_process(
            [
                "python3",
                "-c",
                &format!("import time; time.sleep(0.5); exec({SERVER:?})"),
                "127.0.0.1",
                &port.to_string(),
                "204",
                "/",
            ],
            ProcessOptions::default(),
        )
        .await
        .unwrap();
    let mut o = opts(PortMode::Http);
    o.interval = Some(ms(50));
    within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .unwrap();
    assert!(p.logs().stdout.contains("listening"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_status_ranges() {
    let sb = sandbox();
    let port = free_port_v4();
    let p = server(&sb, "127.0.0.1", port, 503, "/").await;
    // 503 is outside the default 200-399...
    let mut o = opts(PortMode::Http);
    o.timeout = Some(ms(500));
    let e = p.wait_for_port(port, &o).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    assert_eq!(
        e.condition.as_deref(),
        Some(format!("port {port} (HTTP /)").as_str())
    );
    assert_eq!(p.status(), ProcessStatus::Running);
    // ...but in range when asked for, exactly or as a range.
    o.timeout = Some(HANG);
    o.status = StatusRange::exactly(503).unwrap();
    within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .unwrap();
    o.status = StatusRange::new(500, 599).unwrap();
    p.wait_for_port(port, &o).await.unwrap();
    // tcp mode does not care about the status.
    p.wait_for_port(port, &opts(PortMode::Tcp)).await.unwrap();
    assert!(StatusRange::new(600, 700).is_err());
    assert!(StatusRange::new(400, 300).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_path_is_requested() {
    let sb = sandbox();
    let port = free_port_v4();
    let p = server(&sb, "127.0.0.1", port, 200, "/health").await;
    let mut o = opts(PortMode::Http);
    o.path = Some("/health".into());
    within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .unwrap();
    // "/" answers 404 there, which is not ready by default.
    o.path = None;
    o.timeout = Some(ms(500));
    let e = p.wait_for_port(port, &o).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout);
    o.path = Some("/other".into());
    o.status = StatusRange::exactly(404).unwrap();
    p.wait_for_port(port, &o).await.unwrap();
    // A path that would break the request line is refused up front.
    o.path = Some("/a b".into());
    assert_eq!(
        p.wait_for_port(port, &o).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    o.path = Some("no-slash".into());
    assert_eq!(
        p.wait_for_port(port, &o).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ports_are_invalid_arguments() {
    let sb = sandbox();
    let p = start(&sb, "sleep 300").await;
    // The Rust API takes a u16; 0 is the one bad value it can be given.
    let e = within(HANG, "wait", p.wait_for_port(0, &opts(PortMode::Tcp)))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    // The bindings' numbers go through `input::port`, with the same rule and words.
    for port in [0, 65536, -1, i64::MAX, i64::MIN] {
        let e = input::port(port).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{port}");
        assert!(e.message.contains(&port.to_string()), "{}", e.message);
    }
    assert_eq!(input::port(65535).unwrap(), 65535);
    assert_eq!(input::port(1).unwrap(), 1);
    let mut o = opts(PortMode::Tcp);
    o.interval = Some(ms(0));
    assert_eq!(
        p.wait_for_port(8080, &o).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    o.interval = None;
    o.host = Some("loc\0alhost".into());
    assert_eq!(
        p.wait_for_port(8080, &o).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        "udp".parse::<PortMode>().unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(p.status(), ProcessStatus::Running);
}

/// `python3 -m http.server` started by the test, outside any sandbox: a server left
/// over from an earlier run, or a proxy; killed when dropped.
struct Outsider(std::process::Child);

impl Outsider {
    fn start(host: &str, port: u16) -> Outsider {
        let child = std::process::Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", host])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Outsider(child);
        let until = std::time::Instant::now() + HANG;
        while std::net::TcpStream::connect((host, port)).is_err() {
            assert!(
                std::time::Instant::now() < until,
                "server on {host}:{port} did not start"
            );
            std::thread::sleep(ms(20));
        }
        server
    }
}

impl Drop for Outsider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_server_does_not_make_a_server_dying_of_eaddrinuse_ready() {
    let port = free_port_v4();
    let _stale = Outsider::start("127.0.0.1", port);
    let sb = sandbox();
    let p = sb
        .start_process(
            format!("python3 -m http.server {port} --bind 127.0.0.1"),
            ProcessOptions::default(),
        )
        .await
        .unwrap();
    let e = within(HANG, "wait", p.wait_for_port(port, &opts(PortMode::Http)))
        .await
        .expect_err("the stale server made it ready");
    assert_eq!(e.code, ErrorCode::ProcessExitedBeforeReady, "{e:?}");
    assert!(
        p.logs().stderr.contains("Address already in use"),
        "{:?}",
        p.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_older_than_the_process_and_outside_its_tree_is_stale() {
    // The test process itself holds the listener: older than `sleep`, not its descendant.
    let stale = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = stale.local_addr().unwrap().port();
    // Start times are in clock ticks (10 ms): a process started in the same tick as the
    // holder is not younger, and then the listener counts. A test binary run alone can
    // get here within its first tick.
    tokio::time::sleep(ms(50)).await;
    let sb = sandbox();
    let p = start(&sb, "sleep 30").await;
    let mut o = opts(PortMode::Tcp);
    o.timeout = Some(ms(500));
    let e = within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .expect_err("a listener of another, older process made `sleep` ready");
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e:?}");
    o.owned = Ownership::Owned;
    let e = p.wait_for_port(port, &o).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e:?}");
    // owned=false: any listener, as in 0.1.
    o.owned = Ownership::Any;
    within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .unwrap();
    assert_eq!(p.status(), ProcessStatus::Running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_processs_own_server_is_ready_under_owned_and_auto() {
    let sb = sandbox();
    let mut hosts = vec![("127.0.0.1", free_port_v4())];
    if let Some(port) = free_port_v6() {
        hosts.push(("::1", port));
    }
    for (host, port) in hosts {
        let p = server(&sb, host, port, 200, "/").await;
        for owned in [Ownership::Owned, Ownership::Auto] {
            for mode in [PortMode::Tcp, PortMode::Http] {
                let mut o = opts(mode);
                o.owned = owned;
                within(HANG, "wait", p.wait_for_port(port, &o))
                    .await
                    .unwrap_or_else(|e| panic!("{host} {owned:?} {mode:?}: {e:?}"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_descendants_server_belongs_to_the_tree() {
    let sb = sandbox();
    let port = free_port_v4();
    // The shell forks python into the background and waits: the listener is the
    // process's child's, not the process's own.
    let p = sb
        .start_process(
            [
                "sh",
                "-c",
                "python3 -c \"$0\" 127.0.0.1 \"$1\" 200 / & wait",
                SERVER,
                &port.to_string(),
            ],
            ProcessOptions::default(),
        )
        .await
        .unwrap();
    let mut o = opts(PortMode::Http);
    o.owned = Ownership::Owned;
    within(HANG, "wait", p.wait_for_port(port, &o))
        .await
        .unwrap_or_else(|e| panic!("{e:?} {:?}", p.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_started_after_the_process_counts_under_auto_only() {
    // Like docker-proxy, started by `docker run -p` after the awaited process.
    let sb = sandbox();
    let p = start(&sb, "sleep 30").await;
    let port = free_port_v4();
    let _proxy = Outsider::start("127.0.0.1", port);
    within(HANG, "wait", p.wait_for_port(port, &opts(PortMode::Http)))
        .await
        .unwrap();
    let mut o = opts(PortMode::Http);
    o.owned = Ownership::Owned;
    o.timeout = Some(ms(500));
    let e = p.wait_for_port(port, &o).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ProcessReadyTimeout, "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_ipv4_listener_does_not_hide_the_processs_ipv6_server() {
    let Some(port) = free_port_v6() else {
        eprintln!("no IPv6 loopback on this host; nothing to test");
        return;
    };
    let Ok(_stale) = std::net::TcpListener::bind(("127.0.0.1", port)) else {
        eprintln!("127.0.0.1:{port} is taken; nothing to test");
        return;
    };
    tokio::time::sleep(ms(50)).await; // older by more than a clock tick, as above
    let sb = sandbox();
    let p = server(&sb, "::1", port, 200, "/").await;
    for owned in [Ownership::Auto, Ownership::Owned] {
        let mut o = opts(PortMode::Tcp);
        o.owned = owned;
        within(HANG, "wait", p.wait_for_port(port, &o))
            .await
            .unwrap_or_else(|e| panic!("{owned:?}: {e:?}"));
    }
}

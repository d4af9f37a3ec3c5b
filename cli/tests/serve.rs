//! `procwright serve` driven over HTTP: every endpoint, the status codes the contract
//! names, role boundaries, path escapes, body limits, SSE resume, the preview proxy
//! (HTTP and WebSocket) and cleanup on SIGTERM.

mod common;

use common::{gone_within, request, running_with, temp_dir, Server};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A start body running `script` in `sh`, marked (command line and environment) so
/// `running_with(marker)` finds it and whatever it starts.
fn marked(script: &str, marker: &str) -> String {
    serde_json::json!({"command": ["sh", "-c", format!("{script} # {marker}")], "env": [format!("PW_MARK={marker}")]})
        .to_string()
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn is_hex_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .is_some_and(|h| h.len() == 24 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn wait_exit(s: &Server, sbx: &str, pid: &str) -> Value {
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{pid}/wait"),
        r#"{"exit": true, "timeout_ms": 60000}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn sandboxes_are_created_listed_and_destroyed() {
    let s = Server::start("sandboxes", &[]);
    let r = s.post("/v1/sandboxes", "{}");
    assert_eq!(r.status, 201);
    let sbx = r.json();
    let id = sbx["id"].as_str().unwrap().to_string();
    assert!(is_hex_id(&id, "sbx_"), "{id}");
    assert_eq!(sbx["state"], "running");
    let root = std::path::PathBuf::from(sbx["root"].as_str().unwrap());
    assert!(root.is_dir() && root.starts_with(std::fs::canonicalize(&s.root).unwrap()));

    let list = s.get("/v1/sandboxes").json();
    assert_eq!(list["sandboxes"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.get(&format!("/v1/sandboxes/{id}")).json()["id"],
        id.as_str()
    );

    let marker = format!("pw-sbx-destroy-{}", std::process::id());
    s.start_process(
        &id,
        &format!(r#"{{"command": ["sleep", "300"], "env": ["M={marker}"]}}"#),
    );
    s.start_process(&id, &marked("sleep 300", &marker));
    assert!(!running_with(&marker).is_empty());
    assert_eq!(s.delete(&format!("/v1/sandboxes/{id}")).status, 204);
    assert!(
        gone_within(&marker, 10).is_empty(),
        "destroy left processes"
    );
    assert_eq!(
        s.get(&format!("/v1/sandboxes/{id}")).json()["state"],
        "destroyed"
    );
    for (m, p) in [
        ("GET", format!("/v1/sandboxes/{id}/processes")),
        ("POST", format!("/v1/sandboxes/{id}/processes")),
        ("POST", format!("/v1/sandboxes/{id}/exec")),
        ("GET", format!("/v1/sandboxes/{id}/files/x")),
    ] {
        let r = s.call(m, &p, Some(br#"{"command": ["true"]}"#));
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "SANDBOX_NOT_RUNNING"),
            "{m} {p}"
        );
    }
    let r = s.get("/v1/sandboxes/sbx_000000000000000000000000");
    assert_eq!((r.status, r.code().as_str()), (404, "SANDBOX_NOT_FOUND"));
    let r = s.post("/v1/sandboxes", r#"{"size": 3}"#);
    assert_eq!((r.status, r.code().as_str()), (400, "INVALID_ARGUMENT"));
}

#[test]
fn process_records_have_exactly_seed_003s_fields() {
    let s = Server::start("records", &[]);
    let sbx = s.sandbox();
    std::fs::create_dir_all(
        std::path::Path::new(
            &s.get(&format!("/v1/sandboxes/{sbx}")).json()["root"]
                .as_str()
                .unwrap(),
        )
        .join("app"),
    )
    .unwrap();
    let p = s.start_process(
        &sbx,
        r#"{"command": ["sh", "-c", "echo out; echo err >&2; echo $GREETING; pwd; printf 'no newline'"],
            "env": ["GREETING=hello world", "EMPTY="], "cwd": "app"}"#,
    );
    assert_eq!(
        keys(&p),
        [
            "command",
            "exit_code",
            "exited_at",
            "id",
            "pid",
            "sandbox_id",
            "started_at",
            "state"
        ]
    );
    let id = p["id"].as_str().unwrap().to_string();
    assert!(is_hex_id(&id, "proc_"), "{id}");
    assert_eq!(p["sandbox_id"], sbx.as_str());
    assert_eq!(p["command"][0], "sh");
    assert!(p["pid"].as_u64().unwrap() > 0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        p["started_at"].as_u64().unwrap().abs_diff(now) < 60,
        "Unix seconds"
    );

    let done = wait_exit(&s, &sbx, &id);
    assert_eq!(
        (done["state"].as_str(), done["exit_code"].as_i64()),
        (Some("exited"), Some(0))
    );
    assert!(done["exited_at"].as_u64().unwrap() >= done["started_at"].as_u64().unwrap());

    let logs = s.get(&format!("/v1/sandboxes/{sbx}/processes/{id}/logs"));
    assert_eq!(logs.status, 200);
    assert!(logs.headers["content-type"].starts_with("text/plain"));
    let text = logs.text();
    for want in ["out\n", "err\n", "hello world\n", "/app\n"] {
        assert!(text.contains(want), "{want:?} missing from {text:?}");
    }
    assert!(
        text.ends_with("no newline") || text.contains("no newline"),
        "{text:?}"
    );

    let list = s.get(&format!("/v1/sandboxes/{sbx}/processes")).json();
    assert_eq!(list["processes"][0]["id"], id.as_str());
    assert_eq!(
        s.get(&format!("/v1/sandboxes/{sbx}/processes/{id}")).json()["state"],
        "exited"
    );

    let failing = s.start_process(&sbx, r#"{"command": ["sh", "-c", "exit 3"]}"#);
    let done = wait_exit(&s, &sbx, failing["id"].as_str().unwrap());
    assert_eq!(
        (done["state"].as_str(), done["exit_code"].as_i64()),
        (Some("exited"), Some(3))
    );

    let sleeper = s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#);
    let sid = sleeper["id"].as_str().unwrap();
    assert_eq!(sleeper["exit_code"], -1);
    assert_eq!(sleeper["exited_at"], 0);
    assert_eq!(
        s.delete(&format!("/v1/sandboxes/{sbx}/processes/{sid}"))
            .status,
        204
    );
    let killed = s
        .get(&format!("/v1/sandboxes/{sbx}/processes/{sid}"))
        .json();
    assert_eq!(
        (killed["state"].as_str(), killed["exit_code"].as_i64()),
        (Some("killed"), Some(-1))
    );
    assert_eq!(
        s.delete(&format!("/v1/sandboxes/{sbx}/processes/{sid}"))
            .status,
        204,
        "already ended"
    );

    let missing = "proc_000000000000000000000000";
    for (m, p) in [
        ("GET", format!("/v1/sandboxes/{sbx}/processes/{missing}")),
        (
            "GET",
            format!("/v1/sandboxes/{sbx}/processes/{missing}/logs"),
        ),
        ("DELETE", format!("/v1/sandboxes/{sbx}/processes/{missing}")),
    ] {
        let r = s.call(m, &p, None);
        assert_eq!(
            (r.status, r.code().as_str()),
            (404, "PROCESS_NOT_FOUND"),
            "{m} {p}"
        );
    }

    let bad = s.start_process(&sbx, r#"{"command": ["/no/such/program"]}"#);
    assert_eq!(
        (bad["state"].as_str(), bad["pid"].as_u64()),
        (Some("failed"), Some(0))
    );
    let why = s.get(&format!(
        "/v1/sandboxes/{sbx}/processes/{}/logs",
        bad["id"].as_str().unwrap()
    ));
    assert!(why.text().contains("/no/such/program"), "{}", why.text());
}

#[test]
fn bad_bodies_are_400_invalid_argument_and_big_ones_413() {
    let s = Server::start("bodies", &[]);
    let sbx = s.sandbox();
    let procs = format!("/v1/sandboxes/{sbx}/processes");
    for body in [
        "{not json",
        r#"{"command": "echo hi"}"#,
        r#"{"command": [1, 2]}"#,
        r#"{}"#,
        r#"{"command": ["true"], "colour": "red"}"#,
        r#"{"command": ["true"], "env": ["NOEQUALS"]}"#,
        r#"{"command": ["true"], "env": ["=x"]}"#,
        r#"{"command": ["true"], "cwd": 7}"#,
        r#"{"command": ["true"], "cwd": "does/not/exist"}"#,
        "[]",
    ] {
        let r = s.post(&procs, body);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
        assert_eq!(r.code(), "INVALID_ARGUMENT", "{body}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    for body in [
        r#"{"command": []}"#,
        r#"{"command": [""]}"#,
        r#"{"command": ["a\u0000b"]}"#,
    ] {
        let r = s.post(&procs, body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "INVALID_COMMAND"),
            "{body}"
        );
    }
    let big = format!(
        r#"{{"command": ["true"], "cwd": "{}"}}"#,
        "a".repeat(1024 * 1024)
    );
    let r = s.post(&procs, &big);
    assert_eq!((r.status, r.code().as_str()), (413, "PAYLOAD_TOO_LARGE"));
    // File contents are streamed to disk: the JSON limit is not theirs (see
    // file_bodies_stream_past_the_json_limit_up_to_max_file_bytes).
    let r = s.call(
        "PUT",
        &format!("/v1/sandboxes/{sbx}/files/big"),
        Some(&vec![b'x'; 1024 * 1024 + 1]),
    );
    assert_eq!(r.status, 204);
    let r = s.call(
        "PUT",
        &format!("/v1/sandboxes/{sbx}/files/fits"),
        Some(&vec![b'x'; 1024 * 1024]),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = s.get("/v1/nothing/here");
    assert_eq!((r.status, r.code().as_str()), (404, "NOT_FOUND"));
    let r = s.call("PATCH", "/v1/sandboxes", None);
    assert_eq!((r.status, r.code().as_str()), (405, "METHOD_NOT_ALLOWED"));
    // The server is still there for everyone after all that.
    assert_eq!(s.get("/v1/sandboxes").status, 200);
}

fn sha(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[test]
fn tokens_and_roles_gate_every_endpoint() {
    let dir = common::temp_dir("tokens");
    let file = dir.join("tokens.toml");
    let limited_sbx = "sbx_111111111111111111111111";
    std::fs::write(
        &file,
        format!(
            "[[token]]\ntoken_sha256 = \"{}\"\nrole = \"viewer\"\n\n\
             [[token]]\ntoken_sha256 = \"{}\"\nrole = \"developer\"\n\n\
             [[token]]\ntoken_sha256 = \"{}\"\nrole = \"admin\"\n\n\
             [[token]]\ntoken_sha256 = \"{}\"\nrole = \"developer\"\nsandboxes = [\"{limited_sbx}\"]\n",
            sha("view-tok-123"),
            sha("dev-tok-456"),
            sha("admin-tok-789"),
            sha("limited-tok-0")
        ),
    )
    .unwrap();
    let mut s = Server::start("roles", &["--tokens", file.to_str().unwrap()]);
    let as_ = |tok: Option<&str>, m: &str, p: &str, body: Option<&str>| {
        let auth = tok.map(|t| format!("Bearer {t}"));
        let mut h: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            h.push(("Authorization", a.as_str()));
        }
        request(&s.addr, m, p, &h, body.map(str::as_bytes))
    };
    for tok in [
        None,
        Some("wrong"),
        Some(""),
        Some(&sha("view-tok-123")[..]),
    ] {
        let r = as_(tok, "GET", "/v1/sandboxes", None);
        assert_eq!(
            (r.status, r.code().as_str()),
            (401, "UNAUTHORIZED"),
            "{tok:?}"
        );
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Authorization", "Basic dmlldzp4")],
        None,
    );
    assert_eq!(r.status, 401);

    let r = as_(Some("dev-tok-456"), "POST", "/v1/sandboxes", None);
    assert_eq!((r.status, r.code().as_str()), (403, "FORBIDDEN"));
    let r = as_(Some("admin-tok-789"), "POST", "/v1/sandboxes", None);
    assert_eq!(r.status, 201);
    let sbx = r.json()["id"].as_str().unwrap().to_string();
    let procs = format!("/v1/sandboxes/{sbx}/processes");
    let start = r#"{"command": ["sleep", "300"]}"#;

    // viewer reads, never writes
    assert_eq!(as_(Some("view-tok-123"), "GET", &procs, None).status, 200);
    for (m, p, b) in [
        ("POST", procs.clone(), Some(start)),
        (
            "POST",
            format!("/v1/sandboxes/{sbx}/exec"),
            Some(r#"{"command": "true"}"#),
        ),
        ("PUT", format!("/v1/sandboxes/{sbx}/files/x"), Some("data")),
        ("DELETE", format!("/v1/sandboxes/{sbx}/files/x"), None),
        (
            "POST",
            format!("/v1/sandboxes/{sbx}/expose"),
            Some(r#"{"port": 8080}"#),
        ),
        ("DELETE", format!("/v1/sandboxes/{sbx}"), None),
    ] {
        let r = as_(Some("view-tok-123"), m, &p, b);
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "FORBIDDEN"),
            "viewer {m} {p}"
        );
    }
    // developer starts and kills, but does not destroy sandboxes
    let r = as_(Some("dev-tok-456"), "POST", &procs, Some(start));
    assert_eq!(r.status, 201, "{}", r.text());
    let pid = r.json()["id"].as_str().unwrap().to_string();
    let r = as_(
        Some("view-tok-123"),
        "DELETE",
        &format!("{procs}/{pid}"),
        None,
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        as_(
            Some("dev-tok-456"),
            "DELETE",
            &format!("{procs}/{pid}"),
            None
        )
        .status,
        204
    );
    assert_eq!(
        as_(
            Some("dev-tok-456"),
            "DELETE",
            &format!("/v1/sandboxes/{sbx}"),
            None
        )
        .status,
        403
    );

    // a token limited to another sandbox sees nothing of this one
    let r = as_(Some("limited-tok-0"), "GET", &procs, None);
    assert_eq!((r.status, r.code().as_str()), (403, "FORBIDDEN"));
    let r = as_(Some("limited-tok-0"), "GET", "/v1/sandboxes", None);
    assert_eq!(r.json()["sandboxes"].as_array().unwrap().len(), 0);
    let r = as_(
        Some("limited-tok-0"),
        "GET",
        &format!("/v1/sandboxes/{limited_sbx}"),
        None,
    );
    assert_eq!(r.status, 404, "allowed, and does not exist");

    // previews need no token: the secret is the credential
    assert_eq!(
        as_(None, "GET", "/preview/0123456789abcdef/", None).status,
        404
    );

    assert_eq!(
        as_(
            Some("admin-tok-789"),
            "DELETE",
            &format!("/v1/sandboxes/{sbx}"),
            None
        )
        .status,
        204
    );
    assert_eq!(s.terminate(), Some(0));
    let log = s.log_text();
    assert!(log.contains("GET /v1/sandboxes 401"), "access log: {log}");
    assert!(
        log.contains(&format!("POST /v1/sandboxes/{sbx}/processes 201")),
        "{log}"
    );
    for secret in [
        "view-tok-123",
        "dev-tok-456",
        "admin-tok-789",
        "limited-tok-0",
        "Bearer",
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
        assert!(!log.contains(&sha(secret)), "a digest leaked into the log");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn beyond_loopback_needs_tokens() {
    let out = std::process::Command::new(common::BIN)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without --tokens"), "{err}");
    let dir = common::temp_dir("badtokens");
    let f = dir.join("t.toml");
    std::fs::write(
        &f,
        "[[token]]\ntoken_sha256 = \"nothex\"\nrole = \"viewer\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(common::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tokens",
            f.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("64 hex digits") && !err.contains("nothex"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn no_path_leaves_the_workspace() {
    let s = Server::start("paths", &[]);
    let sbx = s.sandbox();
    let root = std::path::PathBuf::from(
        s.get(&format!("/v1/sandboxes/{sbx}")).json()["root"]
            .as_str()
            .unwrap(),
    );
    let outside = common::temp_dir("outside");
    std::fs::write(outside.join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("out")).unwrap();
    std::os::unix::fs::symlink(outside.join("new.txt"), root.join("dangling")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("../..", root.join("sub/up")).unwrap();

    let procs = format!("/v1/sandboxes/{sbx}/processes");
    for cwd in [
        "..",
        "../..",
        "/",
        "/tmp",
        "sub/../..",
        "out",
        "sub/up",
        "sub/up/x",
    ] {
        let r = s.post(
            &procs,
            &format!(r#"{{"command": ["pwd"], "cwd": "{cwd}"}}"#),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "INVALID_ARGUMENT"),
            "cwd {cwd}"
        );
    }
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/exec"),
        r#"{"command": ["pwd"], "cwd": "out"}"#,
    );
    assert_eq!(r.status, 400);

    let files = format!("/v1/sandboxes/{sbx}/files");
    for p in [
        "out/secret.txt",
        "%2e%2e/%2e%2e/etc/passwd",
        "sub/%2e%2e/%2e%2e/x",
        "sub/up/etc/passwd",
        "%2Fetc%2Fpasswd",
        "dangling",
    ] {
        let r = s.get(&format!("{files}/{p}"));
        assert_eq!(r.status, 400, "GET {p}: {}", r.text());
        assert!(!r.text().contains("top secret"));
        let r = s.call("PUT", &format!("{files}/{p}"), Some(b"pwned"));
        assert_eq!(r.status, 400, "PUT {p}");
    }
    assert!(
        !outside.join("new.txt").exists(),
        "a write followed a symlink out"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "top secret"
    );
    let r = s.get(&format!("{files}/out?list"));
    assert_eq!(r.status, 400);
    // Deleting a symlink removes the link, never what it points at.
    assert_eq!(s.delete(&format!("{files}/out")).status, 204);
    assert!(outside.join("secret.txt").exists() && !root.join("out").exists());
    assert_eq!(
        s.delete(&format!("{files}/")).status,
        405,
        "the workspace itself"
    );
    let _ = std::fs::remove_dir_all(outside);
}

#[test]
fn workspace_files_are_written_read_listed_and_deleted() {
    let s = Server::start("files", &[]);
    let sbx = s.sandbox();
    let files = format!("/v1/sandboxes/{sbx}/files");
    let data: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    assert_eq!(
        s.call("PUT", &format!("{files}/deep/er/bin.dat"), Some(&data))
            .status,
        204
    );
    let r = s.get(&format!("{files}/deep/er/bin.dat"));
    assert_eq!((r.status, r.body == data), (200, true));
    let list = s.get(&format!("{files}/deep?list")).json();
    assert_eq!(list["entries"][0]["name"], "er");
    assert_eq!(list["entries"][0]["type"], "dir");
    let root = s.get(&format!("{files}?list")).json();
    assert_eq!(root["entries"][0]["name"], "deep");
    // A process sees what was written, and what it writes is read back.
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/exec"),
        r#"{"command": "wc -c < deep/er/bin.dat; echo made > made.txt"}"#,
    );
    assert_eq!(r.json()["stdout"].as_str().unwrap().trim(), "70000");
    assert_eq!(s.get(&format!("{files}/made.txt")).text(), "made\n");
    let r = s.get(&format!("{files}/deep"));
    assert_eq!(r.status, 400, "a folder without ?list");
    assert_eq!(s.delete(&format!("{files}/deep")).status, 204);
    let r = s.get(&format!("{files}/deep/er/bin.dat"));
    assert_eq!((r.status, r.code().as_str()), (404, "FILE_NOT_FOUND"));
    assert_eq!(s.delete(&format!("{files}/deep")).status, 404);
    // A FIFO would block a read or a write for ever: refused.
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/exec"),
        r#"{"command": "mkfifo pipe"}"#,
    );
    assert_eq!(r.json()["exit_code"], 0);
    assert_eq!(s.get(&format!("{files}/pipe")).status, 400);
    assert_eq!(
        s.call("PUT", &format!("{files}/pipe"), Some(b"x")).status,
        400
    );
}

fn sse_events(body: &str) -> Vec<(u64, Value)> {
    body.split("\n\n")
        .filter_map(|frame| {
            let id = frame
                .lines()
                .find_map(|l| l.strip_prefix("id: "))?
                .parse()
                .ok()?;
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((id, serde_json::from_str(data).ok()?))
        })
        .collect()
}

#[test]
fn events_resume_from_last_event_id() {
    let s = Server::start("events", &[]);
    let sbx = s.sandbox();
    let p = s.start_process(
        &sbx,
        r#"{"command": ["sh", "-c", "for i in 1 2 3 4 5 6; do echo line$i; sleep 0.05; done; echo oops >&2"]}"#,
    );
    let pid = p["id"].as_str().unwrap();
    wait_exit(&s, &sbx, pid);
    let url = format!("/v1/sandboxes/{sbx}/processes/{pid}/events");
    let r = s.get(&url);
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].starts_with("text/event-stream"));
    let all = sse_events(&r.text());
    let text = |evs: &[(u64, Value)]| -> String {
        evs.iter()
            .filter(|(_, e)| e["type"] == "stdout")
            .map(|(_, e)| e["data"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(text(&all), "line1\nline2\nline3\nline4\nline5\nline6\n");
    assert_eq!(all.last().unwrap().1["type"], "exit");
    assert!(all.iter().any(|(_, e)| e["type"] == "stderr"));
    // Resuming from each event's id gives exactly the output after it.
    for (i, (id, _)) in all.iter().enumerate() {
        let auth: Vec<(&str, &str)> = Vec::new();
        let mut h = auth.clone();
        let idtext = id.to_string();
        h.push(("Last-Event-ID", &idtext));
        let r = request(&s.addr, "GET", &url, &h, None);
        if i == all.len() - 1 {
            // Past the exit there is nothing more: 204, which stops an EventSource.
            assert_eq!((r.status, r.text()), (204, String::new()), "after exit");
            continue;
        }
        assert!(r.text().starts_with("retry: "), "{}", r.text());
        let rest = sse_events(&r.text());
        let want: Vec<&Value> = all[i + 1..].iter().map(|(_, e)| e).collect();
        let got: Vec<&Value> = rest.iter().map(|(_, e)| e).collect();
        let data = |v: &[&Value]| -> Vec<String> {
            v.iter()
                .map(|e| format!("{}{}", e["type"], e["data"]))
                .collect()
        };
        assert_eq!(data(&got), data(&want), "resume after {id}");
    }
    let r = s.get(&format!("{url}?since=1000000"));
    assert_eq!((r.status, r.code().as_str()), (400, "INVALID_ARGUMENT"));
    let r = request(&s.addr, "GET", &url, &[("Last-Event-ID", "abc")], None);
    assert_eq!(r.status, 400);
}

#[test]
fn server_side_waits_answer_with_the_contracts_codes() {
    let s = Server::start("waits", &[]);
    let sbx = s.sandbox();
    let p = s.start_process(
        &sbx,
        r#"{"command": ["python3", "-u", "-c", "import socket,time\nprint('boot', flush=True)\ntime.sleep(0.2)\nprint('ready on 42', flush=True)\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('port', s.getsockname()[1], flush=True)\ntime.sleep(300)"]}"#,
    );
    let pid = p["id"].as_str().unwrap();
    let wait = format!("/v1/sandboxes/{sbx}/processes/{pid}/wait");
    let r = s.post(&wait, r#"{"log": "ready on", "timeout_ms": 30000}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["line"], "ready on 42");
    let r = s.post(&wait, r#"{"regex": "port (\\d+)", "timeout_ms": 30000}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    let port: u16 = r.json()["groups"][1].as_str().unwrap().parse().unwrap();
    let r = s.post(
        &wait,
        &format!(r#"{{"port": {port}, "timeout_ms": 30000}}"#),
    );
    assert_eq!(
        (r.status, r.json()["port"].as_u64()),
        (200, Some(port as u64))
    );
    let r = s.post(&wait, r#"{"port": 0, "timeout_ms": 30000}"#);
    assert_eq!(
        (r.status, r.json()["port"].as_u64()),
        (200, Some(port as u64))
    );
    let r = s.post(&wait, r#"{"log": "never printed", "timeout_ms": 200}"#);
    assert_eq!(
        (r.status, r.code().as_str()),
        (408, "PROCESS_READY_TIMEOUT")
    );
    for body in [
        r#"{"log": "a", "exit": true}"#,
        r#"{}"#,
        r#"{"log": "x", "timeout_ms": -1}"#,
        r#"{"log": "x", "timeout_ms": 99999999999}"#,
    ] {
        let r = s.post(&wait, body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "INVALID_ARGUMENT"),
            "{body}"
        );
    }
    let r = s.post(&wait, r#"{"regex": "(unclosed"}"#);
    assert_eq!((r.status, r.code().as_str()), (400, "INVALID_PATTERN"));

    let quick = s.start_process(&sbx, r#"{"command": ["sh", "-c", "echo bye; exit 4"]}"#);
    let qwait = format!(
        "/v1/sandboxes/{sbx}/processes/{}/wait",
        quick["id"].as_str().unwrap()
    );
    // A wait that cannot be met any more fails at the exit, not at its 10-minute timeout.
    let r = s.post(&qwait, r#"{"log": "ready", "timeout_ms": 600000}"#);
    assert_eq!(
        (r.status, r.code().as_str()),
        (409, "PROCESS_EXITED_BEFORE_READY")
    );
    let r = s.post(&qwait, r#"{"exit": true}"#);
    assert_eq!((r.status, r.json()["exit_code"].as_i64()), (200, Some(4)));
}

#[test]
fn stdin_exec_and_ports() {
    let s = Server::start("stdin", &[]);
    let sbx = s.sandbox();
    let p = s.start_process(&sbx, r#"{"command": ["cat"], "stdin": true}"#);
    let pid = p["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{pid}/stdin"),
        "typed in\n",
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{pid}/wait"),
        r#"{"log": "typed in", "timeout_ms": 30000}"#,
    );
    assert_eq!(r.status, 200);
    let no_pipe = s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#);
    let r = s.post(
        &format!(
            "/v1/sandboxes/{sbx}/processes/{}/stdin",
            no_pipe["id"].as_str().unwrap()
        ),
        "x",
    );
    assert_eq!((r.status, r.code().as_str()), (409, "PROCESS_ERROR"));

    let exec = format!("/v1/sandboxes/{sbx}/exec");
    let r = s.post(&exec, r#"{"command": ["sh", "-c", "echo $A; cat; echo e >&2; exit 5"], "env": {"A": "from env"}, "input": "piped"}"#);
    let j = r.json();
    assert_eq!(
        (
            j["stdout"].as_str(),
            j["stderr"].as_str(),
            j["exit_code"].as_i64()
        ),
        (Some("from env\npiped"), Some("e\n"), Some(5))
    );
    assert!(j["duration_ms"].as_u64().is_some());
    let r = s.post(&exec, r#"{"command": "sleep 30", "timeout_ms": 100}"#);
    assert_eq!((r.status, r.code().as_str()), (408, "COMMAND_TIMEOUT"));
    let r = s.post(&exec, r#"{"command": ""}"#);
    assert_eq!((r.status, r.code().as_str()), (400, "INVALID_COMMAND"));

    let server = s.start_process(&sbx, r#"{"command": ["python3", "-c", "import socket,time\ns=socket.socket(socket.AF_INET6); s.bind(('::1',0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(300)"]}"#);
    let sid = server["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{sid}/wait"),
        r#"{"port": 0, "timeout_ms": 30000}"#,
    );
    let port = r.json()["port"].as_u64().unwrap();
    let ports = s.get(&format!("/v1/sandboxes/{sbx}/ports")).json();
    let found = ports["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["port"] == port)
        .cloned();
    let found = found.unwrap_or_else(|| panic!("{port} not in {ports}"));
    assert_eq!(
        (
            found["process_id"].as_str(),
            found["family"].as_str(),
            found["host"].as_str()
        ),
        (Some(sid), Some("ipv6"), Some("::1"))
    );
}

#[test]
fn old_ended_processes_keep_record_and_log_but_not_output_and_records_are_capped() {
    let s = Server::start(
        "prune",
        &[
            "--keep-ended",
            "2",
            "--max-records",
            "6",
            "--max-processes",
            "4",
        ],
    );
    let sbx = s.sandbox();
    let procs = format!("/v1/sandboxes/{sbx}/processes");
    let id_of = |v: &Value| v["id"].as_str().unwrap().to_string();
    // Ended, but what it started still runs: it stays whole, so destroy reaches that.
    let marker = format!("pw-mark-prune-{}", std::process::id());
    let left = id_of(&s.start_process(&sbx, &marked("sleep 300 & echo left", &marker)));
    wait_exit(&s, &sbx, &left);
    let ids: Vec<String> = (0..6)
        .map(|i| {
            let body = format!(r#"{{"command": ["sh", "-c", "echo line-{i}; exit {i}"]}}"#);
            let id = id_of(&s.start_process(&sbx, &body));
            wait_exit(&s, &sbx, &id);
            id
        })
        .collect();
    // Each start prunes; after this one the oldest four ended ones (the one with a
    // leftover aside) lose their output, and the two oldest of those their records.
    let last = id_of(&s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#));
    let listed = || -> Vec<String> {
        s.get(&procs).json()["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    let want = vec![
        left.clone(),
        ids[2].clone(),
        ids[3].clone(),
        ids[4].clone(),
        ids[5].clone(),
        last.clone(),
    ];
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while listed() != want && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(listed(), want);
    let p = |id: &str, rest: &str| format!("{procs}/{id}{rest}");
    // Dropped records: 404, log files gone.
    for id in &ids[..2] {
        assert_eq!(s.get(&p(id, "")).code(), "PROCESS_NOT_FOUND");
        assert!(!s.root.join(format!(".logs/{sbx}/proc-{id}.log")).exists());
    }
    // Archived: the record, the log file, and what needs no output.
    for (i, id) in [(2, &ids[2]), (3, &ids[3])] {
        let r = s.get(&p(id, "")).json();
        assert_eq!(
            (r["state"].as_str(), r["exit_code"].as_i64()),
            (Some("exited"), Some(i))
        );
        assert_eq!(s.get(&p(id, "/logs")).text(), format!("line-{i}\n"));
        assert_eq!(wait_exit(&s, &sbx, id)["exit_code"], i);
        let gone = s.get(&p(id, "/events"));
        assert_eq!((gone.status, gone.code().as_str()), (410, "OUTPUT_EXPIRED"));
        let w = s.post(&p(id, "/wait"), r#"{"log": "line"}"#);
        assert_eq!((w.status, w.code().as_str()), (410, "OUTPUT_EXPIRED"));
        let w = s.post(&p(id, "/wait"), r#"{"port": 8080}"#);
        assert_eq!(
            (w.status, w.code().as_str()),
            (409, "PROCESS_EXITED_BEFORE_READY")
        );
        let w = s.post(&p(id, "/stdin"), "x");
        assert_eq!((w.status, w.code().as_str()), (409, "PROCESS_ERROR"));
        assert_eq!(s.delete(&p(id, "")).status, 204);
    }
    // The newest ended ones and the one with a leftover keep their output.
    for id in [&left, &ids[4], &ids[5]] {
        let w = s.post(
            &p(id, "/wait"),
            r#"{"regex": "l(ine|eft)", "timeout_ms": 5000}"#,
        );
        assert_eq!(w.status, 200, "{}", w.text());
    }
    assert!(!running_with(&marker).is_empty());
    assert_eq!(s.delete(&format!("/v1/sandboxes/{sbx}")).status, 204);
    assert!(
        gone_within(&marker, 15).is_empty(),
        "destroy missed the leftover"
    );
}

#[test]
fn the_process_limit_answers_429() {
    let s = Server::start("limit", &["--max-processes", "2"]);
    let sbx = s.sandbox();
    let procs = format!("/v1/sandboxes/{sbx}/processes");
    s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#);
    let second = s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#);
    let r = s.post(&procs, r#"{"command": ["sleep", "300"]}"#);
    assert_eq!((r.status, r.code().as_str()), (429, "TOO_MANY_PROCESSES"));
    // Room again once one has ended.
    s.delete(&format!("{procs}/{}", second["id"].as_str().unwrap()));
    assert_eq!(
        s.post(&procs, r#"{"command": ["sleep", "300"]}"#).status,
        201
    );
}

#[test]
fn the_process_limit_holds_under_concurrent_starts() {
    let s = Server::start("limitrace", &["--max-processes", "5"]);
    let sbx = s.sandbox();
    let starters: Vec<_> = (0..20)
        .map(|_| {
            let (addr, sbx) = (s.addr.clone(), sbx.clone());
            std::thread::spawn(move || {
                let body = br#"{"command": ["sleep", "300"]}"#;
                request(
                    &addr,
                    "POST",
                    &format!("/v1/sandboxes/{sbx}/processes"),
                    &[],
                    Some(body),
                )
                .status
            })
        })
        .collect();
    let mut codes: Vec<u16> = starters.into_iter().map(|h| h.join().unwrap()).collect();
    codes.sort();
    assert_eq!(codes.iter().filter(|c| **c == 201).count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 15, "{codes:?}");
    let list = s.get(&format!("/v1/sandboxes/{sbx}/processes")).json();
    let running = list["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "running")
        .count();
    assert_eq!(running, 5);
}

/// A WebSocket echo server in Python's standard library (handshake and text frames).
const WS_ECHO: &str = r#"
import base64, hashlib, socket, struct, threading, sys
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
def serve(c):
    req = b""
    while b"\r\n\r\n" not in req:
        req += c.recv(4096)
    key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    def exact(n):
        b = b""
        while len(b) < n:
            b += c.recv(n - len(b))
        return b
    while True:
        h = exact(2); n = h[1] & 127
        if n == 126: n = struct.unpack(">H", exact(2))[0]
        mask = exact(4); data = bytes(b ^ mask[i % 4] for i, b in enumerate(exact(n)))
        if h[0] & 15 == 8: return
        reply = b"echo: " + data
        c.sendall(bytes([0x81, len(reply)]) + reply)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

#[test]
fn previews_proxy_http_and_websockets() {
    let s = Server::start("preview", &[]);
    let sbx = s.sandbox();
    let files = format!("/v1/sandboxes/{sbx}/files");
    assert_eq!(
        s.call(
            "PUT",
            &format!("{files}/site/hello.txt"),
            Some(b"hello through the proxy")
        )
        .status,
        204
    );
    let web = s.start_process(&sbx, r#"{"command": ["python3", "-m", "http.server", "0", "--bind", "127.0.0.1"], "cwd": "site"}"#);
    let wid = web["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{wid}/wait"),
        r#"{"port": 0, "timeout_ms": 30000}"#,
    );
    let port = r.json()["port"].as_u64().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/expose"),
        &format!(r#"{{"port": {port}, "name": "web"}}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let url = r.json()["url"].as_str().unwrap().to_string();
    let path = url.split_once(&s.addr).unwrap().1.to_string();
    assert!(
        path.starts_with("/preview/") && path.len() > "/preview/".len() + 24,
        "{url}"
    );
    let r = s.get(&format!("{path}hello.txt?x=1"));
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "hello through the proxy")
    );
    assert_eq!(
        s.get(&format!("{path}missing")).status,
        404,
        "the upstream's own 404"
    );
    let own_port = s.addr.rsplit(':').next().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/expose"),
        &format!(r#"{{"port": {own_port}}}"#),
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "INVALID_ARGUMENT"),
        "a preview of itself"
    );
    let r = s.get("/preview/00000000000000000000000000000000/hello.txt");
    assert_eq!(r.status, 404);
    assert!(
        !s.log_text()
            .contains(path.trim_start_matches("/preview/").trim_end_matches('/')),
        "secret logged"
    );

    let ws = s.start_process(
        &sbx,
        &serde_json::json!({"command": ["python3", "-u", "-c", WS_ECHO]}).to_string(),
    );
    let wsid = ws["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{wsid}/wait"),
        r#"{"port": 0, "timeout_ms": 30000}"#,
    );
    let ws_port = r.json()["port"].as_u64().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/expose"),
        &format!(r#"{{"port": {ws_port}}}"#),
    );
    let ws_url = r.json()["url"]
        .as_str()
        .unwrap()
        .replace("http://", "ws://")
        + "socket";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let (mut socket, _) = tokio::time::timeout(
            Duration::from_secs(30),
            tokio_tungstenite::connect_async(ws_url.as_str()),
        )
        .await
        .unwrap()
        .unwrap();
        for word in ["one", "two"] {
            socket.send(Message::text(word)).await.unwrap();
            let reply = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            assert_eq!(reply.into_text().unwrap().as_str(), format!("echo: {word}"));
        }
    });
    // A destroyed sandbox's previews end with it.
    assert_eq!(s.delete(&format!("/v1/sandboxes/{sbx}")).status, 204);
    assert_eq!(s.get(&format!("{path}hello.txt")).status, 404);
}

#[test]
fn sigterm_kills_every_process_of_every_sandbox_and_exits_0() {
    let mut s = Server::start("sigterm", &[]);
    let marker = format!("pw-serve-term-{}", std::process::id());
    for _ in 0..2 {
        let sbx = s.sandbox();
        s.start_process(&sbx, &marked("sleep 300", &marker));
        s.start_process(
            &sbx,
            &marked("trap '' TERM; sleep 300", &format!("{marker}-stubborn")),
        );
        s.start_process(
            &sbx,
            &marked("setsid sleep 300 & wait", &format!("{marker}-escapee")),
        );
    }
    // An open event stream must not hold the shutdown up.
    let addr = s.addr.clone();
    let sbx = s.sandbox();
    let p = s.start_process(&sbx, r#"{"command": ["sleep", "300"]}"#);
    let url = format!(
        "/v1/sandboxes/{sbx}/processes/{}/events",
        p["id"].as_str().unwrap()
    );
    std::thread::spawn(move || request(&addr, "GET", &url, &[], None));
    std::thread::sleep(Duration::from_millis(200));
    assert!(running_with(&marker).len() >= 6);
    assert_eq!(s.terminate(), Some(0));
    assert!(
        gone_within(&marker, 15).is_empty(),
        "processes outlived the server"
    );
}

#[test]
fn a_signal_right_after_the_listening_line_still_stops_the_server_cleanly() {
    // The handlers are in place before the line is printed: a caller that stops the
    // server as soon as it is up gets the clean exit, not the default action.
    for trial in 0..10 {
        let mut s = Server::start(&format!("early{trial}"), &[]);
        let sig = if trial % 2 == 0 { 2 } else { 15 };
        unsafe { common::kill(s.child.id() as i32, sig) };
        let status = s.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "signal {sig}: {status:?}");
    }
}

#[test]
fn sigint_and_sigkill_to_the_server_leave_nothing_running() {
    for (sig, name) in [(2, "int"), (9, "kill")] {
        let mut s = Server::start(&format!("sig{name}"), &[]);
        let marker = format!("pw-mark-sig{name}-{}", std::process::id());
        let sbx = s.sandbox();
        s.start_process(&sbx, &marked("sleep 300", &marker));
        s.start_process(
            &sbx,
            &marked("setsid sleep 300 & wait", &format!("{marker}-escapee")),
        );
        assert!(running_with(&marker).len() >= 2);
        unsafe { common::kill(s.child.id() as i32, sig) };
        let status = s.child.wait().unwrap();
        if sig == 2 {
            assert_eq!(status.code(), Some(0));
        }
        assert!(
            gone_within(&marker, 15).is_empty(),
            "signal {sig}: processes outlived the server"
        );
    }
}

#[test]
fn destroy_racing_with_starts_leaves_nothing_running() {
    let s = Server::start("race", &[]);
    let marker = format!("pw-mark-race-{}", std::process::id());
    for trial in 0..5 {
        let sbx = s.sandbox();
        let starters: Vec<_> = (0..8)
            .map(|_| {
                let (addr, sbx, marker) = (s.addr.clone(), sbx.clone(), marker.clone());
                std::thread::spawn(move || {
                    let body = marked("sleep 300", &marker);
                    let mut codes = Vec::new();
                    for _ in 0..5 {
                        let r = request(
                            &addr,
                            "POST",
                            &format!("/v1/sandboxes/{sbx}/processes"),
                            &[],
                            Some(body.as_bytes()),
                        );
                        codes.push(r.status);
                    }
                    codes
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20 * trial));
        assert_eq!(s.delete(&format!("/v1/sandboxes/{sbx}")).status, 204);
        for h in starters {
            for code in h.join().unwrap() {
                assert!(
                    code == 201 || code == 409,
                    "a start racing destroy answered {code}"
                );
            }
        }
        assert!(
            gone_within(&marker, 10).is_empty(),
            "trial {trial}: a process outlived destroy"
        );
    }
}

#[test]
fn a_client_that_hangs_up_does_not_stop_a_kill_or_a_destroy_half_way() {
    use std::io::Write;
    let s = Server::start("hangup", &[]);
    let marker = format!("pw-mark-hangup-{}", std::process::id());
    let stubborn = marked("trap '' TERM; while :; do sleep 0.1; done", &marker);
    let sbx = s.sandbox();
    let p = s.start_process(&sbx, &stubborn);
    let other = s.sandbox();
    s.start_process(&other, &stubborn.replace(&marker, &format!("{marker}-sbx")));
    for path in [
        format!(
            "/v1/sandboxes/{sbx}/processes/{}",
            p["id"].as_str().unwrap()
        ),
        format!("/v1/sandboxes/{other}"),
    ] {
        let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
        write!(
            c,
            "DELETE {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        drop(c);
    }
    // SIGTERM is ignored: only the SIGKILL 5 s later ends them.
    assert!(
        gone_within(&marker, 30).is_empty(),
        "a kill or destroy stopped half way"
    );
}

/// Sandboxes the server holds, asked as itself (loopback Host, no Origin).
fn sandbox_count(s: &Server) -> usize {
    s.get("/v1/sandboxes").json()["sandboxes"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn no_web_page_can_drive_a_server_without_tokens() {
    let s = Server::start("rebinding", &[]);
    let port = s.addr.rsplit(':').next().unwrap().to_string();
    // The attack of the report: DNS rebinding plus a simple cross-site POST.
    let attacker = "attacker.example";
    let r = request(
        &s.addr,
        "POST",
        "/v1/sandboxes",
        &[
            ("Host", attacker),
            ("Origin", "http://attacker.example"),
            ("Content-Type", "text/plain"),
        ],
        Some(b"{}"),
    );
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "FORBIDDEN"),
        "{}",
        r.text()
    );
    assert!(r.text().contains("--allow-host"), "{}", r.text());
    // A foreign Host alone, on a read.
    let r = request(&s.addr, "GET", "/v1/sandboxes", &[("Host", attacker)], None);
    assert_eq!(r.status, 403);
    // A page on another site, through the loopback name (no rebinding): Origin refused.
    let loopback = format!("127.0.0.1:{port}");
    for origin in [
        "http://attacker.example",
        "null",
        &format!("http://{loopback}"),
    ] {
        let r = request(
            &s.addr,
            "POST",
            "/v1/sandboxes",
            &[("Host", &loopback), ("Origin", origin)],
            None,
        );
        assert_eq!(r.status, 403, "{origin}: {}", r.text());
    }
    // A simple-request body type is refused, whatever the route.
    let sbx = s.sandbox();
    for (ty, route) in [
        ("text/plain", format!("/v1/sandboxes/{sbx}/exec")),
        (
            "application/x-www-form-urlencoded",
            format!("/v1/sandboxes/{sbx}/processes"),
        ),
        (
            "multipart/form-data; boundary=x",
            format!("/v1/sandboxes/{sbx}/exec"),
        ),
    ] {
        let r = request(
            &s.addr,
            "POST",
            &route,
            &[("Content-Type", ty)],
            Some(br#"{"command": "id"}"#),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
            "{ty}"
        );
    }
    for ty in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = request(
            &s.addr,
            "PUT",
            &format!("/v1/sandboxes/{sbx}/files/x.txt"),
            &[("Content-Type", ty)],
            Some(b"data"),
        );
        assert_eq!(r.status, 415, "{ty}");
    }
    assert!(!s.root.join(&sbx).join("x.txt").exists());
    assert_eq!(sandbox_count(&s), 1, "only the test's own sandbox exists");
    // What a local client sends still works: every loopback name, any case, with or
    // without the port; JSON with a charset; raw data as octet-stream.
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "LocalHost".into(),
    ] {
        let r = request(&s.addr, "GET", "/v1/sandboxes", &[("Host", &host)], None);
        assert_eq!(r.status, 200, "{host}");
    }
    let r = request(
        &s.addr,
        "POST",
        &format!("/v1/sandboxes/{sbx}/exec"),
        &[("Content-Type", "application/json; charset=utf-8")],
        Some(br#"{"command": ["echo", "hi"]}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let r = request(
        &s.addr,
        "PUT",
        &format!("/v1/sandboxes/{sbx}/files/y.bin"),
        &[("Content-Type", "application/octet-stream")],
        Some(b"\x00\x01"),
    );
    assert!(r.status < 300, "{}", r.text());
}

#[test]
fn a_page_of_the_same_origin_a_preview_cannot_read_the_api() {
    let s = Server::start("same-origin", &[]);
    // What a browser sends for fetch('/v1/sandboxes') from a preview page: no Origin.
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Sec-Fetch-Site", "same-origin")],
        None,
    );
    assert_eq!((r.status, r.code().as_str()), (403, "FORBIDDEN"));
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Sec-Fetch-Site", "cross-site")],
        None,
    );
    assert_eq!(r.status, 403);
    // The user typing the URL: allowed.
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Sec-Fetch-Site", "none")],
        None,
    );
    assert_eq!(r.status, 200);
    // An absolute request line naming another host is refused like its Host would be.
    let r = request(
        &s.addr,
        "GET",
        "http://attacker.example/v1/sandboxes",
        &[],
        None,
    );
    assert_eq!(r.status, 403);
}

#[test]
fn allowed_hosts_and_cors_origins_are_opt_in() {
    let s = Server::start(
        "cors",
        &[
            "--allow-host",
            "dev.example",
            "--cors-origin",
            "http://app.example:3000",
        ],
    );
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Host", "dev.example:8080")],
        None,
    );
    assert_eq!(r.status, 200);
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Host", "other.example")],
        None,
    );
    assert_eq!(r.status, 403);
    // A preflight from the allowed origin: 204 with what a dashboard needs.
    let r = request(
        &s.addr,
        "OPTIONS",
        "/v1/sandboxes",
        &[
            ("Origin", "http://app.example:3000"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
        None,
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://app.example:3000"
    );
    let allowed = r.headers["access-control-allow-headers"].to_ascii_lowercase();
    for h in ["authorization", "content-type", "last-event-id"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert!(r.headers["access-control-allow-methods"].contains("DELETE"));
    // The same preflight from another origin is refused.
    let r = request(
        &s.addr,
        "OPTIONS",
        "/v1/sandboxes",
        &[
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        None,
    );
    assert_eq!(r.status, 403);
    assert!(!r.headers.contains_key("access-control-allow-origin"));
    // An actual request from the allowed origin carries the CORS header.
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Origin", "http://app.example:3000")],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://app.example:3000"
    );
    assert_eq!(r.headers["vary"], "Origin");
}

#[test]
fn bad_cors_and_host_options_are_usage_errors() {
    for args in [
        ["--cors-origin", "app.example"],
        ["--cors-origin", "http://app.example/path"],
        ["--allow-host", ""],
        ["--allow-host", "proxy.example:"],
        ["--allow-host", "x:abc"],
    ] {
        let out = std::process::Command::new(common::BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(args[0]),
            "{args:?}"
        );
    }
}

#[test]
fn with_tokens_the_token_comes_before_the_route_table_and_origins() {
    let dir = temp_dir("token-first-file");
    let file = dir.join("tokens.toml");
    std::fs::write(
        &file,
        format!(
            "[[token]]\ntoken_sha256 = \"{}\"\nrole = \"admin\"\n",
            sha("tok-first-1")
        ),
    )
    .unwrap();
    let s = Server::start("token-first", &["--tokens", file.to_str().unwrap()]);
    // No token: 401 on every path, known or not.
    for path in [
        "/v1/sandboxes",
        "/v1/nope",
        "/admin",
        "/v1/sandboxes/x/processes/y",
    ] {
        let r = request(&s.addr, "GET", path, &[], None);
        assert_eq!(r.status, 401, "{path}");
    }
    // The scheme is case-insensitive; with a valid token an unknown route is 404.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let auth = format!("{scheme} tok-first-1");
        let r = request(
            &s.addr,
            "GET",
            "/v1/sandboxes",
            &[("Authorization", &auth)],
            None,
        );
        assert_eq!(r.status, 200, "{scheme}");
        let r = request(
            &s.addr,
            "GET",
            "/v1/nope",
            &[("Authorization", &auth)],
            None,
        );
        assert_eq!(r.status, 404, "{scheme}");
    }
    // With tokens any Host is answered (the token protects), but no foreign Origin.
    let auth = "Bearer tok-first-1";
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Authorization", auth), ("Host", "sandbox.example")],
        None,
    );
    assert_eq!(r.status, 200);
    let r = request(
        &s.addr,
        "GET",
        "/v1/sandboxes",
        &[("Authorization", auth), ("Origin", "http://evil.example")],
        None,
    );
    assert_eq!(r.status, 403);
}

#[test]
fn an_event_stream_ends_for_good_after_the_exit() {
    let s = Server::start("sse-end", &[]);
    let sbx = s.sandbox();
    let p = s.start_process(&sbx, r#"{"command": ["echo", "done"]}"#);
    let pid = p["id"].as_str().unwrap();
    wait_exit(&s, &sbx, pid);
    let url = format!("/v1/sandboxes/{sbx}/processes/{pid}/events");
    let r = s.get(&url);
    assert!(r.text().starts_with("retry: "), "{}", r.text());
    let events = sse_events(&r.text());
    let (exit_id, exit) = events.last().unwrap();
    assert_eq!(exit["type"], "exit");
    // What an EventSource does after the server closed the stream: reconnect with the
    // last id it saw. Past the exit: 204, and it stops.
    let id = exit_id.to_string();
    let r = request(&s.addr, "GET", &url, &[("Last-Event-ID", &id)], None);
    assert_eq!(r.status, 204);
    // One that missed the exit (it saw the last output only) gets the exit once more.
    let before = events[events.len() - 2].0.to_string();
    let again =
        sse_events(&request(&s.addr, "GET", &url, &[("Last-Event-ID", &before)], None).text());
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1["type"], "exit");
}

#[test]
fn a_symlink_swapped_in_during_file_calls_never_leads_out() {
    let s = Server::start("swap", &[]);
    let sbx = s.sandbox();
    // A folder outside the workspace that a symlink inside keeps pointing at.
    let decoy = temp_dir("swap-decoy");
    std::fs::write(decoy.join("passwd"), "SECRET outside\n").unwrap();
    std::fs::write(decoy.join("outside-marker"), "x").unwrap();
    let looping = format!(
        r#"{{"command": ["sh", "-c", "while :; do rm -rf d; mkdir d; echo safe > d/passwd; rm -rf d; ln -s {} d; done"]}}"#,
        decoy.display()
    );
    s.start_process(&sbx, &looping);
    let files = format!("/v1/sandboxes/{sbx}/files");
    let until = std::time::Instant::now() + Duration::from_secs(8);
    let escapes = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let counts = std::sync::Arc::new(std::sync::Mutex::new([0usize; 4]));
    let workers: Vec<_> = (0..4)
        .map(|kind| {
            let (addr, files) = (s.addr.clone(), files.clone());
            let (escapes, counts) = (escapes.clone(), counts.clone());
            std::thread::spawn(move || {
                while std::time::Instant::now() < until {
                    let (m, p, body): (&str, String, Option<&[u8]>) = match kind {
                        0 => ("GET", format!("{files}/d/passwd"), None),
                        1 => ("GET", format!("{files}/d?list"), None),
                        2 => ("PUT", format!("{files}/d/pwned"), Some(b"pwned")),
                        _ => ("DELETE", format!("{files}/d/passwd"), None),
                    };
                    let r = request(&addr, m, &p, &[], body);
                    let text = r.text();
                    if text.contains("SECRET") || text.contains("outside-marker") {
                        escapes.lock().unwrap().push(format!("{m} {p}: {text}"));
                    }
                    counts.lock().unwrap()[kind] += usize::from(r.status < 300);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let escapes = escapes.lock().unwrap();
    assert!(
        escapes.is_empty(),
        "{} escapes: {:?}",
        escapes.len(),
        &escapes[..escapes.len().min(3)]
    );
    // Nothing was written or deleted outside.
    assert_eq!(
        std::fs::read_to_string(decoy.join("passwd")).unwrap(),
        "SECRET outside\n"
    );
    assert!(
        !decoy.join("pwned").exists(),
        "a PUT wrote outside the workspace"
    );
    // The calls did reach the real folder some of the time: the race was run.
    let counts = *counts.lock().unwrap();
    assert!(
        counts.iter().all(|n| *n > 0),
        "successes per kind: {counts:?}"
    );
}

#[test]
fn file_bodies_stream_past_the_json_limit_up_to_max_file_bytes() {
    let s = Server::start("bigfile", &["--max-file-bytes", "3000000"]);
    let sbx = s.sandbox();
    let big = vec![b'x'; 2_500_000];
    let r = s.call(
        "PUT",
        &format!("/v1/sandboxes/{sbx}/files/big.bin"),
        Some(&big),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        std::fs::metadata(s.root.join(&sbx).join("big.bin"))
            .unwrap()
            .len(),
        2_500_000
    );
    let bigger = vec![b'y'; 3_500_000];
    let r = s.call(
        "PUT",
        &format!("/v1/sandboxes/{sbx}/files/big.bin"),
        Some(&bigger),
    );
    assert_eq!((r.status, r.code().as_str()), (413, "PAYLOAD_TOO_LARGE"));
    // The file before the refused upload is untouched, and no temporary file is left.
    assert_eq!(
        std::fs::metadata(s.root.join(&sbx).join("big.bin"))
            .unwrap()
            .len(),
        2_500_000
    );
    let names: Vec<String> = std::fs::read_dir(s.root.join(&sbx))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["big.bin"]);
}

#[test]
fn a_workspace_replaced_by_a_symlink_leads_nowhere() {
    let s = Server::start("ws-swap", &[]);
    let sbx = s.sandbox();
    let outside = temp_dir("ws-swap-outside");
    std::fs::write(outside.join("x"), "victim").unwrap();
    // A process of the sandbox moves its workspace away and puts a symlink in its place.
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/exec"),
        &format!(
            r#"{{"command": "d=$(pwd); mv \"$d\" \"$d.moved\" && ln -s {} \"$d\""}}"#,
            outside.display()
        ),
    );
    assert_eq!(r.json()["exit_code"], 0, "{}", r.text());
    let files = format!("/v1/sandboxes/{sbx}/files");
    for (m, p, body) in [
        ("GET", format!("{files}/x"), None),
        ("GET", format!("{files}/?list"), None),
        ("PUT", format!("{files}/planted"), Some(&b"planted"[..])),
        ("DELETE", format!("{files}/x"), None),
    ] {
        let r = s.call(m, &p, body);
        assert_eq!(r.status, 400, "{m} {p}: {}", r.text());
        assert!(!r.text().contains("victim"));
    }
    assert!(!outside.join("planted").exists());
    assert!(outside.join("x").exists());
}

#[test]
fn file_names_and_paths_at_the_edges() {
    let s = Server::start("names", &[]);
    let sbx = s.sandbox();
    let files = format!("/v1/sandboxes/{sbx}/files");
    // A name of 250 bytes (the limit is 255): its temporary file must fit too.
    let long = "n".repeat(250);
    for _ in 0..5 {
        let r = s.call("PUT", &format!("{files}/{long}"), Some(b"x"));
        assert_eq!(r.status, 204, "{}", r.text());
    }
    // A path that names a folder is not written as a file.
    let r = s.call("PUT", &format!("{files}/newdir/"), Some(b"x"));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(!s.root.join(&sbx).join("newdir").exists());
    // A file where a folder is wanted says so.
    s.call("PUT", &format!("{files}/plain"), Some(b"x"));
    let r = s.call("PUT", &format!("{files}/plain/x"), Some(b"x"));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not a folder"), "{}", r.text());
}

#[test]
fn a_preview_never_forwards_the_servers_credentials() {
    let s = Server::start("preview-cred", &[]);
    let sbx = s.sandbox();
    // A service that answers with the headers it received.
    let echo = r#"{"command": ["python3", "-c", "import http.server as h\nclass E(h.BaseHTTPRequestHandler):\n def do_GET(self):\n  b=str(dict(self.headers)).encode(); self.send_response(200); self.end_headers(); self.wfile.write(b)\nh.HTTPServer(('127.0.0.1',0),E).serve_forever()"]}"#;
    let p = s.start_process(&sbx, echo);
    let pid = p["id"].as_str().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/processes/{pid}/wait"),
        r#"{"port": 0, "timeout_ms": 30000}"#,
    );
    let port = r.json()["port"].as_u64().unwrap();
    let r = s.post(
        &format!("/v1/sandboxes/{sbx}/expose"),
        &format!(r#"{{"port": {port}}}"#),
    );
    let url = r.json()["url"].as_str().unwrap().to_string();
    let path = url.split_once(&s.addr).unwrap().1.to_string();
    let r = request(
        &s.addr,
        "GET",
        &format!("{path}x"),
        &[("Authorization", "Bearer secret-token"), ("X-Kept", "yes")],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let seen = r.text().to_ascii_lowercase();
    assert!(seen.contains("x-kept"), "{seen}");
    assert!(!seen.contains("secret-token"), "{seen}");
}

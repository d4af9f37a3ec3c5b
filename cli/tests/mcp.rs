//! `procwright mcp` spoken to as a client does: newline-delimited JSON-RPC 2.0 over the
//! real binary's stdin and stdout.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Only a guard against hangs: a reply normally comes in milliseconds.
const DEADLINE: Duration = Duration::from_secs(30);

const TOOLS: [&str; 13] = [
    "start_process",
    "list_processes",
    "get_process",
    "read_logs",
    "wait_for_log",
    "wait_for_port",
    "wait_for_exit",
    "wait_for",
    "write_stdin",
    "close_stdin",
    "send_input",
    "kill_process",
    "exec",
];

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<Value>,
    next_id: u64,
    /// Replies that came while another was awaited.
    early: Vec<Value>,
}

impl Client {
    /// Starts the server and completes the initialize handshake; returns the
    /// initialize result too.
    fn start() -> (Client, Value) {
        Client::start_with(&[])
    }

    /// [`Client::start`] with more arguments for `procwright mcp`.
    fn start_with(extra: &[&str]) -> (Client, Value) {
        let mut client = Client::spawn(extra);
        let init = client.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "procwright-tests", "version": "0"}
            }),
        );
        client.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        (client, init)
    }

    /// Starts the server; no handshake yet.
    fn spawn(extra: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_procwright"))
            .arg("mcp")
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("procwright mcp starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, replies) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let frame: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC, got {line:?}: {e}"));
                if tx.send(frame).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            replies,
            next_id: 1,
            early: Vec::new(),
        }
    }

    fn send(&mut self, frame: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{frame}").expect("server reads stdin");
        stdin.flush().unwrap();
    }

    /// Sends a request without waiting; returns its id.
    fn send_request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The reply to request `id`, keeping any other reply that comes first.
    fn reply(&mut self, id: u64) -> Value {
        if let Some(i) = self.early.iter().position(|r| r["id"] == json!(id)) {
            return self.early.remove(i);
        }
        loop {
            let frame = self
                .replies
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("no reply to request {id}"));
            if frame["id"] == json!(id) {
                return frame;
            }
            if frame.get("id").is_some() && frame.get("method").is_none() {
                self.early.push(frame);
            }
        }
    }

    /// The next reply to any request.
    fn next_reply(&mut self) -> Value {
        if !self.early.is_empty() {
            return self.early.remove(0);
        }
        loop {
            let frame = self.replies.recv_timeout(DEADLINE).expect("a reply");
            if frame.get("id").is_some() && frame.get("method").is_none() {
                return frame;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let reply = self.reply(id);
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    /// Calls a tool: its text and whether it is an error.
    fn tool(&mut self, name: &str, args: Value) -> (String, bool) {
        let result = self.request("tools/call", json!({"name": name, "arguments": args}));
        text_of(&result)
    }

    /// Calls a tool that must succeed; returns its text.
    fn ok(&mut self, name: &str, args: Value) -> String {
        let (text, error) = self.tool(name, args.clone());
        assert!(!error, "{name} {args} failed: {text}");
        text
    }

    /// Closes stdin, as a client that goes away does, and waits for the exit.
    fn close(mut self) -> ExitStatus {
        drop(self.stdin.take());
        wait_exit(&mut self.child)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text_of(result: &Value) -> (String, bool) {
    let text = result["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("a text result: {result}"))
        .to_owned();
    (text, result["isError"] == json!(true))
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < until, "procwright mcp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pids whose command line contains `marker`.
fn pids_with(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(marker) {
            pids.push(pid);
        }
    }
    pids
}

/// Polls until `ok` holds, as a hang guard only.
fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + DEADLINE;
    while !ok() {
        assert!(Instant::now() < until, "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The cursor a page's "more bytes" marker says to continue from.
fn continue_at(page: &str) -> Option<u64> {
    let marker = page.lines().find(|l| l.ends_with(" to continue]"))?;
    let cursor = marker.rsplit("since=").next()?;
    Some(cursor.trim_end_matches(" to continue]").parse().unwrap())
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("pw-mcp-{name}-{}-{nanos}", std::process::id())
}

/// A process that sleeps long, with `marker` in its argv, and a child that does too.
fn sleepers(marker: &str) -> Value {
    let program = "import subprocess, sys, time\n\
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', sys.argv[1]])\n\
        print('sleeping', flush=True)\n\
        time.sleep(600)";
    json!(["python3", "-c", program, marker])
}

#[test]
fn initialize_gives_instructions_and_tools_list_has_every_tool_with_a_schema() {
    let (mut c, init) = Client::start();
    assert_eq!(init["serverInfo"]["name"], "procwright");
    let instructions = init["instructions"].as_str().expect("instructions");
    assert!(instructions.contains("read_logs"), "{instructions}");
    assert!(init["capabilities"]["tools"].is_object(), "{init}");
    let tools = c.request("tools/list", json!({}));
    let tools = tools["tools"].as_array().expect("a tools array");
    for name in TOOLS {
        let tool = tools
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("tool {name} is listed"));
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        let description = tool["description"].as_str().unwrap_or_default();
        assert!(!description.is_empty(), "{name} has a description");
    }
    assert_eq!(tools.len(), TOOLS.len());
    let start = tools.iter().find(|t| t["name"] == "start_process").unwrap();
    let props = &start["inputSchema"]["properties"];
    for p in ["command", "cwd", "env", "process_id", "stdin"] {
        assert!(props.get(p).is_some(), "start_process takes {p}: {start}");
    }
}

#[test]
fn a_server_is_started_awaited_read_probed_killed_and_seen_ended() {
    let (mut c, _) = Client::start();
    let program = "import socket, time\n\
        print('hello', 'from', 'child', flush=True)\n\
        s = socket.socket()\n\
        s.bind(('127.0.0.1', 0))\n\
        s.listen()\n\
        print('port', s.getsockname()[1], flush=True)\n\
        time.sleep(600)";
    let started = c.ok(
        "start_process",
        json!({"command": ["python3", "-c", program], "process_id": "web"}),
    );
    assert!(started.starts_with("started web running pid "), "{started}");
    assert_eq!(started.lines().count(), 1, "one status line: {started}");

    let matched = c.ok(
        "wait_for_log",
        json!({"process_id": "web", "pattern": "^port \\d+$", "regex": true}),
    );
    let port: u16 = matched
        .lines()
        .find_map(|l| l.strip_prefix("matched on stdout: port "))
        .unwrap_or_else(|| panic!("the matched line: {matched}"))
        .parse()
        .unwrap();

    let first = c.ok("read_logs", json!({"process_id": "web"}));
    assert!(first.contains("hello from child\n"), "{first}");
    assert!(first.contains(&format!("port {port}")), "{first}");
    assert!(first.contains("[cursor "), "{first}");
    // A match may come before its line's newline is read; the second read may show
    // that newline, and nothing shown before.
    let second = c.ok("read_logs", json!({"process_id": "web"}));
    assert!(!second.contains("hello from child"), "{second}");
    assert!(!second.contains(&format!("port {port}")), "{second}");
    let again = c.ok("read_logs", json!({"process_id": "web", "since": 0}));
    assert!(
        again.contains("hello from child\n"),
        "since=0 reads again: {again}"
    );

    let any = c.ok("wait_for_port", json!({"process_id": "web"}));
    assert!(any.contains(&format!("port {port} accepts")), "{any}");
    let this = c.ok("wait_for_port", json!({"process_id": "web", "port": port}));
    assert!(this.contains(&format!("port {port} accepts")), "{this}");

    let listed = c.ok("list_processes", json!({}));
    assert!(listed.starts_with("web running"), "{listed}");

    let killed = c.ok("kill_process", json!({"process_id": "web"}));
    assert!(killed.starts_with("web killed by SIGTERM"), "{killed}");
    let got = c.ok("get_process", json!({"process_id": "web"}));
    assert!(got.starts_with("web killed by SIGTERM"), "{got}");
    // It has ended, and kill_process showed what was left: nothing is new any more.
    assert!(got.contains("no new output"), "{got}");
    let exited = c.ok("wait_for_exit", json!({"process_id": "web"}));
    assert!(exited.starts_with("web killed"), "{exited}");
}

#[test]
fn long_output_is_cut_with_a_marker_and_paged_by_cursor() {
    let (mut c, _) = Client::start();
    c.ok(
        "start_process",
        json!({"command": "seq -f 'row %g' 1 1000; echo done", "process_id": "chatty"}),
    );
    c.ok("wait_for_exit", json!({"process_id": "chatty"}));
    c.ok("read_logs", json!({"process_id": "chatty", "since": 0}));
    // The newest is kept: the end, and a marker saying where the rest is.
    let newest = c.ok("read_logs", json!({"process_id": "chatty", "tail": 1000}));
    assert!(newest.contains("\nrow 1000\ndone\n"), "{newest}");
    assert!(!newest.contains("\nrow 1\n"), "{newest}");
    assert!(
        newest.contains("earlier bytes not shown; read_logs with since=0 for them]"),
        "{newest}"
    );
    // Paging from a cursor goes forward, oldest first, with no gap and no repeat.
    let mut next = 0;
    let mut rows = Vec::new();
    for _ in 0..20 {
        let page = c.ok("read_logs", json!({"process_id": "chatty", "since": next}));
        rows.extend(
            page.lines()
                .filter(|l| l.starts_with("row "))
                .map(str::to_owned),
        );
        match continue_at(&page) {
            Some(cursor) => next = cursor,
            None => break,
        }
    }
    let expected: Vec<String> = (1..=1000).map(|i| format!("row {i}")).collect();
    assert_eq!(rows, expected);
    // Without a cursor, the read goes on from where the last one stopped: the end.
    let rest = c.ok("read_logs", json!({"process_id": "chatty"}));
    assert!(rest.contains("no new output"), "{rest}");
}

#[test]
fn stdin_written_comes_back_from_cat() {
    let (mut c, _) = Client::start();
    let started = c.ok("start_process", json!({"command": "cat", "stdin": true}));
    let id = started
        .strip_prefix("started ")
        .and_then(|s| s.split(' ').next())
        .unwrap_or_else(|| panic!("an id: {started}"))
        .to_owned();
    let wrote = c.ok(
        "write_stdin",
        json!({"process_id": id, "data": "ping 42\n"}),
    );
    assert!(wrote.starts_with("wrote 8 bytes"), "{wrote}");
    c.ok(
        "wait_for_log",
        json!({"process_id": id, "pattern": "ping 42"}),
    );
    let read = c.ok("read_logs", json!({"process_id": id}));
    assert!(read.contains("ping 42\n"), "{read}");
    c.ok("kill_process", json!({"process_id": id, "signal": "KILL"}));
    let got = c.ok("get_process", json!({"process_id": id}));
    assert!(got.contains(" killed"), "{got}");

    let (text, error) = c.tool("write_stdin", json!({"process_id": id, "data": "x"}));
    assert!(error && text.starts_with("PROCESS_ERROR"), "{text}");
}

#[test]
fn errors_are_tool_results_led_by_their_code() {
    let (mut c, _) = Client::start();
    let (text, error) = c.tool("get_process", json!({"process_id": "nope"}));
    assert!(error, "{text}");
    assert!(text.starts_with("PROCESS_NOT_FOUND"), "{text}");

    c.ok(
        "start_process",
        json!({"command": "echo goodbye; exit 3", "process_id": "short"}),
    );
    // The timeout is far beyond the hang guard: only the exit can end this wait in time.
    let (text, error) = c.tool(
        "wait_for_log",
        json!({"process_id": "short", "pattern": "never printed", "timeout_ms": 600000}),
    );
    assert!(error, "{text}");
    assert!(text.starts_with("PROCESS_EXITED_BEFORE_READY"), "{text}");
    assert!(text.contains("goodbye"), "the last output is shown: {text}");

    let (text, error) = c.tool(
        "wait_for_log",
        json!({"process_id": "short", "pattern": "(", "regex": true}),
    );
    assert!(error && text.starts_with("INVALID_PATTERN"), "{text}");

    c.ok(
        "start_process",
        json!({"command": "sleep 600", "process_id": "slow"}),
    );
    let (text, error) = c.tool(
        "wait_for_exit",
        json!({"process_id": "slow", "timeout_ms": 1}),
    );
    assert!(error && text.starts_with("PROCESS_READY_TIMEOUT"), "{text}");
    let (text, error) = c.tool(
        "kill_process",
        json!({"process_id": "slow", "signal": "NOPE"}),
    );
    assert!(error && text.starts_with("INVALID_ARGUMENT"), "{text}");
}

#[test]
fn a_long_session_forgets_the_oldest_ended_processes() {
    let (mut c, _) = Client::start_with(&["--keep-ended", "2"]);
    for i in 0..4 {
        let id = format!("p{i}");
        c.ok(
            "start_process",
            json!({"command": format!("echo n{i}"), "process_id": id}),
        );
        c.ok("wait_for_exit", json!({"process_id": id}));
    }
    c.ok(
        "start_process",
        json!({"command": "sleep 600", "process_id": "last"}),
    );
    for gone in ["p0", "p1"] {
        let (text, error) = c.tool("get_process", json!({"process_id": gone}));
        assert!(error && text.starts_with("PROCESS_NOT_FOUND"), "{text}");
    }
    for kept in ["p2", "p3"] {
        let text = c.ok("read_logs", json!({"process_id": kept, "since": 0}));
        assert!(text.contains(&format!("n{}", &kept[1..])), "{text}");
    }
    let list = c.ok("list_processes", json!({}));
    assert!(!list.contains("p0") && !list.contains("p1"), "{list}");
    assert!(
        list.contains("p2") && list.contains("p3") && list.contains("last"),
        "{list}"
    );
}

#[test]
fn exec_returns_the_exit_code_and_both_streams() {
    let (mut c, _) = Client::start();
    let text = c.ok(
        "exec",
        json!({"command": "echo out-line; echo err-line >&2; exit 4"}),
    );
    assert!(text.starts_with("exit code 4 after "), "{text}");
    assert!(text.contains("--- stdout ---\nout-line\n"), "{text}");
    assert!(text.contains("--- stderr ---\nerr-line\n"), "{text}");
    let text = c.ok(
        "exec",
        json!({"command": ["printf", "%s", "a b"], "cwd": "/"}),
    );
    assert!(text.starts_with("exit code 0"), "{text}");
    assert!(text.contains("\na b\n"), "{text}");
}

#[test]
fn malformed_arguments_are_tool_errors_and_the_server_carries_on() {
    let (mut c, _) = Client::start();
    let bad = [
        ("start_process", json!({"command": 42})),
        ("start_process", json!({})),
        ("read_logs", json!({"process_id": "x", "since": -1})),
        ("wait_for_port", json!({"process_id": "x", "port": 70000})),
        (
            "wait_for_exit",
            json!({"process_id": "x", "timeout_ms": -5}),
        ),
        ("get_process", json!({"process_id": "x", "extra": true})),
    ];
    for (tool, args) in bad {
        let (text, error) = c.tool(tool, args.clone());
        assert!(error, "{tool} {args}: {text}");
        assert!(
            text.starts_with("INVALID_ARGUMENT"),
            "{tool} {args}: {text}"
        );
    }
    for command in [
        json!(""),
        json!("a\u{0}b"),
        json!([]),
        json!(["ls", "a\u{0}"]),
    ] {
        let (text, error) = c.tool("start_process", json!({"command": command}));
        assert!(
            error && text.starts_with("INVALID_COMMAND"),
            "{command}: {text}"
        );
    }
    let (text, error) = c.tool(
        "start_process",
        json!({"command": "true", "cwd": "/a\u{0}"}),
    );
    assert!(error && text.starts_with("INVALID_ARGUMENT"), "{text}");
    let (text, error) = c.tool("exec", json!({"command": "  "}));
    assert!(error && text.starts_with("INVALID_COMMAND"), "{text}");
    let started = c.ok("start_process", json!({"command": "echo fine"}));
    assert!(started.starts_with("started "), "{started}");
    let listed = c.ok("list_processes", json!({}));
    assert!(listed.contains("(echo fine)"), "{listed}");
}

#[test]
fn a_long_wait_does_not_hold_up_other_calls() {
    let (mut c, _) = Client::start();
    c.ok(
        "start_process",
        json!({"command": "sleep 600", "process_id": "quiet"}),
    );
    let wait = c.send_request(
        "tools/call",
        json!({"name": "wait_for_log", "arguments":
            {"process_id": "quiet", "pattern": "never", "timeout_ms": 600000}}),
    );
    // The wait cannot end before the kill below: the list must be answered first.
    let list = c.send_request(
        "tools/call",
        json!({"name": "list_processes", "arguments": {}}),
    );
    let first = c.next_reply();
    assert_eq!(
        first["id"],
        json!(list),
        "list answered during the wait: {first}"
    );
    let (listed, _) = text_of(&first["result"]);
    assert!(listed.starts_with("quiet running"), "{listed}");
    c.ok("kill_process", json!({"process_id": "quiet"}));
    let (text, error) = text_of(&c.reply(wait)["result"]);
    assert!(
        error && text.starts_with("PROCESS_EXITED_BEFORE_READY"),
        "{text}"
    );
}

/// A server with two sleepers marked `marker` running (one a grandchild).
fn with_sleepers(marker: &str) -> Client {
    let (mut c, _) = Client::start();
    let started = c.ok("start_process", json!({"command": sleepers(marker)}));
    let id = started.split(' ').nth(1).unwrap().to_owned();
    c.ok(
        "wait_for_log",
        json!({"process_id": id, "pattern": "sleeping"}),
    );
    eventually("both sleepers run", || pids_with(marker).len() == 2);
    c
}

#[test]
fn closing_stdin_exits_zero_and_kills_every_process() {
    let marker = unique("stdin");
    let c = with_sleepers(&marker);
    let status = c.close();
    assert_eq!(status.code(), Some(0));
    eventually("no sleeper is left", || pids_with(&marker).is_empty());
}

#[test]
fn sigterm_exits_zero_and_kills_every_process() {
    let marker = unique("sigterm");
    let mut c = with_sleepers(&marker);
    let pid = c.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    // stdin stays open: the signal alone must end the server.
    let status = wait_exit(&mut c.child);
    assert_eq!(status.code(), Some(0));
    eventually("no sleeper is left", || pids_with(&marker).is_empty());
}

#[test]
fn requests_before_the_handshake_are_method_not_found_and_the_server_waits_on() {
    let mut c = Client::spawn(&[]);
    // What the 2026 SDKs send first, then a notification out of turn.
    let id = c.send_request("server/discover", json!({"protocolVersion": "2026-07-28"}));
    let reply = c.reply(id);
    assert_eq!(reply["error"]["code"], -32601, "{reply}");
    c.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let id = c.send_request("tools/list", json!({}));
    assert_eq!(c.reply(id)["error"]["code"], -32601);
    // The fallback handshake, asking for a version the server does not implement.
    let init = c.request(
        "initialize",
        json!({
            "protocolVersion": "2026-07-28",
            "capabilities": {},
            "clientInfo": {"name": "procwright-tests", "version": "0"}
        }),
    );
    assert_eq!(init["protocolVersion"], "2025-11-25", "{init}");
    c.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let tools = c.request("tools/list", json!({}));
    assert_eq!(tools["tools"].as_array().unwrap().len(), TOOLS.len());
    assert!(c.close().success());
}

#[test]
fn every_tool_is_annotated_and_its_schemas_are_standard_json_schema() {
    let (mut c, _) = Client::start();
    let tools = c.request("tools/list", json!({}));
    for tool in tools["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        let a = &tool["annotations"];
        assert_eq!(a["openWorldHint"], false, "{name}: {tool}");
        assert!(a["readOnlyHint"].is_boolean(), "{name}: {tool}");
        let schemas = format!("{}{}", tool["inputSchema"], tool["outputSchema"]);
        assert!(
            !schemas.contains("\"format\":\"uint") && !schemas.contains("\"format\":\"int"),
            "{name}: {schemas}"
        );
        let read_only = name.starts_with("wait_for")
            || ["list_processes", "get_process", "read_logs"].contains(&name);
        assert_eq!(a["readOnlyHint"], read_only, "{name}");
        if name != "write_stdin" && name != "close_stdin" {
            assert!(
                tool["outputSchema"].is_object(),
                "{name} has an output schema"
            );
        }
    }
    let port = &tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "wait_for_port")
        .unwrap()["inputSchema"]["properties"]["port"];
    assert_eq!(port["maximum"], 65535, "{port}");
    let kill = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "kill_process")
        .unwrap();
    assert_eq!(kill["annotations"]["destructiveHint"], true);
}

#[test]
fn a_backtracking_grep_never_holds_the_server() {
    let (mut c, _) = Client::start();
    c.ok(
        "start_process",
        json!({"command": ["python3", "-c", "import sys,time; sys.stdout.write('x'*200000+'\\n'); sys.stdout.flush(); time.sleep(60)"], "process_id": "long"}),
    );
    c.ok(
        "wait_for_log",
        json!({"process_id": "long", "pattern": "xxxx"}),
    );
    let started = Instant::now();
    let grep = c.send_request(
        "tools/call",
        json!({"name": "read_logs", "arguments": {"process_id": "long", "since": 0, "grep": "(?:(?=.*x)x)*y"}}),
    );
    // Meanwhile the server answers at once.
    let list = c.send_request(
        "tools/call",
        json!({"name": "list_processes", "arguments": {}}),
    );
    let r = c.reply(list);
    assert!(r["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("long"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "list waited for the grep"
    );
    // The grep itself ends, with an answer or an error, not never.
    let r = c.reply(grep);
    let (text, _) = text_of(&r["result"]);
    assert!(!text.is_empty());
}

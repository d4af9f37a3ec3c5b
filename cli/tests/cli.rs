//! The real `procwright` binary over small service files: order, parallel starts,
//! restarts with backoff, validation, exit codes, Ctrl-C, fail-fast and host death.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_procwright");

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("pw-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn file(&self, text: &str) -> PathBuf {
        let f = self.0.join("procwright.toml");
        std::fs::write(&f, text).unwrap();
        f
    }
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).unwrap_or_default()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Dir, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(&dir.0)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn services_start_after_what_they_depend_on_is_ready() {
    let d = Dir::new("order");
    d.file(
        r#"
[services.api]
command = "echo api >> order; echo up; sleep 300"
ready = { log = "up" }
depends_on = { db = "ready" }

[services.db]
command = "sleep 0.3; echo db >> order; echo 'db ready'; sleep 300"
ready = { log = "db ready", timeout = 20 }

[services.migrate]
command = "echo migrate >> order"
ready = { exit = 0 }
depends_on = { db = "ready" }
"#,
    );
    let o = run(&d, &["run", "--", "cat", "order"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let order = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = order.lines().collect();
    assert_eq!(lines[0], "db", "{order}");
    assert_eq!(lines.len(), 3, "{order}");
}

#[test]
fn independent_services_start_in_parallel() {
    let d = Dir::new("parallel");
    // Each becomes ready only once the other has started: in sequence neither would.
    d.file(
        r#"
[services.a]
command = "touch a.started; while [ ! -e b.started ]; do sleep 0.02; done; echo ready; sleep 300"
ready = { log = "ready", timeout = 20 }

[services.b]
command = "touch b.started; while [ ! -e a.started ]; do sleep 0.02; done; echo ready; sleep 300"
ready = { log = "ready", timeout = 20 }
"#,
    );
    let o = run(&d, &["run", "--", "true"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_restarting_service_backs_off_exponentially() {
    let d = Dir::new("backoff");
    d.file(
        r#"
[services.flaky]
command = "date +%s.%N >> runs; exit 1"
restart = { policy = "on-failure", max_restarts = 3, backoff = { initial = "200ms", factor = 2 } }
"#,
    );
    let o = run(&d, &["run", "--", "sleep", "2.5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let times: Vec<f64> = d.read("runs").lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(times.len(), 4, "{times:?}");
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, floor) in gaps.iter().zip([0.2, 0.4, 0.8]) {
        assert!(*gap >= floor, "{gaps:?}");
    }
    assert!(gaps[2] > gaps[0], "the gaps grow: {gaps:?}");
}

#[test]
fn bad_files_are_refused_with_exit_code_2_before_anything_starts() {
    let d = Dir::new("bad");
    let cases = [
        (
            "[services.a]\ncommand = \"touch started\"\ndepends_on = { b = \"ready\" }\n[services.b]\ncommand = \"x\"\ndepends_on = { a = \"ready\" }\n",
            "a -> b -> a",
        ),
        ("[services.a]\ncommand = \"touch started\"\ndepends_on = { nope = \"ready\" }\n", "unknown service \"nope\""),
        ("[services.a]\ncommand = \"touch started\"\nreadiness = 1\n", "procwright.toml:3: service \"a\" field \"readiness\""),
        ("[services.a]\ncommand = \"\"\n", "the command is empty"),
        ("[services.a]\ncommand = \"touch started\"\nstop_timeout = true\n", "stop_timeout"),
    ];
    for (text, want) in cases {
        d.file(text);
        for args in [&["up"][..], &["run", "--", "true"][..], &["check"][..]] {
            let o = run(&d, args);
            assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
            assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
        }
        assert!(!d.0.join("started").exists(), "{text}: something started");
    }
    let o = run(&d, &["up", "-f", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"));
}

#[test]
fn run_passes_the_command_s_exit_code_through() {
    let d = Dir::new("exitcode");
    d.file("[services.s]\ncommand = \"sleep 300\"\n");
    let o = run(&d, &["run", "--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    let o = run(&d, &["run", "--", "/nonexistent/cmd"]);
    assert_eq!(o.status.code(), Some(127));
}

#[test]
fn a_service_that_fails_before_ready_stops_everything_at_once() {
    let d = Dir::new("failfast");
    d.file(
        r#"
[services.db]
command = "echo $$ > db.pid; sleep 300; : pw-failfast-db"

[services.api]
command = "echo 'loading config'; echo 'fatal: no config' >&2; exit 3"
ready = { port = 1, timeout = 60 }
"#,
    );
    let t = Instant::now();
    let o = run(&d, &["run", "--", "true"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "failed at the timeout, not at the exit"
    );
    let e = stderr(&o);
    assert!(e.contains("api"), "{e}");
    assert!(e.contains("exit code 3"), "{e}");
    assert!(e.contains("fatal: no config"), "{e}");
    // db starts beside api, so api may fail before db's shell wrote its pid.
    if let Ok(pid) = d.read("db.pid").trim().parse::<i32>() {
        assert!(!alive(pid), "db was left running");
    }
    let db_shells = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z'));
            !zombie && String::from_utf8_lossy(&cmdline).contains("pw-failfast-db")
        })
        .count();
    assert_eq!(db_shells, 0, "db was left running");
}

#[test]
fn ctrl_c_stops_in_reverse_dependency_order() {
    let d = Dir::new("ctrlc");
    d.file(
        r#"
[services.a]
command = "trap 'echo stop-a >> stops; exit 0' TERM; echo ready; while true; do sleep 0.05; done"
ready = { log = "ready" }

[services.b]
command = "trap 'echo stop-b >> stops; exit 0' TERM; echo ready; while true; do sleep 0.05; done"
ready = { log = "ready" }
depends_on = { a = "ready" }

[services.c]
command = "trap 'echo stop-c >> stops; exit 0' TERM; echo ready; while true; do sleep 0.05; done"
ready = { log = "ready" }
depends_on = { b = "started" }
"#,
    );
    let mut up = up_ready(&d);
    unsafe { libc_kill(up.id() as i32, 2) };
    let status = up.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(d.read("stops"), "stop-c\nstop-b\nstop-a\n");
}

#[test]
fn sigkill_to_up_leaves_no_service_running() {
    let d = Dir::new("sigkill");
    d.file(
        r#"
[services.s]
command = "echo $$ > s.pid; setsid sh -c 'echo $$ > escapee.pid; exec sleep 300' & echo ready; sleep 300"
ready = { log = "ready" }
"#,
    );
    let mut up = up_ready(&d);
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.read("escapee.pid").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pids: Vec<i32> = ["s.pid", "escapee.pid"]
        .iter()
        .map(|f| d.read(f).trim().parse().unwrap())
        .collect();
    up.kill().unwrap();
    up.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(pids.iter().all(|p| !alive(*p)), "left running: {pids:?}");
}

#[test]
fn sigkill_to_run_leaves_neither_the_command_nor_a_service_running() {
    let d = Dir::new("runkill");
    d.file(
        r#"
[services.s]
command = "echo $$ > s.pid; echo ready; sleep 300"
ready = { log = "ready" }
"#,
    );
    // CMD leaves the group and the session, as a daemon would.
    let mut run = Command::new(BIN)
        .args(["run", "--", "sh", "-c"])
        .arg("echo $$ > cmd.pid; setsid sh -c 'echo $$ > daemon.pid; exec sleep 300' & sleep 300")
        .current_dir(&d.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let files = ["s.pid", "cmd.pid", "daemon.pid"];
    let deadline = Instant::now() + Duration::from_secs(30);
    while files.iter().any(|f| d.read(f).is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pids: Vec<i32> = files
        .iter()
        .map(|f| d.read(f).trim().parse().unwrap())
        .collect();
    assert!(pids.iter().all(|p| alive(*p)));
    run.kill().unwrap();
    run.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<&i32> = pids.iter().filter(|p| alive(**p)).collect();
    assert!(
        left.is_empty(),
        "left running (service, CMD, daemon): {left:?} of {pids:?}"
    );
}

/// Starts `procwright up` in `dir` and returns it once every service is ready.
fn up_ready(d: &Dir) -> std::process::Child {
    let mut up = Command::new(BIN)
        .arg("up")
        .current_dir(&d.0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(up.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("are ready") {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "up ended before ready"
        );
    }
    // Keep draining, so that up never blocks on a full stderr pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while err.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    up
}

#[test]
fn sigterm_stops_like_ctrl_c_and_a_second_ctrl_c_kills_at_once() {
    let d = Dir::new("signals");
    d.file(
        r#"
[services.a]
command = "trap 'echo stop-a >> stops; exit 0' TERM; echo ready; while true; do sleep 0.05; done"
ready = { log = "ready" }
"#,
    );
    let mut up = up_ready(&d);
    unsafe { libc_kill(up.id() as i32, 15) };
    assert_eq!(up.wait().unwrap().code(), Some(0));
    assert_eq!(d.read("stops"), "stop-a\n");

    // A service that ignores its stop signal would get its 60 s stop timeout; the second
    // Ctrl-C does not wait for it.
    d.file(
        r#"
[services.stubborn]
command = "trap '' TERM INT; echo $$ > s.pid; echo ready; while true; do sleep 0.05; done"
ready = { log = "ready" }
stop_timeout = 60
"#,
    );
    let mut up = up_ready(&d);
    let t = Instant::now();
    unsafe { libc_kill(up.id() as i32, 2) };
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc_kill(up.id() as i32, 2) };
    up.wait().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "the second Ctrl-C waited for the stop timeout"
    );
    let pid: i32 = d.read("s.pid").trim().parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "the stubborn service survived");
}

#[test]
fn sigterm_to_run_reaches_the_command_and_then_stops_the_services() {
    let d = Dir::new("runterm");
    d.file("[services.s]\ncommand = \"echo $$ > s.pid; exec sleep 300\"\n");
    let mut run = Command::new(BIN)
        .args(["run", "--", "sh", "-c", "touch cmd.started; exec sleep 300"])
        .current_dir(&d.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !d.0.join("cmd.started").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc_kill(run.id() as i32, 15) };
    let status = run.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(143),
        "CMD's death by SIGTERM, as a shell reports it"
    );
    let pid: i32 = d.read("s.pid").trim().parse().unwrap();
    assert!(!alive(pid), "the service survived");
}

#[test]
fn two_hundred_services_in_a_deep_chain_start_in_order() {
    let d = Dir::new("chain");
    let mut text = String::new();
    for i in 0..200 {
        text.push_str(&format!(
            "[services.s{i}]\ncommand = \"echo s{i} >> order; echo ok; exec sleep 300\"\nready = {{ log = \"ok\" }}\n"
        ));
        if i > 0 {
            text.push_str(&format!("depends_on = {{ s{} = \"ready\" }}\n", i - 1));
        }
    }
    d.file(&text);
    let o = run(&d, &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&d, &["run", "--", "cat", "order"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want: String = (0..200).map(|i| format!("s{i}\n")).collect();
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
}

/// Whether `pid` runs (a zombie does not count).
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s.rsplit(')').next().unwrap_or("").split_whitespace().next();
            !matches!(state, Some("Z") | Some("X"))
        })
        .unwrap_or(false)
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn a_signal_while_run_waits_for_readiness_stops_everything_at_once() {
    for (sig, code) in [(15, 143), (2, 130)] {
        let d = Dir::new(&format!("runwait{sig}"));
        // Never ready, and no timeout: only the signal can end the wait.
        d.file("[services.s]\ncommand = \"echo $$ > s.pid; exec sleep 300\"\nready = { log = \"never printed\" }\n");
        let mut run = Command::new(BIN)
            .args(["run", "--", "touch", "cmd.ran"])
            .current_dir(&d.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while d.read("s.pid").is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let service: i32 = d.read("s.pid").trim().parse().unwrap();
        unsafe { libc_kill(run.id() as i32, sig) };
        // A hang guard: the old code never ended.
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = run.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = run.kill();
                panic!("signal {sig}: run still waiting for readiness");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(code), "signal {sig}");
        assert!(
            !d.0.join("cmd.ran").exists(),
            "CMD ran without its services"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(service) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(service), "signal {sig}: the service survived");
    }
}

"""The `procwright` console script that `pip install` puts next to the interpreter: the
same command as the Rust binary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "procwright"


def test_the_console_script_checks_runs_and_passes_exit_codes(tmp_path):
    assert SCRIPT.exists(), f"no console script at {SCRIPT}"
    (tmp_path / "procwright.toml").write_text(
        '[services.web]\n'
        'command = "echo up; sleep 300"\n'
        'ready = { log = "up" }\n'
    )
    check = subprocess.run([SCRIPT, "check"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert "start order: web" in check.stdout
    run = subprocess.run([SCRIPT, "run", "--", "sh", "-c", "exit 5"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 5, run.stderr
    version = subprocess.run([SCRIPT, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("procwright ")


def test_run_hands_cmd_the_callers_stdin_stdout_and_stderr(tmp_path):
    (tmp_path / "procwright.toml").write_text('[services.web]\ncommand = "echo up; sleep 300"\nready = { log = "up" }\n')
    script = 'read line; echo "got $line"; echo to-stderr >&2; head -c 300000 /dev/zero | tr "\\0" x; echo; echo last'
    run = subprocess.run(
        [SCRIPT, "run", "--", "sh", "-c", script],
        cwd=tmp_path, input="from-stdin\n", capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "got from-stdin\n" + "x" * 300_000 + "\nlast\n"
    assert "to-stderr\n" in run.stderr


def test_a_bad_file_exits_2_with_the_place(tmp_path):
    (tmp_path / "procwright.toml").write_text('[services.a]\ncommand = "x"\ndepends_on = { b = "ready" }\n')
    bad = subprocess.run([SCRIPT, "up"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert 'procwright.toml:1: service "a" field "depends_on": unknown service "b"' in bad.stderr


def test_serve_from_the_console_script_answers_and_stops_on_sigterm(tmp_path):
    import json
    import re
    import signal
    import urllib.request

    JSON_BODY = {"content-type": "application/json"}  # the server takes JSON bodies only
    server = subprocess.Popen(
        [SCRIPT, "serve", "--listen", "127.0.0.1:0", "--root", str(tmp_path)],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        line = server.stderr.readline()
        addr = re.search(r"listening on http://(\S+)", line)
        assert addr, line
        base = f"http://{addr.group(1)}/v1/sandboxes"
        created = urllib.request.urlopen(urllib.request.Request(base, data=b"", method="POST"), timeout=30)
        assert created.status == 201
        sbx = json.load(created)["id"]
        body = json.dumps({"command": ["sh", "-c", "echo from python; sleep 300"]}).encode()
        started = urllib.request.urlopen(urllib.request.Request(f"{base}/{sbx}/processes", data=body, method="POST", headers=JSON_BODY), timeout=30)
        proc = json.load(started)
        assert proc["state"] == "running" and proc["id"].startswith("proc_")
        wait = json.dumps({"log": "from python", "timeout_ms": 30000}).encode()
        waited = urllib.request.urlopen(urllib.request.Request(f"{base}/{sbx}/processes/{proc['id']}/wait", data=wait, method="POST", headers=JSON_BODY), timeout=60)
        assert json.load(waited)["line"] == "from python"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

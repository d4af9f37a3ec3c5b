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


def test_a_bad_file_exits_2_with_the_place(tmp_path):
    (tmp_path / "procwright.toml").write_text('[services.a]\ncommand = "x"\ndepends_on = { b = "ready" }\n')
    bad = subprocess.run([SCRIPT, "up"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert 'procwright.toml:1: service "a" field "depends_on": unknown service "b"' in bad.stderr

"""The README's Python quick start runs as written."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start() -> str:
    text = README.read_text()
    section = text[text.index("## Python") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        # As http.server does, so a port in TIME_WAIT counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_readme_python_quick_start_runs():
    if not port_free(8000):
        pytest.skip("port 8000, which the quick start uses, is taken on this machine")
    done = subprocess.run(
        [sys.executable, "-c", quick_start()], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "listening on 8000" in out
    assert "GET / -> 200 exit 0" in out
    assert "PROCESS_READY_TIMEOUT waiting for never printed" in out
    assert "killed 143 SIGTERM" in out
    assert "web exited with 143" in out

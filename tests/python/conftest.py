"""Shared fixtures for the procwright Python tests.

Every test gets a fresh Sandbox that is destroyed afterwards, and checks at the end that
it left no running process behind. Times in assertions are only generous hang guards.
"""

from __future__ import annotations

import os
import socket
import sys
import textwrap
from pathlib import Path
from typing import AsyncIterator, Callable

import pytest

import procwright

PY = sys.executable


@pytest.fixture
async def sb() -> AsyncIterator[procwright.Sandbox]:
    # Unbuffered Python children, so that their prints reach the logs as they happen.
    sandbox = procwright.Sandbox(env={"PYTHONUNBUFFERED": "1"})
    try:
        yield sandbox
    finally:
        await sandbox.destroy()
        assert await sandbox.list_processes() == []


@pytest.fixture
def free_port() -> Callable[[], int]:
    given: set[int] = set()

    def pick() -> int:
        # Distinct within a test: the kernel may hand a just-closed port out again.
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in given:
                given.add(port)
                return port

    return pick


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, str], str]:
    """Writes a Python script into tmp_path and returns the command that runs it."""

    def write(name: str, body: str) -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body))
        return f"{PY} -u {path}"

    return write


def pid_alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def gone(pid: int) -> bool:
    """Neither `kill(pid, 0)` reaches it nor is it more than a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return not pid_alive(pid)


def group_members(pgid: int) -> list[int]:
    """Pids of process group `pgid` that can still run (zombies do not count: this
    machine's PID 1 never reaps orphans)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(name))
    return found


@pytest.fixture
def alive() -> Callable[[int], bool]:
    return pid_alive


def http_server_cmd(port: int, directory: str | None = None) -> str:
    cmd = f"{PY} -u -m http.server {port} --bind 127.0.0.1"
    if directory:
        cmd += f" --directory {directory}"
    return cmd


@pytest.fixture
def http_server() -> Callable[..., str]:
    return http_server_cmd


os.environ.setdefault("PYTHONUNBUFFERED", "1")

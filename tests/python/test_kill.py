"""Killing at the edges: what a process left running after it exited, timeouts too large
for a deadline, and the grace between SIGTERM and SIGKILL when a timeout fires."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

import procwright
from conftest import gone, group_members as live_group_members


async def leader_gone_member_running(sb: procwright.Sandbox) -> tuple[procwright.Process, int]:
    """The user's case: the leader exits at once, `bg` keeps running in its group."""
    p = await sb.start_process("(exec -a bg sleep 40) & echo done")
    result = await p.wait_for_exit(30)
    assert result.status == "completed"
    deadline = time.monotonic() + 30
    while len(live_group_members(p.pid)) != 1:
        assert time.monotonic() < deadline, live_group_members(p.pid)
        await asyncio.sleep(0.01)
    return p, live_group_members(p.pid)[0]


async def test_kill_after_the_leader_exited_kills_what_it_left_running(sb):
    p, bg = await leader_gone_member_running(sb)
    await asyncio.wait_for(p.kill(), 30)
    assert gone(bg)
    assert p.status == "completed"  # how the leader ended is kept

    q, bg = await leader_gone_member_running(sb)
    await asyncio.wait_for(sb.kill_process(q.id), 30)
    assert gone(bg)

    _, bg = await leader_gone_member_running(sb)
    running = await sb.start_process("sleep 30")
    assert await asyncio.wait_for(sb.kill_all_processes(), 30) == 2
    assert gone(bg)
    assert running.status == "killed"
    assert await sb.kill_all_processes() == 0


async def test_a_huge_kill_timeout_is_no_deadline_not_a_panic(sb):
    p = await sb.start_process("sleep 30")
    await asyncio.wait_for(p.kill("SIGTERM", timeout=9.3e18), 30)
    assert p.status == "killed"
    q, bg = await leader_gone_member_running(sb)
    await asyncio.wait_for(q.kill("SIGTERM", timeout=9.3e18), 30)
    assert gone(bg)


SHUTDOWN_CHILD = """
import asyncio
import procwright

async def main():
    sb = procwright.Sandbox()
    p = await sb.start_process("sleep 300 & wait")
    procwright.shutdown_all(1.8e19)
    await p.wait_for_exit(30)
    print(p.status, flush=True)

asyncio.run(main())
"""


async def test_shutdown_all_with_a_huge_grace_is_no_deadline_not_a_panic():
    # In a child interpreter: shutdown_all reaches every sandbox of the process, and with
    # no deadline one that ignores SIGTERM would be waited for for ever.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        textwrap.dedent(SHUTDOWN_CHILD),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().split() == ["killed"], (out, err)
    assert b"panic" not in err.lower(), err.decode()


async def test_exec_timeout_escalates_after_kill_timeout(sb, tmp_path):
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(procwright.CommandTimeoutError) as info:
        await sb.exec(f"trap '' TERM; echo $$ > {pidfile}; sleep 20", timeout=0.5, kill_timeout=0.2)
    took = time.monotonic() - started
    assert info.value.code == "COMMAND_TIMEOUT"
    # 0.5 s + 0.2 s; the bound only has to tell that from 0.5 s + 5 s.
    assert took < 3, took
    assert gone(int(pidfile.read_text()))


async def test_start_timeout_escalates_after_kill_timeout(sb):
    started = time.monotonic()
    p = await sb.start_process("trap '' TERM; sleep 20", timeout=0.3, kill_timeout=0.2)
    result = await asyncio.wait_for(p.wait_for_exit(), 30)
    assert time.monotonic() - started < 3
    assert (result.status, result.signal) == ("killed", "SIGKILL")
    assert gone(p.pid)


async def test_kill_reaches_a_process_that_left_the_group(sb):
    # setsid puts the sleep in a session (and group) of its own: only its
    # PROCWRIGHT_TAG ties it to the process.
    p = await sb.start_process("setsid sleep 300 & echo escapee=$!; wait")
    hit = await p.wait_for_log(re.compile(r"escapee=(\d+)"), timeout=30)
    escapee = int(hit.match[1])
    # The escapee exists (tag and all) before its setsid() call: wait for the call, or
    # the kill below would reach it through the group and prove nothing. Its environ
    # reads empty for a moment while it execs sleep, so that is waited for too.
    def escaped() -> bool:
        tagged = b"PROCWRIGHT_TAG=" in open(f"/proc/{escapee}/environ", "rb").read()
        return tagged and os.getpgid(escapee) != p.pid

    for _ in range(3000):
        if escaped():
            break
        await asyncio.sleep(0.01)
    assert escaped(), "the escapee never left the group with its tag"
    await p.kill()
    for _ in range(300):
        if not os.path.exists(f"/proc/{escapee}") or open(f"/proc/{escapee}/stat").read().split()[2] == "Z":
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the escapee outlived the kill")


async def test_a_kill_signals_the_process_once(sb, tmp_path):
    # A shell runs its trap once per SIGTERM received; the trap does not exit, so the
    # kill ends it with SIGKILL after the timeout.
    out = tmp_path / "traps"
    p = await sb.start_process(f"trap 'echo term >> {out}' TERM; echo ready; while :; do sleep 0.05; done")
    await p.wait_for_log("ready", 30)
    await p.kill(timeout=1)
    assert out.read_text() == "term\n"

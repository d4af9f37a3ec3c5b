"""Everything started is killed: leaving `async with`, destroy(), dropping every handle
(sandbox, sessions, processes), interpreter exit, and any other end of the interpreter
(the watchdog)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import procwright
from conftest import gone, group_members, pid_alive


async def wait_gone(pid: int, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pid_alive(pid):
        assert loop.time() < deadline, f"pid {pid} is still alive"
        await asyncio.sleep(0.02)


async def test_async_with_kills_everything():
    async with procwright.Sandbox() as sb:
        assert isinstance(sb, procwright.Sandbox)
        p = await sb.start_process("sleep 30")
        q = await sb.start_process("trap '' TERM; sleep 30")
        pid = p.pid
    assert p.status == "killed"
    assert q.status == "killed"
    assert not pid_alive(pid)
    assert await sb.list_processes() == []


async def test_async_with_kills_on_exception():
    with pytest.raises(RuntimeError):
        async with procwright.Sandbox() as sb:
            p = await sb.start_process("sleep 30")
            raise RuntimeError("user code failed")
    assert p.status == "killed"


async def test_dropping_every_handle_kills_its_processes():
    sb = procwright.Sandbox()
    p = await sb.start_process("sleep 30")
    tree = await sb.start_process("sleep 30 & wait")
    pids = [p.pid, tree.pid]
    # A process handle keeps its sandbox alive: the server runs on.
    del sb
    gc.collect()
    await asyncio.sleep(0.2)
    assert pid_alive(p.pid)
    assert p.status == "running"
    del p, tree
    gc.collect()
    for pid in pids:
        await wait_gone(pid)
        assert not group_members(pid)


async def test_collecting_a_sandbox_does_not_block_the_caller():
    sb = procwright.Sandbox()
    p = await sb.start_process("trap '' TERM; echo trapped; sleep 30")
    await p.wait_for_log("trapped", timeout=30)
    pid = p.pid
    del sb, p
    gc.collect()
    # SIGTERM is ignored, so only SIGKILL after the grace period ends it: had the
    # collection waited for that, the process would be gone by now.
    assert pid_alive(pid)
    await wait_gone(pid)


async def test_session_keeps_sandbox_alive():
    sb = procwright.Sandbox()
    session = await sb.create_session(id="keep")
    p = await session.start_process("sleep 30")
    pid = p.pid
    del sb, p
    gc.collect()
    await asyncio.sleep(0.1)
    assert pid_alive(pid)
    del session
    gc.collect()
    await wait_gone(pid)


def test_get_sandbox_is_shared():
    a = procwright.get_sandbox()
    assert a is procwright.get_sandbox()
    assert a is procwright.get_sandbox(None)
    b = procwright.get_sandbox("other")
    assert b is procwright.get_sandbox("other")
    assert a is not b


async def test_get_sandbox_processes_are_visible_to_every_caller():
    a = procwright.get_sandbox("shared-test")
    p = await a.start_process("sleep 30", process_id="shared-1")
    try:
        got = await procwright.get_sandbox("shared-test").get_process("shared-1")
        assert got == p
    finally:
        await a.destroy()


CHILD = """
import asyncio, re, sys
import procwright

keep = []

async def main():
    sandbox = procwright.{factory}
    p = await sandbox.start_process(["sleep", "300"])
    g = await sandbox.start_process("sleep 300 & echo $!; wait")
    keep.append(sandbox)
    hit = await g.wait_for_log(re.compile(r"^(\\d+)$"), 30)
    print(p.pid, g.pid, hit.match[1], flush=True)
    {tail}

asyncio.run(main())
# exits here without any cleanup
"""


@pytest.mark.parametrize(
    "factory,tail",
    [
        ("Sandbox()", ""),  # kept alive by a global until interpreter exit (atexit hook)
        ("get_sandbox('child')", ""),  # a shared, named sandbox
        ("Sandbox()", "keep.clear()"),  # dropped when asyncio.run returns
        ("Sandbox()", "sys.exit(3)"),  # SystemExit out of the coroutine
    ],
)
async def test_interpreter_exit_kills_children(factory, tail):
    code = textwrap.dedent(CHILD.format(factory=factory, tail=tail))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode in (0, 3), err.decode()
    pids = [int(x) for x in out.decode().split()]
    assert len(pids) == 3, out
    for pid in pids:
        await wait_gone(pid)


async def test_shutdown_all_kills_every_sandbox():
    a, b = procwright.Sandbox(), procwright.Sandbox()
    p = await a.start_process("sleep 30")
    q = await b.start_process("sleep 30")
    procwright.shutdown_all(1.0)
    await wait_gone(p.pid)
    await wait_gone(q.pid)
    await p.wait_for_exit(30)
    assert p.status == "killed"


FORK_CHILD = """
import asyncio, os, sys
import procwright

sb = procwright.Sandbox()
p = asyncio.run(sb.start_process(["sleep", "300"]))

# Fork with no loop running (forking inside a running asyncio loop breaks the parent's
# loop whatever the library does).
child = os.fork()
if child == 0:
    # The child has copies of the records but not the runtime: calls fail fast, and
    # leaving (collecting its copy of the sandbox, atexit) touches nothing.
    try:
        asyncio.run(sb.kill_all_processes())
    except RuntimeError as e:
        print("child:", "forked" in str(e), flush=True)
    del sb
    sys.exit(0)

_, status = os.waitpid(child, 0)
print("parent:", os.WEXITSTATUS(status), p.status, os.path.exists(f"/proc/{p.pid}"), flush=True)
asyncio.run(sb.destroy())
print("after destroy:", p.status, flush=True)
"""


async def test_forked_child_neither_hangs_nor_kills_the_parents_processes():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FORK_CHILD, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert "child: True" in lines
    assert "parent: 0 running True" in lines
    assert "after destroy: killed" in lines


async def test_blocking_shutdown_releases_the_gil():
    import threading
    import time

    s = procwright.Sandbox()
    p = await s.start_process("trap '' TERM; echo trapped; sleep 30")
    await p.wait_for_log("trapped", timeout=30)
    seen: list = []
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            seen.append(time.monotonic())
            time.sleep(0.001)

    t = threading.Thread(target=beat)
    t.start()
    try:
        start = time.monotonic()
        # Waits the whole grace period (SIGTERM is ignored) before SIGKILL.
        procwright.shutdown_all(0.5)
        end = time.monotonic()
    finally:
        stop.set()
        t.join()
    # Had the GIL been held, the other thread could not have run in the middle.
    middle = [x for x in seen if start + 0.1 < x < end - 0.1]
    assert middle, "another Python thread could not run while shutdown_all waited"
    await wait_gone(p.pid)


RACE_TRIALS = 200
RACE_STARTS = 20


def live_with_env(key: str, value: str) -> list[int]:
    """Pids of live processes whose environment has key=value."""
    wanted = f"{key}={value}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if wanted in env and pid_alive(int(name)):
            found.append(int(name))
    return found


async def test_destroy_racing_starts_leaves_no_survivors():
    sb = procwright.Sandbox()
    mark = f"race-{os.getpid()}"
    outcomes = {"started": 0, "refused": 0}
    for trial in range(RACE_TRIALS):
        tasks = [
            asyncio.create_task(sb.start_process(["sleep", "30"], env={"PW_RACE": mark}))
            for _ in range(RACE_STARTS)
        ]
        # The user's case: the starts are under way when destroy is called. Every other
        # trial they have not even begun running, which must end the same way.
        if trial % 2 == 0:
            await asyncio.sleep(0)
        await asyncio.wait_for(sb.destroy(), 30)
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        for r in results:
            if isinstance(r, procwright.Process):
                outcomes["started"] += 1
                assert r.status == "killed", (trial, r)
                assert gone(r.pid), (trial, r)
            else:
                outcomes["refused"] += 1
                assert isinstance(r, procwright.ProcessError), (trial, r)
                assert r.code == "PROCESS_ERROR" and "destroyed" in r.message, r
        assert live_with_env("PW_RACE", mark) == [], trial
        assert await sb.list_processes() == []
    assert outcomes["refused"] > 0, outcomes
    # A start called after destroy returned works as in a fresh sandbox.
    p = await sb.start_process("exit 0")
    assert (await p.wait_for_exit(30)).status == "completed"
    await sb.destroy()


HOST = """
import asyncio, os, sys
import procwright

async def main():
    sb = procwright.Sandbox()
    plain = await sb.start_process(["sleep", "300"])
    tree = await sb.start_process(["sh", "-c", "sleep 300 & sleep 300"])
    stubborn = await sb.start_process("trap '' TERM; echo armed; sleep 300")
    await stubborn.wait_for_log("armed", timeout=30)
    print(plain.pid, tree.pid, stubborn.pid, flush=True)
    # The test says when, once it has seen every process.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if sys.argv[1] == "os._exit":
        os._exit(0)
    await asyncio.sleep(300)

asyncio.run(main())
"""


def sleeps_in(pgid: int) -> int:
    count = 0
    for pid in group_members(pgid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                count += f.read() == "sleep\n"
        except OSError:
            pass
    return count


def running(pid: int) -> bool:
    """Alive as kill(pid, 0) sees it, and not a zombie (one left to PID 1 can do nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return pid_alive(pid)


@pytest.mark.parametrize(
    "how,returncode",
    [
        # Python's own behaviour is unchanged: SIGTERM still ends it with SIGTERM.
        ("SIGTERM", -signal.SIGTERM),
        ("SIGKILL", -signal.SIGKILL),
        ("os._exit", 0),
    ],
)
async def test_everything_started_is_gone_however_the_host_ends(how, returncode):
    # None of these runs atexit hooks or finalizers: only the watchdog can clean up.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOST,
        how,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    groups: list[int] = []
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        groups = [int(x) for x in line.split()]
        assert len(groups) == 3, line
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while sleeps_in(groups[1]) < 2:  # both sleeps of the tree have started
            assert loop.time() < deadline, group_members(groups[1])
            await asyncio.sleep(0.02)
        pids = [pid for g in groups for pid in group_members(g)]
        assert len(pids) >= 4, pids
        if how == "os._exit":
            proc.stdin.write(b"now\n")
        else:
            proc.send_signal(getattr(signal, how))
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == returncode, err.decode()
        # Generous: the watchdog needs about half a second.
        deadline = loop.time() + 5
        while any(running(pid) for pid in pids) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        left = [pid for pid in pids if running(pid)]
        assert not left, f"still running 5 s after the host ended: {left}"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for g in groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except ProcessLookupError:
                pass

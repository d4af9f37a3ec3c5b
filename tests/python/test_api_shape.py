"""The shape users and type checkers see: the stubs match the module, properties are
live, datetimes are aware, reprs are readable, every async method is a coroutine."""

from __future__ import annotations

import ast
import asyncio
import datetime
import inspect
import re
from pathlib import Path

import pytest

import procwright

STUB = Path(procwright.__file__).with_name("__init__.pyi")


def stub_classes() -> dict[str, dict[str, ast.AST]]:
    tree = ast.parse(STUB.read_text())
    out: dict[str, dict[str, ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = {
                n.name: n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
    return out


def test_package_ships_types():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_stubs_match_the_module():
    classes = stub_classes()
    for name in ["Sandbox", "Session", "ProcessScope", "Process", "Logs", "LogMatch", "ExitResult", "ExecResult", "LogEvent", "LogStream"]:
        assert name in classes, name
        runtime = getattr(procwright, name)
        public = {m for m in dir(runtime) if not m.startswith("_")}
        declared = {m for m in classes[name] if not m.startswith("_")}
        assert declared <= public, (name, declared - public)
        own_public = {m for m in public if not hasattr(object, m)}
        assert own_public <= declared | inherited(classes, name), (name, own_public - declared)


def inherited(classes, name):
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            out = set()
            for base in node.bases:
                if isinstance(base, ast.Name) and base.id in classes:
                    out |= set(classes[base.id])
            return out
    return set()


async def test_async_methods_are_coroutines(sb):
    p = await sb.start_process("sleep 30")
    coros = [
        sb.list_processes(),
        sb.get_process(p.id),
        sb.kill_all_processes(),
        p.get_status(),
        p.get_logs(),
        p.wait_for_exit(0.01),
    ]
    for c in coros:
        assert inspect.iscoroutine(c)
    # A coroutine that is closed without being awaited does nothing.
    coros.pop(2).close()
    results = await asyncio.gather(*coros, return_exceptions=True)
    assert isinstance(results[-1], procwright.ProcessReadyTimeoutError)
    assert p.status == "running"
    # asyncio.create_task accepts them.
    task = asyncio.create_task(p.wait_for_exit())
    await p.kill()
    assert (await task).status == "killed"


async def test_properties_are_live(sb):
    p = await sb.start_process("sleep 0.2; exit 3")
    assert p.status == "running"
    assert p.end_time is None and p.exit_code is None
    await p.wait_for_exit()
    assert p.status == "failed"  # the same object, read again
    assert p.exit_code == 3
    assert isinstance(p.end_time, datetime.datetime)


async def test_times_are_aware_utc(sb):
    before = datetime.datetime.now(datetime.timezone.utc)
    p = await sb.start_process("true")
    await p.wait_for_exit()
    after = datetime.datetime.now(datetime.timezone.utc)
    for t in (p.start_time, p.end_time):
        assert t.tzinfo is not None
        assert t.utcoffset() == datetime.timedelta(0)
        assert before - datetime.timedelta(seconds=1) <= t <= after + datetime.timedelta(seconds=1)
    assert p.start_time <= p.end_time


async def test_reprs(sb):
    assert re.fullmatch(r"<Sandbox processes=0 running=0 shell='.+'>", repr(sb))
    p = await sb.start_process("echo 'it''s'; exit 2", process_id="r1")
    assert repr(p).startswith("<Process id='r1' status=")
    await p.wait_for_exit()
    assert repr(p) == f"<Process id='r1' status='failed' pid={p.pid} exit_code=2 command=\"echo 'it''s'; exit 2\">"
    logs = await p.get_logs()
    assert repr(logs) == "<Logs stdout='its\\n' stderr='' cursor=4>"
    assert repr(await p.wait_for_exit()) == "<ExitResult status='failed' exit_code=2 signal=None>"
    stream = p.stream_logs()
    assert repr(stream) == "<LogStream process_id='r1'>"
    events = [e async for e in stream]
    assert repr(events[-1]) == "<LogEvent type='exit' process_id='r1' exit_code=2>"
    assert repr(events[0]) == "<LogEvent type='stdout' process_id='r1' data='its\\n'>"
    r = await sb.exec("echo hi")
    assert repr(r).startswith("<ExecResult command='echo hi' exit_code=0 success=True duration=")
    session = await sb.create_session(id="s")
    assert repr(session) == "<Session id='s' processes=0 exists=True>"
    q = await sb.start_process("echo Port: 1; sleep 30")
    m = await q.wait_for_log(re.compile(r"Port: (\d)"), timeout=30)
    assert repr(m) == "<LogMatch stream='stdout' line='Port: 1' match=['Port: 1', '1']>"


async def test_process_equality_and_hash(sb):
    p = await sb.start_process("sleep 30", process_id="eq")
    again = await sb.get_process("eq")
    assert again == p and hash(again) == hash(p)
    assert len({p, again}) == 1
    other = await sb.start_process("sleep 30")
    assert other != p
    assert p != "eq"


async def test_log_limit_and_dropped_counts(tmp_path):
    s = procwright.Sandbox(log_limit=1024, log_dir=str(tmp_path))
    try:
        p = await s.start_process("head -c 100000 /dev/zero | tr '\\0' x; echo")
        await p.wait_for_exit()
        logs = await p.get_logs()
        assert len(logs.stdout) <= 1024
        assert logs.stdout_dropped > 0
        # log_dir keeps one merged file per process.
        assert (tmp_path / f"proc-{p.id}.log").stat().st_size == 100001
    finally:
        await s.destroy()


def test_sandbox_accepts_pathlike_and_positional(tmp_path):
    s = procwright.Sandbox(tmp_path, {"A": "1"}, None, 4096, None)
    assert s.shell


async def test_stream_process_logs_is_awaitable_and_iterable(sb):
    p = await sb.start_process("echo a")
    stream = sb.stream_process_logs(p.id)
    assert (await stream) is stream
    assert stream.process_id == p.id
    types = [e.type async for e in stream]
    assert types[-1] == "exit"
    # Exhausted: stays exhausted.
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


def test_calls_outside_a_loop_fail_cleanly():
    s = procwright.Sandbox()
    coro = s.kill_all_processes()
    with pytest.raises(RuntimeError):
        coro.send(None)
    coro.close()
    assert asyncio.run(s.kill_all_processes()) == 0
    # What the handle already knows needs no loop: the coroutine just returns it.
    coro = s.list_processes()
    with pytest.raises(StopIteration) as stop:
        coro.send(None)
    assert stop.value.value == []


def test_mypy_strict_accepts_the_package_and_typical_use():
    mypy = pytest.importorskip("mypy.api")
    package = Path(procwright.__file__).parent
    usage = Path(__file__).with_name("typecheck") / "usage.py"
    out, err, status = mypy.run(["--strict", "--no-incremental", str(package), str(usage)])
    assert status == 0, out + err


def test_bad_arguments_raise_when_called_as_the_stubs_say():
    # Native methods convert their arguments when called (the stubs declare them
    # `def ... -> Coroutine`, not `async def`), so no coroutine is left unawaited.
    s = procwright.Sandbox()
    with pytest.raises(procwright.InvalidArgumentTypeError, match="timeout"):
        s.exec("true", timeout="soon")
    with pytest.raises(procwright.InvalidArgumentError, match="timeout"):
        s.kill_process("x", timeout=-1)
    with pytest.raises(procwright.InvalidArgumentError, match="max_buffer must be at least 1 byte"):
        s.exec("true", max_buffer=0)


async def test_kill_process_takes_a_timeout():
    async with procwright.Sandbox() as sb:
        p = await sb.start_process("trap '' TERM; echo armed; sleep 30", process_id="stubborn")
        await p.wait_for_log("armed", timeout=30)
        await sb.kill_process("stubborn", timeout=0.2)
        assert p.signal == "SIGKILL"

"""Callbacks run on the event loop that started the process, never on a Rust thread;
coroutine functions are scheduled as tasks; exceptions are reported, never fatal."""

from __future__ import annotations

import asyncio
import threading

import pytest

import procwright


async def wait_until(cond, timeout=30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_callbacks_run_on_the_loop_thread(sb):
    loop_thread = threading.get_ident()
    loop = asyncio.get_running_loop()
    seen = []

    def record(name):
        def cb(*args):
            seen.append((name, threading.get_ident(), asyncio.get_running_loop(), args))

        return cb

    p = await sb.start_process(
        "echo out; echo err >&2",
        on_start=record("start"),
        on_output=record("output"),
        on_exit=record("exit"),
    )
    await p.wait_for_exit()
    await wait_until(lambda: any(n == "exit" for n, *_ in seen))
    assert all(t == loop_thread for _, t, _, _ in seen)
    assert all(l is loop for _, _, l, _ in seen)
    names = [n for n, *_ in seen]
    assert names[0] == "start"
    assert names[-1] == "exit"
    start_args = seen[0][3]
    assert isinstance(start_args[0], procwright.Process)
    assert start_args[0].id == p.id
    assert seen[-1][3] == (0,)
    outputs = [a for n, _, _, a in seen if n == "output"]
    assert sorted(outputs) == [("stderr", "err\n"), ("stdout", "out\n")]


async def test_coroutine_callbacks_are_scheduled_as_tasks(sb):
    got = []
    done = asyncio.Event()

    async def on_output(stream, data):
        await asyncio.sleep(0)
        got.append(data)

    async def on_exit(code):
        await asyncio.sleep(0)
        got.append(("exit", code))
        done.set()

    p = await sb.start_process("echo hello", on_output=on_output, on_exit=on_exit)
    await p.wait_for_exit()
    await asyncio.wait_for(done.wait(), 30)
    assert "hello\n" in got
    assert got[-1] == ("exit", 0)


async def test_callback_exceptions_are_reported_not_fatal(sb):
    loop = asyncio.get_running_loop()
    reported = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:

        def bad(stream, data):
            raise RuntimeError("boom in callback")

        async def bad_async(code):
            raise ValueError("boom in coroutine")

        p = await sb.start_process("echo 1; sleep 0.1; echo 2", on_output=bad, on_exit=bad_async)
        await p.wait_for_log("2")
        result = await p.wait_for_exit()
        assert result.status == "completed"
        await wait_until(lambda: any(isinstance(c.get("exception"), ValueError) for c in reported))
        excs = [c["exception"] for c in reported]
        assert any(isinstance(e, RuntimeError) and "boom in callback" in str(e) for e in excs)
        assert all("procwright" in c["message"] for c in reported)
        assert (await p.get_logs()).stdout == "1\n2\n"
    finally:
        loop.set_exception_handler(None)


async def test_on_error_for_a_process_that_cannot_start(sb, tmp_path):
    errors = []
    exits = []
    with pytest.raises(procwright.ProcessError):
        await sb.start_process(
            "true",
            cwd=str(tmp_path / "nowhere"),
            on_error=errors.append,
            on_exit=exits.append,
        )
    await wait_until(lambda: errors)
    assert isinstance(errors[0], procwright.ProcessError)
    assert errors[0].code == "PROCESS_ERROR"
    records = await sb.list_processes()
    assert records[0].status == "error"


async def test_exec_on_output_on_loop(sb):
    loop_thread = threading.get_ident()
    threads = set()
    chunks = []

    def on_output(stream, data):
        threads.add(threading.get_ident())
        chunks.append(data)

    result = await sb.exec("echo a; echo b", on_output=on_output)
    await wait_until(lambda: "".join(chunks) == result.stdout)
    assert threads == {loop_thread}


async def test_callbacks_must_be_callable(sb):
    with pytest.raises(procwright.InvalidArgumentError) as info:
        await sb.start_process("true", on_output="not callable")
    assert isinstance(info.value, TypeError)
    assert await sb.list_processes() == []


async def test_callbacks_after_the_loop_closed_are_dropped(tmp_path):
    # A process started on a loop that has finished must not crash anything when it
    # later prints or exits.
    sandbox = procwright.Sandbox()

    async def start():
        return await sandbox.start_process("sleep 0.2; echo late", on_output=lambda s, d: None, on_exit=lambda c: None)

    p = await asyncio.to_thread(asyncio.run, start())
    result = await p.wait_for_exit(30)
    assert result.exit_code == 0
    await sandbox.destroy()


async def test_callbacks_run_before_the_results_they_precede(sb):
    # The callback is queued on the loop before the wait's result, so a plain function
    # has run by the time the await returns: no polling needed.
    for i in range(20):
        events = []
        p = await sb.start_process(
            f"echo line{i}; exit 3",
            on_output=lambda s, d: events.append(("output", d)),
            on_exit=lambda c: events.append(("exit", c)),
        )
        await p.wait_for_log(f"line{i}", timeout=30)
        assert ("output", f"line{i}\n") in events
        await p.wait_for_exit(30)
        assert events[-1] == ("exit", 3)
    q = await sb.start_process("sleep 30", on_exit=lambda c: events.append(("killed", c)))
    await q.kill()
    assert events[-1] == ("killed", 143)


def test_coroutine_made_outside_a_loop_binds_callbacks_to_the_loop_that_awaits_it():
    sandbox = procwright.Sandbox()
    seen = []
    coro = sandbox.start_process("echo hi", on_output=lambda s, d: seen.append((threading.get_ident(), d)))

    async def run():
        p = await coro
        await p.wait_for_exit(30)
        return threading.get_ident()

    loop_thread = asyncio.run(run())
    assert seen == [(loop_thread, "hi\n")]
    asyncio.run(sandbox.destroy())

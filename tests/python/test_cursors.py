"""Log cursors: get_logs(since, tail, stream, max_bytes), stream_logs(since, replay,
follow, stream), truncated events, and wait_for_log(times, stream, since)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

import procwright


async def ended(sb, command):
    p = await sb.start_process(command)
    await p.wait_for_exit(30)
    return p


async def collect(stream):
    return [e async for e in stream]


async def test_get_logs_since_returns_only_newer_output(sb, tmp_path):
    go = tmp_path / "go"
    p = await sb.start_process(
        f"echo first; while [ ! -e {go} ]; do sleep 0.02; done; echo second; sleep 300"
    )
    await p.wait_for_log("first", 30)
    logs = await p.get_logs()
    assert (logs.stdout, logs.cursor, logs.truncated) == ("first\n", 6, False)
    go.write_text("")
    await p.wait_for_log("second", 30, since=logs.cursor)
    newer = await p.get_logs(since=logs.cursor)
    assert newer.stdout == "second\n"
    assert newer.cursor == 13
    assert (await sb.get_process_logs(p.id, since=newer.cursor)).stdout == ""
    await p.kill()


async def test_tail_stream_and_max_bytes(sb):
    p = await ended(sb, "seq 1 100; echo warn >&2")
    assert (await p.get_logs(tail=2, stream="stdout")).stdout == "99\n100\n"
    only_err = await p.get_logs(stream="stderr")
    assert (only_err.stdout, only_err.stderr) == ("", "warn\n")
    assert (await p.get_logs(max_bytes=4, stream="stdout")).stdout == "100\n"
    assert (await p.get_logs(tail=0)).stdout == ""


async def test_bad_selections_are_typed_errors(sb):
    p = await ended(sb, "echo hi")
    with pytest.raises(procwright.InvalidArgumentError, match="past the end"):
        await p.get_logs(since=4)
    with pytest.raises(procwright.InvalidArgumentError, match="since"):
        await p.get_logs(since=-1)
    with pytest.raises(procwright.InvalidArgumentTypeError):
        await p.get_logs(since=1.5)
    with pytest.raises(procwright.InvalidArgumentTypeError):
        await p.get_logs(since="3")
    with pytest.raises(procwright.InvalidArgumentError, match="stream"):
        await p.get_logs(stream="stdin")
    with pytest.raises(procwright.InvalidArgumentError, match="tail"):
        await p.get_logs(tail=-1)
    with pytest.raises(procwright.InvalidArgumentError, match="max_bytes"):
        await p.get_logs(max_bytes=0)
    with pytest.raises(procwright.InvalidArgumentError, match="times"):
        await p.wait_for_log("hi", 5, times=0)
    with pytest.raises(procwright.InvalidArgumentError, match="'now'"):
        await p.wait_for_log("hi", 5, since="later")
    with pytest.raises(procwright.InvalidArgumentError, match="past the end"):
        await p.wait_for_log("hi", 5, since=99)
    with pytest.raises(procwright.InvalidArgumentError, match="past the end"):
        p.stream_logs(since=99)
    with pytest.raises(procwright.InvalidArgumentTypeError):
        p.stream_logs(replay=1)


async def test_events_carry_cursors_and_resume_exactly(sb):
    p = await ended(sb, "printf 'a\\n'; printf 'bc\\n'; printf 'd'")
    events = await collect(p.stream_logs())
    assert events[-1].type == "exit"
    assert events[-1].cursor == 6
    for i, e in enumerate(events):
        rest = await collect(p.stream_logs(since=e.cursor))
        assert "".join(x.data for x in rest) == "".join(x.data for x in events[i + 1 :])
        assert rest[-1].type == "exit"
    frame = events[0].to_sse()
    assert frame.startswith(f"id: {events[0].cursor}\ndata: ")
    assert json.loads(events[0].to_json())["cursor"] == events[0].cursor


async def test_a_stream_from_before_the_oldest_byte_starts_with_truncated():
    async with procwright.Sandbox(log_limit=4096) as sb:
        p = await ended(sb, "seq 1 20000")
        logs = await p.get_logs()
        assert logs.truncated
        events = await collect(sb.stream_process_logs(p.id))
        assert events[0].type == "truncated"
        assert events[0].dropped == logs.stdout_dropped
        assert events[0].cursor == logs.stdout_dropped
        assert "".join(e.data for e in events[1:]) == logs.stdout
        recent = await p.get_logs(since=logs.cursor - 6)
        assert (recent.stdout, recent.truncated) == ("20000\n", False)


async def test_replay_false_and_follow_false(sb, tmp_path):
    p = await sb.start_process("echo old; sleep 300")
    await p.wait_for_log("old", 30)
    kept = await asyncio.wait_for(collect(p.stream_logs(follow=False)), 30)
    assert [(e.type, e.data) for e in kept] == [("stdout", "old\n")]
    await p.kill()

    go = tmp_path / "go"
    q = await sb.start_process(f"echo old; while [ ! -e {go} ]; do sleep 0.02; done; echo new")
    await q.wait_for_log("old", 30)
    live = q.stream_logs(replay=False)
    go.write_text("")
    events = await asyncio.wait_for(collect(live), 30)
    assert [(e.type, e.data) for e in events] == [("stdout", "new\n"), ("exit", "")]


async def test_wait_for_log_times_stream_and_since(sb, tmp_path):
    p = await sb.start_process(
        "echo 'ready 1'; echo 'ready 2'; echo 'ready err' >&2; echo 'ready 3'; sleep 300"
    )
    third = await p.wait_for_log("ready", 30, times=3, stream="stdout")
    assert third.line == "ready 3"
    err = await p.wait_for_log("ready", 30, stream="stderr")
    assert (err.line, err.stream) == ("ready err", "stderr")
    first = await p.wait_for_log("ready", 30, stream="stdout")
    second = await p.wait_for_log("ready", 30, stream="stdout", since=first.cursor)
    assert second.line == "ready 2"
    # stderr is read apart from stdout: "ready err\n" may fall between the two lines.
    assert second.cursor - first.cursor in (len("ready 2\n"), len("ready 2\nready err\n"))
    await p.kill()

    go = tmp_path / "go"
    q = await sb.start_process(
        f"echo ready; while [ ! -e {go} ]; do sleep 0.02; done; echo 'ready again'; sleep 300"
    )
    await q.wait_for_log("ready", 30)
    waiting = asyncio.ensure_future(q.wait_for_log("ready", 30, since="now"))
    await asyncio.sleep(0.3)
    assert not waiting.done(), "the kept line must not satisfy since='now'"
    go.write_text("")
    assert (await waiting).line == "ready again"
    await q.kill()


async def test_a_line_counts_once(sb):
    p = await ended(sb, "printf '10%%\\r50%%\\r100%%\\n'; echo '100% again'")
    m = await p.wait_for_log("%", 30, times=2)
    assert m.line == "100% again"
    with pytest.raises(procwright.ProcessExitedBeforeReadyError):
        await p.wait_for_log("%", 30, times=3)

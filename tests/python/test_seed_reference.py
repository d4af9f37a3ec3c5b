"""The examples of the API reference (seed 004): exec, background processes, sessions,
lifecycle and error handling, ported to Python."""

from __future__ import annotations

import asyncio
import re

import pytest

import procwright


async def test_exec_basic(sb):
    result = await sb.exec("python3 -c 'print(6 * 7)'")
    assert result.stdout == "42\n"
    assert result.stderr == ""
    assert result.exit_code == 0
    assert result.success is True
    assert result.duration >= 0.0
    assert result.command == "python3 -c 'print(6 * 7)'"


async def test_exec_with_options(sb, tmp_path):
    chunks = []
    result = await sb.exec(
        "pwd; echo $API_KEY; echo oops >&2",
        cwd=str(tmp_path),
        env={"API_KEY": "secret"},
        on_output=lambda stream, data: chunks.append((stream, data)),
    )
    assert result.stdout == f"{tmp_path}\nsecret\n"
    assert result.stderr == "oops\n"
    # Callbacks are handed to the loop; let it run them.
    for _ in range(100):
        if sum(len(d) for _, d in chunks) == len(result.stdout) + len(result.stderr):
            break
        await asyncio.sleep(0.01)
    assert "".join(d for s, d in chunks if s == "stdout") == result.stdout
    assert "".join(d for s, d in chunks if s == "stderr") == result.stderr


async def test_exec_argv_and_timeout(sb):
    result = await sb.exec(["printf", "%s-%s", "a", "b"])
    assert result.stdout == "a-b"
    with pytest.raises(procwright.CommandTimeoutError) as info:
        await sb.exec("sleep 30", timeout=0.2)
    assert info.value.code == "COMMAND_TIMEOUT" and isinstance(info.value, TimeoutError)
    # The timed-out command was killed and, being auto-cleaned, left no record.
    for _ in range(200):
        if not await sb.list_processes():
            break
        await asyncio.sleep(0.01)
    assert await sb.list_processes() == []


async def test_exec_error_handling(sb):
    result = await sb.exec("python3 invalid.py")
    assert not result.success
    assert result.exit_code != 0
    assert "invalid.py" in result.stderr


async def test_background_process_management(sb, free_port, http_server, tmp_path):
    port = free_port()
    process = await sb.start_process(http_server(port, str(tmp_path)), process_id="web-server", cwd=str(tmp_path), env={"PORT": str(port)})
    assert process.id == "web-server" and process.pid and process.command
    await process.wait_for_port(port, timeout=30)
    await process.wait_for_log(re.compile(r"Serving HTTP"), timeout=30)
    processes = await sb.list_processes()
    assert [p.id for p in processes] == ["web-server"]
    info = await sb.get_process("web-server")
    assert info.status == "running"
    await sb.stop_process("web-server")
    logs = await sb.get_process_logs("web-server")
    assert "Serving HTTP" in logs.stdout
    assert (await process.wait_for_exit()).status == "killed"


async def test_sessions(sb, tmp_path):
    user_dir = tmp_path / "user123"
    user_dir.mkdir()
    session = await sb.create_session(id="user-123", cwd=str(user_dir), env={"USER_ID": "123"})
    assert session.id == "user-123"
    assert session.exists
    # Use (full sandbox API)
    result = await session.exec("echo $USER_ID; pwd")
    assert result.stdout == f"123\n{user_dir}\n"
    proc = await session.start_process("sleep 30")
    assert proc.session_id == "user-123"
    other = await sb.start_process("sleep 30")
    assert other.session_id is None
    # A session sees only its own processes.
    assert [p.id for p in await session.list_processes()] == [proc.id]
    assert await session.get_process(other.id) is None
    with pytest.raises(procwright.ProcessNotFoundError):
        await session.kill_process(other.id)
    # Manage
    same = await sb.get_session("user-123")
    assert same.id == "user-123"
    assert [p.id for p in await same.list_processes()] == [proc.id]
    await sb.delete_session("user-123")
    assert proc.status == "killed"
    assert other.status == "running"
    assert not session.exists
    with pytest.raises(procwright.SessionError) as info:
        await sb.get_session("user-123")
    assert info.value.code == "SESSION_NOT_FOUND"


async def test_session_methods_mirror_sandbox(sb):
    session = await sb.create_session()
    assert session.id
    p = await session.start_process("echo in-session; sleep 30", process_id="s1")
    await p.wait_for_log("in-session")
    assert (await session.get_process_logs("s1")).stdout == "in-session\n"
    events = session.stream_process_logs("s1")
    first = await events.__anext__()
    assert first.data == "in-session\n"
    assert await session.kill_all_processes() == 1
    p2 = await session.start_process("sleep 30", process_id="s2", session_id=session.id)
    await session.stop_process("s2")
    assert p2.status == "killed"
    with pytest.raises(procwright.InvalidArgumentError):
        await session.start_process("sleep 1", session_id="another")
    with pytest.raises(procwright.SessionError) as info:
        await sb.create_session(id=session.id)
    assert info.value.code == "SESSION_ALREADY_EXISTS"
    # start_process(session_id=...) on the sandbox is the same as on the session.
    p3 = await sb.start_process("sleep 30", session_id=session.id)
    assert [p.id for p in await session.list_processes()][-1] == p3.id


async def test_destroy_kills_and_forgets(sb):
    procs = [await sb.start_process("sleep 30") for _ in range(2)]
    await sb.create_session(id="s")
    await sb.destroy()
    assert all(p.status == "killed" for p in procs)
    assert await sb.list_processes() == []
    with pytest.raises(procwright.SessionError):
        await sb.get_session("s")


async def test_error_codes_like_sdk_errors(sb):
    try:
        await sb.get_process_logs("/nonexistent")
    except procwright.SandboxError as error:
        assert error.code == "PROCESS_NOT_FOUND"
    else:
        pytest.fail("expected an error")


"""Bad input of every kind gets a SandboxError subclass with a message that says what was
wrong; it never crashes, never hangs, and never corrupts another process's record."""

from __future__ import annotations

import math
import re

import pytest

import procwright
from procwright import InvalidArgumentError, ProcessError, SandboxError


@pytest.fixture
async def bystander(sb):
    """A running process whose record must come through every bad call untouched."""
    p = await sb.start_process("echo bystander; sleep 60", process_id="bystander")
    await p.wait_for_log("bystander", timeout=30)
    yield p
    assert p.status == "running"
    assert (await sb.get_process("bystander")) == p
    assert (await p.get_logs()).stdout == "bystander\n"
    ids = [q.id for q in await sb.list_processes()]
    assert ids.count("bystander") == 1


def expect(exc_type=InvalidArgumentError, code="INVALID_ARGUMENT", match=None):
    return pytest.raises(exc_type, match=match), code


async def check(coro_factory, code="INVALID_ARGUMENT", cls=InvalidArgumentError, match=None):
    with pytest.raises(cls, match=match) as info:
        await coro_factory()
    assert isinstance(info.value, SandboxError)
    assert info.value.code == code, info.value
    assert info.value.message
    return info.value


BAD_COMMANDS = [
    ("", "INVALID_COMMAND"),
    ("   \t\n", "INVALID_COMMAND"),
    ("echo \0", "INVALID_COMMAND"),
    ([], "INVALID_COMMAND"),
    ([""], "INVALID_COMMAND"),
    (["echo", "a\0b"], "INVALID_COMMAND"),
]


@pytest.mark.parametrize("command,code", BAD_COMMANDS)
async def test_bad_commands(sb, bystander, command, code):
    await check(lambda: sb.start_process(command), code)
    await check(lambda: sb.exec(command), code)


@pytest.mark.parametrize("command", [None, 42, b"echo", {"cmd": "x"}, ["echo", 1], ["echo", None]])
async def test_wrong_command_types(sb, bystander, command):
    # A malformed command is INVALID_COMMAND in both bindings, whatever is wrong.
    err = await check(lambda: sb.start_process(command), "INVALID_COMMAND", match="command|argv")
    assert isinstance(err, TypeError)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"process_id": ""}, "process id"),
        ({"process_id": "a/b"}, "process id"),
        ({"process_id": ".."}, "process id"),
        ({"process_id": "a\0b"}, "NUL"),
        ({"process_id": 5}, "process_id"),
        ({"cwd": "/tmp\0x"}, "NUL"),
        ({"cwd": 5}, "cwd"),
        ({"env": {"A=B": "1"}}, "'='"),
        ({"env": {"": "1"}}, "empty"),
        ({"env": {"A\0": "1"}}, "NUL"),
        ({"env": {"A": "1\0"}}, "NUL"),
        ({"env": {"A": 1}}, "env variable A"),
        ({"env": {1: "a"}}, "env variable name"),
        ({"env": ["A=1"]}, "mapping"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": 1e300}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"kill_timeout": -1}, "kill_timeout"),
        ({"kill_timeout": "5"}, "kill_timeout"),
        ({"auto_cleanup": "yes"}, "auto_cleanup"),
        ({"on_start": 3}, "on_start"),
        ({"on_exit": "x"}, "on_exit"),
        ({"on_error": object()}, "on_error"),
        ({"session_id": 3}, "session_id"),
    ],
)
async def test_bad_start_options(sb, bystander, kwargs, match):
    await check(lambda: sb.start_process("sleep 1", **kwargs), match=match)
    assert [p.id for p in await sb.list_processes()] == ["bystander"]


async def test_missing_cwd_and_program_are_process_errors(sb, bystander, tmp_path):
    err = await check(lambda: sb.start_process("true", cwd=str(tmp_path / "nope")), "PROCESS_ERROR", ProcessError)
    assert "nope" in err.message
    await check(lambda: sb.start_process(["no-such-program-xyz"]), "PROCESS_ERROR", ProcessError)
    statuses = {p.id: p.status for p in await sb.list_processes()}
    assert sorted(statuses.values()) == ["error", "error", "running"]


async def test_id_in_use(sb, bystander):
    await check(lambda: sb.start_process("sleep 1", process_id="bystander"), "PROCESS_ID_IN_USE")


@pytest.mark.parametrize("port", [0, -1, 65536, 10**30, -(10**30)])
async def test_ports_out_of_range(sb, bystander, port):
    await check(lambda: bystander.wait_for_port(port), match="port")


@pytest.mark.parametrize("port", ["8080", 80.0, True])
async def test_ports_of_wrong_type(sb, bystander, port):
    err = await check(lambda: bystander.wait_for_port(port), match="port")
    assert isinstance(err, TypeError)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"mode": "udp"}, "mode"),
        ({"mode": 1}, "mode"),
        ({"path": "health"}, "path"),
        ({"path": "/a b"}, "path"),
        ({"path": "/x\r\nHost: evil"}, "path"),
        ({"path": "/\0"}, "NUL"),
        ({"status": 99}, "status"),
        ({"status": 600}, "status"),
        ({"status": (300, 200)}, "status"),
        ({"status": (200,)}, "status"),
        ({"status": "200"}, "status"),
        ({"status": range(200, 300, 2)}, "step"),
        ({"timeout": -0.5}, "timeout"),
        ({"interval": 0}, "interval"),
        ({"interval": -1}, "interval"),
        ({"host": ""}, "host"),
        ({"host": "a\0"}, "NUL"),
        ({"host": 127}, "host"),
    ],
)
async def test_bad_port_options(sb, bystander, kwargs, match):
    await check(lambda: bystander.wait_for_port(8080, **kwargs), match=match)


@pytest.mark.parametrize("signal", ["SIGNOPE", "", "0", 0, 65, -9, "SIG"])
async def test_unknown_signals(sb, bystander, signal):
    await check(lambda: bystander.kill(signal), match="signal")
    await check(lambda: sb.kill_process("bystander", signal), match="signal")


@pytest.mark.parametrize("signal", [9.0, b"SIGKILL", ["SIGKILL"]])
async def test_signals_of_wrong_type(sb, bystander, signal):
    err = await check(lambda: bystander.kill(signal), match="signal")
    assert isinstance(err, TypeError)


async def test_signal_forms_that_work(sb):
    import signal as sig

    for form in ["SIGTERM", "term", "TERM", "15", 15, sig.SIGTERM]:
        p = await sb.start_process("sleep 30")
        await p.kill(form)
        assert p.signal == "SIGTERM", form
    p = await sb.start_process("sleep 30")
    await p.kill("SIGUSR1")  # not terminating: returns at once
    result = await p.wait_for_exit(30)
    assert result.signal == "SIGUSR1"


async def test_bad_kill_timeout(sb, bystander):
    await check(lambda: bystander.kill(timeout=-1), match="timeout")
    await check(lambda: bystander.kill(timeout="1"), match="timeout")


@pytest.mark.parametrize("timeout", [-1, math.nan, math.inf, "1", [1]])
async def test_bad_wait_timeouts(sb, bystander, timeout):
    await check(lambda: bystander.wait_for_log("x", timeout), match="timeout")
    await check(lambda: bystander.wait_for_exit(timeout), match="timeout")


@pytest.mark.parametrize(
    "pattern,code",
    [
        ("", "INVALID_PATTERN"),
        (re.compile(rb"bytes"), "INVALID_PATTERN"),
        (re.compile("(?x:a)"), "INVALID_PATTERN"),
        (5, "INVALID_ARGUMENT"),
        (None, "INVALID_ARGUMENT"),
        (b"bytes", "INVALID_ARGUMENT"),
    ],
)
async def test_bad_patterns(sb, bystander, pattern, code):
    await check(lambda: bystander.wait_for_log(pattern), code)


@pytest.mark.parametrize("bad_id", [None, 5, b"bystander"])
async def test_bad_ids(sb, bystander, bad_id):
    for call in (sb.get_process, sb.kill_process, sb.stop_process, sb.get_process_logs, sb.get_session, sb.delete_session):
        err = await check(lambda: call(bad_id), match="id")
        assert isinstance(err, TypeError)
    with pytest.raises(InvalidArgumentError):
        sb.stream_process_logs(bad_id)


async def test_nul_in_lookups_is_just_not_found(sb, bystander):
    assert await sb.get_process("by\0stander") is None
    await check(lambda: sb.kill_process("by\0stander"), "PROCESS_NOT_FOUND", procwright.ProcessNotFoundError)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"log_limit": 0}, "log_limit"),
        ({"log_limit": -5}, "log_limit"),
        ({"log_limit": 10**40}, "log_limit"),
        ({"log_limit": "1k"}, "log_limit"),
        ({"shell": "no-such-shell-xyz"}, "shell"),
        ({"shell": ""}, "shell"),
        ({"cwd": "/tmp\0"}, "NUL"),
        ({"log_dir": "/tmp\0"}, "NUL"),
        ({"env": {"A=B": "x"}}, "'='"),
        ({"env": 3}, "mapping"),
    ],
)
def test_bad_sandbox_options(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match) as info:
        procwright.Sandbox(**kwargs)
    assert info.value.code == "INVALID_ARGUMENT"


async def test_bad_session_options(sb, bystander):
    await check(lambda: sb.create_session(id=""), match="session id")
    await check(lambda: sb.create_session(id="a\0"), match="NUL")
    await check(lambda: sb.create_session(env={"A=B": "1"}), match="'='")
    await check(lambda: sb.create_session(cwd=3), match="cwd")


def test_bad_get_sandbox_names():
    with pytest.raises(InvalidArgumentError, match="NUL"):
        procwright.get_sandbox("a\0")
    with pytest.raises(InvalidArgumentError):
        procwright.get_sandbox(3)


async def test_bad_exec_options(sb, bystander):
    await check(lambda: sb.exec("true", timeout=-1), match="timeout")
    await check(lambda: sb.exec("true", kill_timeout=math.nan), match="kill_timeout")
    await check(lambda: sb.exec("true", env={"A": 3}), match="env")
    await check(lambda: sb.exec("true", on_output=1), match="on_output")
    await check(lambda: sb.exec("true", cwd="/nonexistent-dir-xyz"), "PROCESS_ERROR", ProcessError)


def test_shutdown_all_rejects_bad_grace():
    with pytest.raises(InvalidArgumentError):
        procwright.shutdown_all(-1)


async def test_kill_timeout_errors_name_the_parameter_given(sb, bystander):
    p = await sb.start_process("sleep 60")
    with pytest.raises(InvalidArgumentError) as info:
        await p.kill(timeout=-1)
    assert "timeout" in info.value.message and "kill_timeout" not in info.value.message
    with pytest.raises(InvalidArgumentError) as info:
        await sb.kill_process(p.id, timeout=-1)
    assert "kill_timeout" not in info.value.message
    await p.kill()


async def test_pty_refuses_unknown_keys(sb, bystander):
    with pytest.raises(InvalidArgumentError, match="pty takes 'cols' and 'rows', not \"x\""):
        await sb.start_process("true", pty={"x": 1})
    with pytest.raises(InvalidArgumentError):
        await sb.start_process("true", pty={"cols": 80, "col": 10})

"""Each exception class: its code, its builtin base, its context attributes."""

from __future__ import annotations

import pickle

import pytest

import procwright
from procwright import (
    InvalidArgumentError,
    InvalidArgumentTypeError,
    ProcessError,
    ProcessExitedBeforeReadyError,
    ProcessNotFoundError,
    ProcessReadyTimeoutError,
    CommandTimeoutError,
    SandboxError,
    SessionError,
)

TABLE = [
    (ProcessNotFoundError, "PROCESS_NOT_FOUND", LookupError),
    (ProcessReadyTimeoutError, "PROCESS_READY_TIMEOUT", TimeoutError),
    (CommandTimeoutError, "COMMAND_TIMEOUT", TimeoutError),
    (ProcessExitedBeforeReadyError, "PROCESS_EXITED_BEFORE_READY", None),
    (ProcessError, "PROCESS_ERROR", OSError),
    (InvalidArgumentError, "INVALID_ARGUMENT", ValueError),
    (InvalidArgumentTypeError, "INVALID_ARGUMENT", TypeError),
    (SessionError, "SESSION_NOT_FOUND", None),
]


@pytest.mark.parametrize("cls,code,builtin", TABLE)
def test_hierarchy(cls, code, builtin):
    assert issubclass(cls, SandboxError)
    assert issubclass(cls, Exception)
    if builtin is not None:
        assert issubclass(cls, builtin)
    err = cls("what went wrong", process_id="p1", exit_code=3, condition="c", last_lines=["a"])
    assert err.code == code
    assert err.message == "what went wrong"
    assert str(err) == f"{code}: what went wrong"
    assert (err.process_id, err.exit_code, err.condition, err.last_lines) == ("p1", 3, "c", ["a"])
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls and back.code == code and back.process_id == "p1"
    assert cls.__module__ == "procwright"
    assert repr(err).startswith(f"{cls.__name__}(code={code!r}")


def test_invalid_argument_type_error_is_both():
    assert issubclass(InvalidArgumentTypeError, InvalidArgumentError)
    assert issubclass(InvalidArgumentTypeError, ValueError)
    assert issubclass(InvalidArgumentTypeError, TypeError)


async def test_process_not_found_is_lookup_error(sb):
    with pytest.raises(LookupError) as info:
        await sb.kill_process("nope")
    assert isinstance(info.value, ProcessNotFoundError)
    assert info.value.code == "PROCESS_NOT_FOUND"
    assert info.value.process_id == "nope"
    with pytest.raises(ProcessNotFoundError):
        await sb.get_process_logs("nope")
    with pytest.raises(ProcessNotFoundError):
        sb.stream_process_logs("nope")
    with pytest.raises(ProcessNotFoundError):
        await sb.stop_process("nope")


async def test_ready_timeout_is_timeout_error(sb):
    p = await sb.start_process("echo starting; sleep 30")
    with pytest.raises(TimeoutError) as info:
        await p.wait_for_log("Server ready", timeout=0.2)
    err = info.value
    assert isinstance(err, ProcessReadyTimeoutError)
    assert err.code == "PROCESS_READY_TIMEOUT"
    assert err.condition == "Server ready"
    assert err.process_id == p.id
    assert err.last_lines == ["starting"]
    assert p.status == "running"


async def test_exited_before_ready_carries_exit_code_and_lines(sb):
    p = await sb.start_process("echo one; echo two >&2; exit 5")
    with pytest.raises(ProcessExitedBeforeReadyError) as info:
        await p.wait_for_log("never", timeout=30)
    err = info.value
    assert err.code == "PROCESS_EXITED_BEFORE_READY"
    assert err.exit_code == 5
    # Lines of the two streams are merged in the order they were read.
    assert sorted(err.last_lines) == ["one", "two"]
    assert err.condition == "never"
    assert not isinstance(err, TimeoutError)


async def test_process_error_is_os_error(sb, tmp_path):
    with pytest.raises(OSError) as info:
        await sb.start_process("true", cwd=str(tmp_path / "missing"))
    assert isinstance(info.value, ProcessError)
    assert info.value.code == "PROCESS_ERROR"
    with pytest.raises(ProcessError):
        await sb.start_process(["/definitely/not/a/program"])
    statuses = [p.status for p in await sb.list_processes()]
    assert statuses == ["error", "error"]


async def test_invalid_argument_codes(sb):
    with pytest.raises(ValueError) as info:
        await sb.start_process("   ")
    assert info.value.code == "INVALID_COMMAND"
    p = await sb.start_process("sleep 30", process_id="x")
    with pytest.raises(InvalidArgumentError) as info:
        await sb.start_process("sleep 30", process_id="x")
    assert info.value.code == "PROCESS_ID_IN_USE"
    with pytest.raises(InvalidArgumentError) as info:
        await p.wait_for_log("")
    assert info.value.code == "INVALID_PATTERN"
    with pytest.raises(InvalidArgumentError) as info:
        await p.wait_for_port(0)
    assert info.value.code == "INVALID_ARGUMENT"


async def test_session_errors(sb):
    with pytest.raises(SessionError) as info:
        await sb.get_session("nope")
    assert info.value.code == "SESSION_NOT_FOUND"
    with pytest.raises(SessionError) as info:
        await sb.delete_session("nope")
    assert info.value.code == "SESSION_NOT_FOUND"
    with pytest.raises(SessionError) as info:
        await sb.start_process("true", session_id="nope")
    assert info.value.code == "SESSION_NOT_FOUND"
    await sb.create_session(id="a")
    with pytest.raises(SessionError) as info:
        await sb.create_session(id="a")
    assert info.value.code == "SESSION_ALREADY_EXISTS"


def test_everything_is_exported():
    for name in procwright.__all__:
        assert hasattr(procwright, name), name

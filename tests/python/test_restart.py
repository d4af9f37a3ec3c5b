"""Restart supervision from Python: the policy option, `restarts`, `restarting`, the
`restart` event, and kill ending it."""

from __future__ import annotations

import asyncio

import pytest

import procwright


async def test_on_failure_restarts_with_backoff_and_keeps_one_log(sb):
    p = await sb.start_process(
        "echo run; exit 3",
        restart={"policy": "on-failure", "max_restarts": 2, "backoff": {"initial": 0.05, "factor": 2}},
    )
    exit = await p.wait_for_exit(30)
    assert (exit.exit_code, exit.status, p.restarts) == (3, "failed", 2)
    assert (await p.get_logs()).stdout == "run\n" * 3
    events = [e async for e in p.stream_logs()]
    assert [e.type for e in events] == ["stdout", "restart", "stdout", "restart", "stdout", "exit"]
    restarts = [e for e in events if e.type == "restart"]
    assert all(e.exit_code == 3 for e in restarts)
    # Each gap is at least its backoff: 50 ms, then 100 ms.
    gaps = [
        (events[i + 1].timestamp - e.timestamp).total_seconds()
        for i, e in enumerate(events)
        if e.type == "restart"
    ]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1, gaps


async def test_a_policy_name_and_kill_during_the_backoff(sb):
    p = await sb.start_process("exit 1", restart="always")
    for _ in range(600):
        if p.status == "restarting" or p.restarts >= 1:
            break
        await asyncio.sleep(0.01)
    assert p.restarts >= 1
    await p.kill()
    exit = await p.wait_for_exit(30)
    assert exit.status == "killed"
    n = p.restarts
    await asyncio.sleep(0.3)
    assert p.restarts == n


@pytest.mark.parametrize(
    "restart,error",
    [
        ("sometimes", procwright.InvalidArgumentError),
        ({"policy": "always", "max_restarts": -1}, procwright.InvalidArgumentError),
        ({"policy": "always", "backoff": {"factor": 0.5}}, procwright.InvalidArgumentError),
        ({"policy": "always", "backoff": {"initial": 5, "max": 1}}, procwright.InvalidArgumentError),
        ({"policy": "always", "every": 1}, procwright.InvalidArgumentError),
        ({"policy": "always", "reset_after": "10"}, procwright.InvalidArgumentTypeError),
        (42, procwright.InvalidArgumentTypeError),
    ],
)
async def test_bad_restart_options_are_typed_errors(sb, restart, error):
    with pytest.raises(error):
        await sb.start_process("true", restart=restart)
    with pytest.raises(procwright.InvalidArgumentError, match="pty"):
        await sb.start_process("true", restart="always", pty=True)

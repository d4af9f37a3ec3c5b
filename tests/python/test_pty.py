"""Terminals: pty=..., output as stdout, write as the keyboard, resize, bad sizes."""

from __future__ import annotations

import pytest

import procwright


async def test_a_pty_process_sees_a_terminal_and_ctrl_c_and_resize_reach_it(sb):
    p = await sb.start_process("test -t 0 && test -t 1 && echo on-a-tty; stty size", pty={"cols": 100, "rows": 30})
    await p.wait_for_exit(30)
    out = (await p.get_logs()).stdout
    assert "on-a-tty" in out and "30 100" in out
    q = await sb.start_process(
        "trap 'stty size' WINCH; trap 'echo got-int; exit 7' INT; echo ready; while :; do sleep 0.05; done",
        pty=True,
    )
    await q.wait_for_log("ready", timeout=30)
    q.resize(132, 50)
    await q.wait_for_log("50 132", timeout=30)
    await q.write("\x03")
    await q.wait_for_log("got-int", timeout=30)
    assert (await q.wait_for_exit(30)).exit_code == 7


async def test_cat_on_a_terminal_echoes_and_ctrl_d_ends_it(sb):
    p = await sb.start_process("cat", pty={"cols": 80, "rows": 24})
    await p.write(b"hello\n")
    await p.wait_for_log("hello", timeout=30)
    await p.close_stdin()
    assert (await p.wait_for_exit(30)).exit_code == 0
    assert (await p.get_logs()).stdout.count("hello") == 2


@pytest.mark.parametrize("pty", [{"cols": 0}, {"rows": -1}, {"cols": 65536}, {"cols": 1.5}, False])
async def test_bad_terminal_sizes_are_invalid_arguments(sb, pty):
    with pytest.raises(procwright.InvalidArgumentError, match="pty"):
        sb.start_process("true", pty=pty)


async def test_pty_with_stdin_ignore_and_resize_without_a_terminal(sb):
    with pytest.raises(procwright.InvalidArgumentError, match="terminal"):
        await sb.start_process("true", pty=True, stdin="ignore")
    plain = await sb.start_process("sleep 300")
    with pytest.raises(procwright.ProcessError, match="no terminal"):
        plain.resize(80, 24)
    t = await sb.start_process("sleep 300", pty=True)
    with pytest.raises(procwright.InvalidArgumentError):
        t.resize(0, 24)

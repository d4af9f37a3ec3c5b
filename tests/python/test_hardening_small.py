"""Small hostile-input fixes: a half-open status range, `\\N{NAME}` in patterns, and
coroutines that return nothing return None."""

from __future__ import annotations

import re

import pytest

import procwright


async def test_status_dict_may_leave_one_end_open(sb, free_port, http_server):
    port = free_port()
    p = await sb.start_process(http_server(port))
    await p.wait_for_port(port, status={"min": 200}, timeout=30)
    await p.wait_for_port(port, status={"max": 299}, timeout=30)
    for bad in ({}, {"low": 200}, {"min": 200, "maximum": 300}):
        with pytest.raises(procwright.InvalidArgumentError):
            await p.wait_for_port(port, status=bad, timeout=5)


async def test_named_characters_match_as_python_reads_them(sb):
    p = await sb.start_process("printf 'say hello\\n'; sleep 30")
    m = await p.wait_for_log(re.compile(r"\N{LATIN SMALL LETTER H}ello"), timeout=10)
    assert m.match == ["hello"]
    # An escaped backslash before N is not a name.
    q = await sb.start_process(r"printf 'a\\N{x}\n'; sleep 30")
    m = await q.wait_for_log(re.compile(r"a\\N\{x\}"), timeout=10)
    assert m.line == "a\\N{x}"


async def test_coroutines_that_return_nothing_return_none(sb, free_port, http_server):
    port = free_port()
    p = await sb.start_process(http_server(port))
    assert await p.wait_for_port(port, timeout=30) is None
    assert await p.kill() is None
    q = await sb.start_process("sleep 30")
    assert await sb.kill_process(q.id) is None
    s = await sb.create_session()
    assert await sb.delete_session(s.id) is None
    assert await sb.destroy() is None

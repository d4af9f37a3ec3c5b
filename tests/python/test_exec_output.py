"""exec returns the whole output up to max_buffer, and says when it cut: never silently."""

from __future__ import annotations

import pytest

import procwright


async def test_more_than_the_log_limit_comes_back_whole(sb):
    r = await sb.exec("head -c 20000000 /dev/zero")
    assert len(r.stdout) == 20_000_000
    assert r.truncated is False
    assert (r.stdout_dropped, r.stderr_dropped) == (0, 0)


async def test_max_buffer_cuts_and_says_so(sb):
    r = await sb.exec("head -c 5000 /dev/zero | tr '\\0' x", max_buffer=1000)
    assert r.success
    assert r.truncated is True
    assert 0 < len(r.stdout) <= 1000
    assert len(r.stdout) + r.stdout_dropped == 5000
    assert r.stderr_dropped == 0


@pytest.mark.parametrize("bad", [0, -1])
async def test_max_buffer_must_be_positive(sb, bad):
    with pytest.raises(procwright.InvalidArgumentError) as info:
        await sb.exec("true", max_buffer=bad)
    assert "max_buffer" in str(info.value)

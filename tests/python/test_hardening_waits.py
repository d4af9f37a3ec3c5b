"""Waits under hostile output: a pathological regex stalls nobody, progress bars drawn
with bare carriage returns match as a terminal shows them, and a line too long for a
backtracking pattern is skipped with a reason instead of a misleading error."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

import procwright

LONG = "python3 -c \"import sys; sys.stdout.write('a'*{n} + '\\n'); sys.stdout.flush()\"; sleep 30"
BAR = r"printf 'progress 0%%\rprogress 10%%\rprogress 100%%\rDone\r'"


async def test_a_slow_regex_times_out_on_time_and_an_unrelated_exec_settles(sb):
    p = await sb.start_process(LONG.format(n=100_000))
    await p.wait_for_log("aaaa", timeout=30)
    began = time.monotonic()
    slow = asyncio.create_task(p.wait_for_log(re.compile(r"(?!.*error).*ready"), timeout=3))
    await asyncio.sleep(0.1)
    other = await asyncio.wait_for(sb.exec("echo hi"), 10)
    assert other.stdout == "hi\n"
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await asyncio.wait_for(slow, 20)
    # The old code returned after 14.4 s.
    assert time.monotonic() - began < 8


async def test_a_progress_bar_matches_its_last_frame(sb):
    p = await sb.start_process(BAR)
    await p.wait_for_exit(timeout=10)
    done = await p.wait_for_log(re.compile(r"^Done$"), timeout=5)
    assert done.line == "Done"
    pct = await p.wait_for_log(re.compile(r"progress (\d+)%"), timeout=5)
    assert pct.match[1] == "100"


async def test_a_line_too_long_for_a_lookbehind_is_skipped_with_a_reason(sb):
    p = await sb.start_process(LONG.format(n=1_100_000).replace("; sleep 30", "; echo end; sleep 30"))
    await p.wait_for_log("end", timeout=30)  # the whole line is kept
    with pytest.raises(procwright.ProcessReadyTimeoutError) as info:
        await p.wait_for_log(re.compile(r"(?<!z)a*b"), timeout=3)
    assert "too long" in str(info.value)
    assert "1100000 bytes" in str(info.value)

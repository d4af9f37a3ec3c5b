"""stdin: start_process(stdin="pipe"), write, close_stdin, exec's input, and the ways a
write fails or is released."""

from __future__ import annotations

import asyncio

import pytest

import procwright


async def test_written_str_and_bytes_arrive_and_close_ends_the_input(sb):
    p = await sb.start_process("cat", stdin="pipe")
    await p.write("hello ")
    await p.write("wörld\n".encode())
    await p.write(bytearray(b"ab"))
    await p.write(memoryview(b"cd\n"))
    await p.close_stdin()
    await p.close_stdin()  # twice is fine
    assert (await p.wait_for_exit(30)).exit_code == 0
    assert (await p.get_logs()).stdout == "hello wörld\nabcd\n"


async def test_eight_mib_through_wc_arrive_whole(sb):
    p = await sb.start_process("wc -c", stdin="pipe")
    await asyncio.wait_for(p.write(b"x" * (8 << 20)), 60)
    await p.close_stdin()
    await p.wait_for_exit(30)
    assert (await p.get_logs()).stdout.strip() == "8388608"


async def test_each_failed_write_says_why(sb):
    plain = await sb.start_process("sleep 300")
    with pytest.raises(procwright.ProcessError, match="no stdin pipe"):
        await plain.write("x")
    closed = await sb.start_process("sleep 300", stdin="pipe")
    await closed.close_stdin()
    with pytest.raises(procwright.ProcessError, match="is closed"):
        await closed.write("x")
    done = await sb.start_process("true", stdin="pipe")
    await done.wait_for_exit(30)
    with pytest.raises(procwright.ProcessError, match="has ended") as info:
        await done.write("x")
    assert info.value.process_id == done.id
    shut = await sb.start_process("exec 0<&-; echo shut; sleep 300", stdin="pipe")
    await shut.wait_for_log("shut", timeout=30)
    with pytest.raises(procwright.ProcessError, match="EPIPE"):
        await shut.write(b"x" * (4 << 20))
    with pytest.raises(procwright.InvalidArgumentTypeError, match="data"):
        plain.write(42)
    with pytest.raises(procwright.InvalidArgumentError, match="stdin"):
        sb.start_process("true", stdin="tty")


async def test_a_blocked_write_is_released_by_cancel_and_by_kill(sb):
    p = await sb.start_process("sleep 300", stdin="pipe")
    big = b"x" * (64 << 20)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(p.write(big), 0.2)
    assert p.status == "running"
    pending = asyncio.ensure_future(p.write(big))
    await asyncio.sleep(0.1)
    assert not pending.done()
    await p.kill()
    with pytest.raises(procwright.ProcessError) as info:
        await asyncio.wait_for(pending, 30)
    assert "EPIPE" not in info.value.message, info.value.message


async def test_exec_input_is_written_then_closed(sb):
    assert (await sb.exec("wc -c", input="abc")).stdout.strip() == "3"
    assert (await sb.exec("wc -c", input=b"\x00\x01\x02\x03")).stdout.strip() == "4"
    assert (await sb.exec("true", input=b"x" * (4 << 20))).success
    assert (await sb.exec("cat")).stdout == ""


async def test_writes_not_awaited_one_by_one_arrive_in_call_order(sb):
    # 1 000 writes through asyncio.gather, 20 runs: each takes its place at the call.
    for _ in range(20):
        p = await sb.start_process("cat", stdin="pipe")
        await asyncio.gather(*(p.write(f"[{i:03}]") for i in range(1000)))
        await p.close_stdin()
        await p.wait_for_exit(30)
        assert (await p.get_logs()).stdout == "".join(f"[{i:03}]" for i in range(1000))

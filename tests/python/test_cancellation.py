"""Cancelling a pending wait (task cancel, asyncio.wait_for timeout) ends it in the core
too: the process keeps running and nothing keeps probing or holding on."""

from __future__ import annotations

import asyncio
import re

import pytest

import procwright


class CountingServer:
    """A TCP server on 127.0.0.1 that counts connections and closes each at once (so an
    HTTP probe never sees a status and keeps retrying)."""

    async def __aenter__(self):
        self.count = 0

        async def handle(reader, writer):
            self.count += 1
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()


async def assert_probing_stopped(server: CountingServer) -> None:
    # Let in-flight probes land, then the count must stay still.
    await asyncio.sleep(0.3)
    before = server.count
    await asyncio.sleep(0.5)
    assert server.count == before, "the port wait kept probing after it was cancelled"


async def test_task_cancel_of_wait_for_log(sb):
    p = await sb.start_process("sleep 30")
    task = asyncio.create_task(p.wait_for_log("never"))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert p.status == "running"
    # The process and its log are fine: a new wait works.
    q = await sb.start_process("sleep 0.1; echo ready; sleep 30")
    t2 = asyncio.create_task(q.wait_for_log("never"))
    await asyncio.sleep(0.05)
    t2.cancel()
    assert (await q.wait_for_log(re.compile("read(y)"), timeout=30)).match[1] == "y"
    assert q.status == "running"


async def test_wait_for_timeout_of_wait_for_log(sb):
    p = await sb.start_process("sleep 30")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(p.wait_for_log("never"), 0.2)
    assert p.status == "running"
    assert await p.get_status() == "running"


async def test_task_cancel_of_wait_for_port_stops_probing(sb):
    async with CountingServer() as server:
        p = await sb.start_process("sleep 30")
        task = asyncio.create_task(p.wait_for_port(server.port, host="127.0.0.1", interval=0.02))
        for _ in range(500):
            if server.count >= 3:
                break
            await asyncio.sleep(0.01)
        assert server.count >= 3, "the wait never probed"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await assert_probing_stopped(server)
        assert p.status == "running"


async def test_wait_for_timeout_of_wait_for_port_stops_probing(sb):
    async with CountingServer() as server:
        p = await sb.start_process("sleep 30")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                p.wait_for_port(server.port, host="127.0.0.1", interval=0.02), 0.3
            )
        assert server.count >= 1
        await assert_probing_stopped(server)
        assert p.status == "running"


async def test_cancel_wait_for_exit_and_stream(sb):
    p = await sb.start_process("sleep 30")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(p.wait_for_exit(), 0.2)
    stream = p.stream_logs()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(stream.__anext__(), 0.2)
    assert p.status == "running"
    # The same stream still works after a cancelled step: it ends with exit.
    await p.kill()
    events = [e async for e in stream]
    assert events[-1].type == "exit"


async def test_many_cancelled_waits_leave_process_usable(sb):
    p = await sb.start_process("sleep 0.5; echo finally; sleep 30")
    tasks = [asyncio.create_task(p.wait_for_log(f"nothing {i}")) for i in range(50)]
    await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert (await p.wait_for_log("finally", timeout=30)).line == "finally"


async def test_start_process_does_not_block_the_loop(sb):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    t = asyncio.create_task(ticker())
    p = await sb.start_process("sleep 0.3; echo done")
    await p.wait_for_log("done", timeout=30)
    t.cancel()
    assert ticks >= 5  # the loop ran while Rust waited

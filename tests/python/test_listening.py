"""get_ports, list_ports and wait_for_port() without a port: the listening sockets of a
process tree, IPv4, IPv6 and dual-stack, held by the leader, a child or an escapee."""

from __future__ import annotations

import asyncio
import socket

import pytest

import procwright


def listener(host: str) -> str:
    code = (
        "import socket,time\n"
        f"h={host!r}\n"
        "s=socket.socket(socket.AF_INET6 if ':' in h else socket.AF_INET)\n"
        "if h == '::': s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
        "s.bind((h, 0)); s.listen()\n"
        "print('port', s.getsockname()[1], flush=True)\n"
        "time.sleep(300)\n"
    )
    return f"python3 -c \"{code}\""


async def port_of(p: procwright.Process) -> int:
    m = await p.wait_for_log(__import__("re").compile(r"^port (\d+)$"), 30)
    assert m.match is not None
    return int(m.match[1])


@pytest.mark.parametrize(
    "host,family",
    [("0.0.0.0", "ipv4"), ("127.0.0.1", "ipv4"), ("::1", "ipv6"), ("::", "ipv6")],
)
async def test_get_ports_reports_each_family(sb, host, family):
    p = await sb.start_process(listener(host))
    port = await port_of(p)
    ports = await p.get_ports()
    assert [(x.port, x.host, x.family, x.process_id) for x in ports] == [(port, host, family, p.id)]
    assert isinstance(ports[0].pid, int)
    assert repr(ports[0]).startswith(f"<ListeningPort port={port} ")
    await p.kill()
    assert await p.get_ports() == []


async def test_children_and_escapees_count_and_strangers_do_not(sb):
    stranger = socket.socket()
    stranger.bind(("127.0.0.1", 0))
    stranger.listen()
    try:
        child = await sb.start_process(f"{listener('127.0.0.1')} & wait")
        inner = listener("::1").replace("'", "'\\''")
        escapee = await sb.start_process(f"setsid sh -c '{inner}' & sleep 300")
        cport, eport = await port_of(child), await port_of(escapee)
        c = await child.get_ports()
        assert [x.port for x in c] == [cport]
        assert c[0].pid != child.pid
        e = await escapee.get_ports()
        assert [(x.port, x.family) for x in e] == [(eport, "ipv6")]
        listed = sorted((x.process_id, x.port) for x in await sb.list_ports())
        assert listed == sorted([(child.id, cport), (escapee.id, eport)])
        assert stranger.getsockname()[1] not in [x.port for x in await sb.list_ports()]
        await sb.kill_all_processes()
        assert await sb.list_ports() == []
    finally:
        stranger.close()


async def test_wait_for_port_without_a_port_returns_the_port(sb):
    p = await sb.start_process(f"sleep 0.3; {listener('::')}")
    ready = await p.wait_for_port(timeout=30)
    assert isinstance(ready, procwright.PortReady)
    assert ready.port == await port_of(p)
    assert repr(ready) == f"<PortReady port={ready.port}>"
    # The port form still resolves None.
    assert await p.wait_for_port(ready.port, mode="tcp", timeout=30) is None
    await p.kill()


async def test_wait_for_port_without_a_port_fails_on_exit_and_timeout(sb):
    p = await sb.start_process("sleep 0.2; exit 3")
    with pytest.raises(procwright.ProcessExitedBeforeReadyError) as e:
        await p.wait_for_port(timeout=30)
    assert e.value.exit_code == 3
    q = await sb.start_process("sleep 300")
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await q.wait_for_port(timeout=0.2)
    # Cancelling the task ends the wait; the process runs on.
    task = asyncio.ensure_future(q.wait_for_port())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert q.status == "running"
    await q.kill()

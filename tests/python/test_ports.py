"""wait_for_port and listeners that are not the process's own (issue 8): a server left
over from an earlier run does not make a new one ready; ``owned`` picks the rule."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Callable, Iterator

import pytest

import procwright


@pytest.fixture
def stale_server() -> Iterator[Callable[[int], subprocess.Popen[bytes]]]:
    """Starts ``python -m http.server`` outside any sandbox, as a server from an earlier
    run would be, and returns once it accepts connections."""
    started: list[subprocess.Popen[bytes]] = []

    def start(port: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc
            except OSError:
                assert proc.poll() is None, "the stale server did not start"
                assert time.monotonic() < deadline, "the stale server did not listen"
                time.sleep(0.02)

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


async def test_a_stale_server_does_not_make_a_server_dying_of_eaddrinuse_ready(
    sb, free_port, http_server, stale_server
):
    port = free_port()
    stale_server(port)
    server = await sb.start_process(http_server(port))
    with pytest.raises(procwright.ProcessExitedBeforeReadyError) as info:
        await server.wait_for_port(port, timeout=30)
    assert info.value.condition == f"port {port} (HTTP /)"
    assert "Address already in use" in (await server.get_logs()).stderr


async def test_a_process_that_never_listens_is_not_ready_on_a_stale_port(
    sb, free_port, stale_server
):
    port = free_port()
    stale_server(port)
    sleeper = await sb.start_process("sleep 30")
    for owned in (None, "auto", True):
        with pytest.raises(procwright.ProcessReadyTimeoutError):
            await sleeper.wait_for_port(port, timeout=0.5, owned=owned)
    # owned=False: any listener counts, as in 0.1.
    await sleeper.wait_for_port(port, timeout=30, owned=False)
    assert sleeper.status == "running"


async def test_the_processs_own_server_is_ready_under_every_rule(sb, free_port, http_server):
    port = free_port()
    server = await sb.start_process(http_server(port))
    for owned in (True, None, "auto", False):
        await server.wait_for_port(port, timeout=30, owned=owned)


async def test_a_listener_started_after_the_process_counts_unless_owned(
    sb, free_port, stale_server
):
    # Like docker-proxy, which `docker run -p` starts after the awaited process.
    sleeper = await sb.start_process("sleep 30")
    port = free_port()
    stale_server(port)
    await sleeper.wait_for_port(port, timeout=30)
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await sleeper.wait_for_port(port, timeout=0.5, owned=True)


@pytest.mark.parametrize(
    "owned,error",
    [("mine", ValueError), ("true", ValueError), (1, TypeError), ([True], TypeError)],
)
async def test_bad_owned_values(sb, owned, error):
    sleeper = await sb.start_process("sleep 30")
    with pytest.raises(procwright.InvalidArgumentError, match="owned") as info:
        await sleeper.wait_for_port(8080, owned=owned)
    assert isinstance(info.value, error)
    assert info.value.code == "INVALID_ARGUMENT"

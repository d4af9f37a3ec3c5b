"""Smoke test of an installed procwright wheel (run by scripts/smoke.sh from a temp dir,
in a virtualenv that has only the wheel): a real server started, its port discovered,
fetched, its logs read, stopped, and checked gone."""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request

import procwright


async def main() -> None:
    assert "site-packages" in procwright.__file__, f"procwright came from {procwright.__file__}"
    expected = sys.argv[1] if len(sys.argv) > 1 else None
    if expected is not None:
        assert procwright.__version__ == expected, (procwright.__version__, expected)

    sandbox = procwright.get_sandbox("smoke")
    server = await sandbox.start_process(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
    )
    ready = await server.wait_for_port(timeout=30)
    port = ready.port
    assert port > 0, port
    await server.wait_for_log(f"port {port}", timeout=10)

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert response.status == 200, response.status
    await server.wait_for_log('"GET / HTTP/1.1" 200', timeout=10)
    logs = await server.get_logs()
    assert f"port {port}" in logs.stdout, logs.stdout
    assert "GET / HTTP/1.1" in logs.stderr, logs.stderr

    pid = server.pid
    assert pid is not None
    await server.kill()
    result = await server.wait_for_exit(timeout=10)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"server pid {pid} is still there after kill")
    await sandbox.destroy()
    print(f"python smoke ok: procwright {procwright.__version__}, server on port {port}, "
          f"stopped ({result.status})")


asyncio.run(main())

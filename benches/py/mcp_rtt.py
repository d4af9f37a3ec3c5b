"""MCP `tools/call` round trip through the official Python SDK (`mcp` on PyPI), in its
default mode, against `procwright mcp`: the time from `call_tool` to its result, for a
tool that does little (`list_processes` with three processes), and for `ping` (the
SDK's own floor: a request the server answers without a tool) in the same session.
Prints one JSON object.

    python mcp_rtt.py PROCWRIGHT_BINARY N
"""

import asyncio
import json
import statistics
import sys
import time

from mcp import StdioServerParameters
from mcp.client import Client


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


async def main(binary: str, n: int) -> None:
    async with Client(StdioServerParameters(command=binary, args=["mcp"])) as c:
        for i in range(3):
            await c.call_tool("start_process", {"command": "sleep 300", "process_id": f"s{i}"})
        calls, pings = [], []
        for i in range(n + 50):
            t = time.perf_counter()
            r = await c.call_tool("list_processes", {})
            took = time.perf_counter() - t
            assert not r.is_error
            t2 = time.perf_counter()
            await c.session.send_ping()
            took2 = time.perf_counter() - t2
            if i >= 50:  # warm-up
                calls.append(took * 1e3)
                pings.append(took2 * 1e3)
    print(json.dumps({
        "n": n,
        "p50_ms": statistics.median(calls), "p99_ms": pct(calls, 99),
        "ping_p50_ms": statistics.median(pings), "ping_p99_ms": pct(pings, 99),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))

"""`procwright mcp` driven by the official Python MCP SDK (`mcp` on PyPI), as an agent
framework drives it: the default `Client` (which probes `server/discover` first), and
`ClientSession.initialize()`. The SDK validates every structured result against the
tool's output schema, so a result that does not fit its schema fails here."""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, List

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client import Client
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

SCRIPT = Path(sys.executable).parent / "procwright"
SERVER = StdioServerParameters(command=str(SCRIPT), args=["mcp"])


@asynccontextmanager
async def client(logs: "List[object] | None" = None) -> AsyncIterator[Client]:
    async def on_log(params: object) -> None:
        if logs is not None:
            logs.append(params)

    # The default mode ("auto"): server/discover first, then initialize.
    async with Client(SERVER, logging_callback=on_log) as c:
        yield c


def text(result) -> str:
    return result.content[0].text


async def test_the_default_client_connects_and_negotiates_an_implemented_version():
    async with client() as c:
        assert c.protocol_version in ("2025-11-25", "2025-06-18")
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert set(tools) >= {
            "start_process", "list_processes", "get_process", "read_logs", "wait_for_log",
            "wait_for_port", "wait_for_exit", "wait_for", "write_stdin", "close_stdin",
            "send_input", "kill_process", "exec",
        }
        for name, tool in tools.items():
            a = tool.annotations
            assert a is not None and a.open_world_hint is False, name
            schemas = json.dumps([tool.input_schema, tool.output_schema])
            assert '"format": "uint' not in schemas and '"format": "int' not in schemas, name
        for name in ("list_processes", "get_process", "read_logs", "wait_for_log", "wait_for_port",
                     "wait_for_exit", "wait_for"):
            assert tools[name].annotations.read_only_hint is True, name
        assert tools["kill_process"].annotations.destructive_hint is True
        for name in ("list_processes", "get_process", "exec", "wait_for_log", "wait_for_port",
                     "wait_for_exit", "wait_for", "read_logs"):
            assert tools[name].output_schema is not None, name


async def test_client_session_initialize_works_too():
    async with stdio_client(SERVER) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name == "procwright"
            r = await session.call_tool("exec", {"command": ["echo", "hi"]})
            assert r.structured_content["stdout"] == "hi\n"


async def test_an_agent_flow_with_structured_results(free_port):
    port = free_port()
    logs: List[object] = []
    async with client(logs) as c:
        r = await c.call_tool("start_process", {
            "command": f"echo booting; {sys.executable} -u -m http.server {port} --bind 127.0.0.1",
            "process_id": "web",
            "wait_ms": 5000,
        })
        assert not r.is_error, text(r)
        assert r.structured_content["output"].startswith("booting")
        assert r.structured_content["process"]["process_id"] == "web"
        # wait_for: the first of several conditions, and which one it was.
        r = await c.call_tool("wait_for", {"process_id": "web", "port": port, "exit": True, "timeout_ms": 20000})
        assert r.structured_content["fired"] == "port" and r.structured_content["port"] == port
        r = await c.call_tool("wait_for_log", {"process_id": "web", "pattern": "Serving HTTP"})
        assert "Serving HTTP" in r.structured_content["line"]
        # grep: only matching lines, each with its cursor; the cursor in text and data agree.
        r = await c.call_tool("read_logs", {"process_id": "web", "since": 0, "grep": "^Serv"})
        matches = r.structured_content["matches"]
        assert [m["line"][:12] for m in matches] == ["Serving HTTP"]
        assert f"[cursor {r.structured_content['cursor']}]" in text(r)
        # Nothing new: the same notation, the cursor as a number.
        r = await c.call_tool("read_logs", {"process_id": "web"})
        end = r.structured_content["cursor"]
        assert isinstance(end, int) and text(r).endswith(f"[cursor {end}]")
        r = await c.call_tool("list_processes", {})
        assert r.structured_content["processes"][0]["status"] == "running"
        r = await c.call_tool("kill_process", {"process_id": "web"})
        assert r.structured_content["process"]["status"] == "killed"
        # The client hears that the process ended, with its id.
        for _ in range(100):
            if logs:
                break
            await asyncio.sleep(0.05)
        assert any(getattr(m, "data", {}).get("process_id") == "web" for m in logs), logs


async def test_a_repl_turn_is_one_call_and_stdin_closes():
    async with client() as c:
        await c.call_tool("start_process", {
            "command": [sys.executable, "-i", "-q", "-u"], "process_id": "py", "stdin": True,
        })
        r = await c.call_tool("send_input", {"process_id": "py", "data": "x = 6 * 7\n", "until": ">>> "})
        assert r.structured_content["until"] == "pattern"
        r = await c.call_tool("send_input", {"process_id": "py", "data": "print(x)\n", "until": ">>> "})
        assert "42" in r.structured_content["output"], text(r)
        # Without a pattern: the output going quiet ends the turn.
        r = await c.call_tool("send_input", {"process_id": "py", "data": "print('q' * 3)\n", "quiet_ms": 300})
        assert r.structured_content["until"] == "quiet" and "qqq" in r.structured_content["output"]
        # close_stdin: end of file; the REPL exits.
        await c.call_tool("close_stdin", {"process_id": "py"})
        r = await c.call_tool("wait_for_exit", {"process_id": "py", "timeout_ms": 20000})
        assert r.structured_content["process"]["exit_code"] == 0
        # wc -c reads to end of file: without close_stdin it would never end.
        await c.call_tool("start_process", {"command": "wc -c", "process_id": "wc", "stdin": True})
        await c.call_tool("write_stdin", {"process_id": "wc", "data": "hello"})
        await c.call_tool("close_stdin", {"process_id": "wc"})
        r = await c.call_tool("wait_for_exit", {"process_id": "wc", "timeout_ms": 20000})
        assert r.structured_content["output"].strip() == "5"


async def test_exec_takes_env_and_input_and_errors_name_the_tools_own_words():
    async with client() as c:
        r = await c.call_tool("exec", {"command": "cat; echo \"[$PW_FOO]\"", "env": {"PW_FOO": "bar"}, "input": "in\n"})
        assert r.structured_content["stdout"] == "in\n[bar]\n" and r.structured_content["exit_code"] == 0
        r = await c.call_tool("exec", {"command": "sleep 30", "timeout_ms": 200})
        assert r.is_error and text(r).startswith("COMMAND_TIMEOUT:")
        await c.call_tool("start_process", {"command": "sleep 30", "process_id": "deaf"})
        r = await c.call_tool("write_stdin", {"process_id": "deaf", "data": "x"})
        assert r.is_error and "stdin: true" in text(r) and "pipe" not in text(r)
        r = await c.call_tool("close_stdin", {"process_id": "deaf"})
        assert r.is_error and "stdin: true" in text(r)
        # A bad argument is a tool error; an unknown tool is a protocol error (-32602).
        r = await c.call_tool("wait_for", {"process_id": "deaf"})
        assert r.is_error and text(r).startswith("INVALID_ARGUMENT:")
        with pytest.raises(MCPError) as info:
            await c.call_tool("no_such_tool", {})
        assert info.value.code == -32602

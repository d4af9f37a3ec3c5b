"""The examples of the background-processes guide (seed 001), ported to Python."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

import procwright
from servers import BUILD, DATABASE, HEALTH_SERVER


async def test_start_simple_http_server(sb, free_port, http_server):
    port = free_port()
    process = await sb.start_process(http_server(port))
    assert process.id.startswith("proc_")
    assert process.status == "running"
    # Wait for port to be ready (HTTP check)
    await process.wait_for_port(port, timeout=30)


async def test_custom_readiness_check(sb, script, free_port):
    port = free_port()
    server = await sb.start_process(script("h.py", HEALTH_SERVER) + f" {port} 0.2")
    await server.wait_for_port(port, mode="http", path="/health", status=200, timeout=30)


async def test_process_lifecycle(sb):
    process = await sb.start_process("sleep 0.1; echo built")
    assert await process.get_status() in ("starting", "running")
    result = await process.wait_for_exit()
    assert result.exit_code == 0
    assert await process.get_status() == "completed"
    failed = await sb.start_process("exit 2")
    assert (await failed.wait_for_exit()).status == "failed"


async def test_streaming_process_logs(sb):
    process = await sb.start_process("echo out1; echo err1 >&2; echo out2; exit 4")
    # Stream logs
    stream = await sb.stream_process_logs(process.id)
    events = [event async for event in stream]
    assert events[-1].type == "exit"
    assert events[-1].exit_code == 4
    out = "".join(e.data for e in events if e.type == "stdout")
    err = "".join(e.data for e in events if e.type == "stderr")
    assert out == "out1\nout2\n"
    assert err == "err1\n"
    assert all(e.process_id == process.id for e in events)
    assert all(e.timestamp.tzinfo is not None for e in events)
    # SSE frames as the HTTP API sends them.
    assert events[-1].to_sse().startswith('id: 15\ndata: {"type":"exit"')
    assert events[-1].to_sse().endswith("\n\n")


async def test_wait_for_server_listening_regex(sb, script, free_port):
    port = free_port()
    server = await sb.start_process(script("h.py", HEALTH_SERVER) + f" {port}")
    result = await server.wait_for_log(re.compile(r"Server listening on port (\d+)"), 30)
    assert result.line == f"Server listening on port {port}"
    assert result.match[1] == str(port)


async def test_pattern_matching(sb):
    process = await sb.start_process(
        "echo 'Database initialized in 42ms'; echo 'Ready to accept connections'; sleep 30"
    )
    # Simple string match
    await process.wait_for_log("Ready to accept connections")
    # Regex with capture groups
    result = await process.wait_for_log(re.compile(r"Database initialized in (\d+)ms"))
    assert result.match[1] == "42"
    # With timeout
    with pytest.raises(procwright.ProcessReadyTimeoutError) as info:
        await process.wait_for_log("Started", 0.3)
    assert info.value.condition == "Started"
    assert process.status == "running"


async def test_stopping_processes(sb):
    a = await sb.start_process("sleep 30")
    await a.kill()  # SIGTERM (graceful shutdown)
    assert a.status == "killed" and a.signal == "SIGTERM"
    b = await sb.start_process("sleep 30")
    await b.kill("SIGKILL")  # SIGKILL (immediate termination)
    assert b.signal == "SIGKILL"
    c = await sb.start_process("sleep 30")
    await sb.kill_process(c.id)  # Or use the sandbox method
    assert c.status == "killed"


async def test_list_get_and_kill_all(sb):
    procs = [await sb.start_process(f"sleep {30 + i}") for i in range(3)]
    done = await sb.start_process("true")
    await done.wait_for_exit()
    listed = await sb.list_processes()
    assert [p.id for p in listed] == [p.id for p in procs] + [done.id]
    lines = [f"{p.id}: {p.command} ({p.status})" for p in listed]
    assert lines[0] == f"{procs[0].id}: sleep 30 (running)"
    assert lines[-1].endswith("(completed)")

    got = await sb.get_process(procs[1].id)
    assert got is not None and got == procs[1]
    assert got.status == "running" and got.exit_code is None
    assert await sb.get_process("process-id") is None

    assert await sb.kill_all_processes() == 3
    assert all(p.status == "killed" for p in procs)
    got = await sb.get_process(procs[1].id)
    assert got.exit_code == 143


async def test_process_options(sb, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    process = await sb.start_process(
        "echo $PORT $NODE_ENV; pwd; sleep 30",
        process_id="web-server",
        cwd=str(app),
        env={"PORT": "8000", "NODE_ENV": "production"},
        timeout=300,
        auto_cleanup=False,
    )
    assert process.id == "web-server"
    await process.wait_for_log(str(app))
    logs = await process.get_logs()
    assert logs.stdout.splitlines() == ["8000 production", str(app)]
    await process.kill()
    # auto_cleanup=False keeps the record after exit.
    assert (await sb.get_process("web-server")) is not None


async def test_timeout_option_kills_runaway(sb):
    process = await sb.start_process("sleep 30", timeout=0.3)
    result = await process.wait_for_exit(30)
    assert result.status == "killed"


async def test_auto_cleanup_forgets_record(sb):
    process = await sb.start_process("echo bye", auto_cleanup=True, process_id="short")
    await process.wait_for_exit()
    for _ in range(200):
        if await sb.get_process("short") is None:
            break
        await asyncio.sleep(0.01)
    assert await sb.get_process("short") is None
    # The handle still reads the final record.
    assert process.status == "completed"


async def test_dev_server_pattern(sb, script, free_port):
    port = free_port()
    server = await sb.start_process(
        f"echo '  Local: http://localhost:{port}/'; exec {sys.executable} -u -m http.server {port} --bind 127.0.0.1",
        process_id="dev-server",
    )
    await server.wait_for_log("Local: http")
    await server.wait_for_port(port, timeout=30)
    assert (await sb.get_process("dev-server")).pid == server.pid


async def test_build_pipeline(sb, script):
    build = await sb.start_process(script("build.py", BUILD))
    steps = []
    async for event in sb.stream_process_logs(build.id):
        if event.type == "stdout" and "\u2713" in event.data:
            steps += [l for l in event.data.splitlines() if "\u2713" in l]
    assert steps == ["\u2713 compile", "\u2713 bundle", "\u2713 minify"]
    result = await build.wait_for_exit()
    assert result.exit_code == 0


async def test_build_pipeline_failure(sb, script):
    build = await sb.start_process(script("build.py", BUILD) + " 1")
    result = await build.wait_for_exit()
    assert result.exit_code == 1
    assert result.status == "failed"
    assert "large bundle" in (await build.get_logs()).stderr


async def test_database_initialization(sb, script, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = await sb.start_process(script("db.py", DATABASE) + f" {data}", process_id="postgres")
    # Wait for ready message (printed on stderr, as postgres does)
    ready = await db.wait_for_log("database system is ready to accept connections", 30)
    assert ready.stream == "stderr"
    # Run migrations
    result = await sb.exec(f"cat {data}/PG_VERSION")
    assert result.success and result.stdout == "16\n"
    assert (await sb.get_process("postgres")).status == "running"


async def test_log_monitoring_tail(sb, tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    tail = await sb.start_process(f"tail -f {log}", process_id="log-monitor")
    alerts = []

    async def write_lines():
        await asyncio.sleep(0.1)
        with log.open("a") as f:
            f.write("INFO started\nERROR disk full\n")

    writer = asyncio.create_task(write_lines())
    async for event in sb.stream_process_logs(tail.id):
        if event.type == "stdout" and "ERROR" in event.data:
            alerts.append(event.data)
            break
    await writer
    assert "ERROR disk full" in alerts[0]
    await tail.kill()


async def test_error_handling_tests_failed(sb):
    process = await sb.start_process("echo '1 failed' >&2; exit 1")
    result = await process.wait_for_exit(60)
    assert result.exit_code != 0
    logs = await process.get_logs()
    assert "1 failed" in logs.stderr


async def test_best_practice_custom_id_and_cleanup(sb, free_port, http_server):
    port = free_port()
    try:
        await sb.start_process(http_server(port), process_id="web-server")
        server = await sb.get_process("web-server")
        assert server is not None
        await server.wait_for_port(port, timeout=30)
    finally:
        killed = await sb.kill_all_processes()
    assert killed == 1


async def test_best_practice_monitor_and_restart(sb):
    server = await sb.start_process("exit 1")
    await server.wait_for_exit()
    restarted = None
    if await server.get_status() != "running":
        restarted = await sb.start_process("sleep 30")
    assert restarted is not None and restarted.status == "running"


async def test_custom_id_reuse_after_exit_and_in_use(sb):
    first = await sb.start_process("sleep 30", process_id="job")
    with pytest.raises(procwright.InvalidArgumentError) as info:
        await sb.start_process("sleep 30", process_id="job")
    assert info.value.code == "PROCESS_ID_IN_USE"
    await first.kill()
    second = await sb.start_process("echo again", process_id="job")
    await second.wait_for_exit()
    assert (await sb.get_process("job")) == second
    assert second != first

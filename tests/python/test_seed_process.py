"""The examples of the Process reference (seed 000), ported to Python."""

from __future__ import annotations

import asyncio
import re
import urllib.request

import pytest

import procwright
from servers import CRASHING_SERVER, HEALTH_SERVER, TCP_SERVER, TRAINING


async def fetch(url: str) -> bytes:
    def get() -> bytes:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read()

    return await asyncio.to_thread(get)


async def test_web_server_wait_for_log_and_port(sb, free_port, http_server, tmp_path):
    (tmp_path / "index.html").write_text("hello from procwright")
    port = free_port()
    process = await sb.start_process(http_server(port, str(tmp_path)))
    assert process.id
    assert isinstance(process.pid, int)
    assert process.status == "running"

    # Wait for server to be ready
    await process.wait_for_log("Serving HTTP", timeout=30)
    await process.wait_for_port(port, timeout=30)
    assert await fetch(f"http://127.0.0.1:{port}/index.html") == b"hello from procwright"

    # Monitor the process
    assert await process.get_status() == "running"
    await process.kill()
    assert process.status == "killed"
    assert process.signal == "SIGTERM"


async def test_wait_for_log_regex_port(sb, script):
    process = await sb.start_process(script("s.py", "print('Port: 4321')\nimport time; time.sleep(30)\n"))
    result = await process.wait_for_log(re.compile(r"Port: (\d+)"), timeout=30)
    assert result.line == "Port: 4321"
    assert result.match == ["Port: 4321", "4321"]
    assert result.match[1] == "4321"
    assert result.stream == "stdout"


async def test_wait_for_log_substring_result(sb):
    process = await sb.start_process("echo 'Server started on :80'; sleep 30")
    result = await process.wait_for_log("Server started", 30)
    assert result.line == "Server started on :80"
    assert result.match is None


async def test_wait_for_port_variants(sb, script, free_port):
    http_port, tcp_port = free_port(), free_port()
    web = await sb.start_process(script("h.py", HEALTH_SERVER) + f" {http_port}")
    db = await sb.start_process(script("t.py", TCP_SERVER) + f" {tcp_port}")
    await web.wait_for_port(http_port, path="/health", timeout=30)  # HTTP check
    await db.wait_for_port(tcp_port, mode="tcp", timeout=30)  # TCP check
    await web.wait_for_port(http_port, path="/health", status=200, timeout=30)
    await web.wait_for_port(http_port, path="/nope", status=404, timeout=30)
    await web.wait_for_port(http_port, path="/nope", status=(400, 499), timeout=30)
    await web.wait_for_port(http_port, path="/nope", status={"min": 404, "max": 404}, timeout=30)
    await web.wait_for_port(http_port, path="/nope", status=range(400, 500), timeout=30)
    await web.wait_for_port(http_port, path="/health", host="127.0.0.1", interval=0.05, timeout=30)


async def test_wait_for_port_status_not_reached_times_out(sb, script, free_port):
    port = free_port()
    web = await sb.start_process(script("h.py", HEALTH_SERVER) + f" {port}")
    with pytest.raises(procwright.ProcessReadyTimeoutError) as info:
        await web.wait_for_port(port, path="/nope", status=200, timeout=0.5)
    assert info.value.condition == f"port {port} (HTTP /nope)"
    assert web.status == "running"


async def test_wait_for_exit(sb):
    process = await sb.start_process("exit 0")
    result = await process.wait_for_exit()
    assert result.exit_code == 0
    assert result.status == "completed"
    assert result.signal is None


async def test_wait_for_exit_with_timeout(sb):
    process = await sb.start_process("sleep 30")
    with pytest.raises(procwright.ProcessReadyTimeoutError) as info:
        await process.wait_for_exit(0.2)
    assert isinstance(info.value, TimeoutError)
    assert info.value.condition == "process exit"
    assert process.status == "running"


async def test_training_job(sb, script):
    process = await sb.start_process(script("train.py", TRAINING))
    epochs = []
    # Monitor progress: each wait sees the first match, so follow the stream instead.
    pattern = re.compile(r"Epoch (\d+) complete")
    async for event in process.stream_logs():
        if event.type == "stdout":
            for line in event.data.splitlines():
                m = pattern.search(line)
                if m:
                    epochs.append(int(m.group(1)))
    assert epochs == [1, 2, 3, 4, 5]
    exit_info = await process.wait_for_exit()
    assert exit_info.exit_code == 0
    logs = await process.get_logs()
    assert "Epoch 5 complete" in logs.stdout


async def test_training_job_wait_for_log_loop(sb):
    # The seed's loop: wait for an epoch line with a regex, read its number.
    process = await sb.start_process(
        "for i in 1 2 3; do echo \"Epoch $i complete\"; done; sleep 30"
    )
    result = await process.wait_for_log(re.compile(r"Epoch (\d+) complete"), 60)
    assert int(result.match[1]) == 1
    await process.kill()


async def test_training_job_failure_reads_stderr(sb):
    process = await sb.start_process("echo 'CUDA out of memory' >&2; exit 1")
    exit_info = await process.wait_for_exit()
    assert exit_info.exit_code == 1
    stderr = (await process.get_logs()).stderr
    assert "CUDA out of memory" in stderr


async def test_health_check_pattern_success(sb, script, free_port):
    port = free_port()
    process = await sb.start_process(script("h.py", HEALTH_SERVER) + f" {port} 0.3")
    await process.wait_for_port(port, path="/health", timeout=30)
    assert process.status == "running"


async def test_health_check_pattern_crash(sb, script, free_port):
    port = free_port()
    process = await sb.start_process(script("crash.py", CRASHING_SERVER))
    with pytest.raises(procwright.SandboxError) as info:
        await process.wait_for_port(port, path="/health", timeout=30)
    # Check if process crashed: it rejects at once, not at the timeout.
    err = info.value
    assert isinstance(err, procwright.ProcessExitedBeforeReadyError)
    assert err.exit_code == 3
    assert "fatal: config file missing" in err.last_lines
    status = await process.get_status()
    assert status in ("failed", "error")
    stderr = (await process.get_logs()).stderr
    assert "config file missing" in stderr
    await process.kill()  # a no-op on an ended process


async def test_health_check_pattern_timeout(sb):
    process = await sb.start_process("sleep 30")
    with pytest.raises(procwright.ProcessReadyTimeoutError):
        await process.wait_for_port(1, path="/health", timeout=0.3)
    assert await process.get_status() == "running"
    await process.kill()
    assert process.status == "killed"


async def test_kill_with_sigkill(sb):
    process = await sb.start_process("trap '' TERM; sleep 30")
    await process.kill("SIGKILL")
    assert process.status == "killed"
    assert process.signal == "SIGKILL"
    assert process.exit_code == 137
    assert process.end_time is not None

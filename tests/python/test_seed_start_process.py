"""The examples of the startProcess reference (seed 002) and the REST processes API
(seed 003), ported to Python."""

from __future__ import annotations

import asyncio
import sys

import procwright


async def test_start_web_server(sb, free_port, http_server):
    port = free_port()
    process = await sb.start_process(http_server(port))
    assert process.id
    await process.wait_for_port(port, timeout=30)


async def test_start_with_custom_id(sb):
    process = await sb.start_process("sleep 30", process_id="dev-server")
    assert process.id == "dev-server"


async def test_monitor_output_callbacks(sb):
    outputs = []
    exits = []
    done = asyncio.Event()

    def on_exit(code):
        exits.append(code)
        done.set()

    process = await sb.start_process(
        "echo epoch 1; echo warn >&2; echo epoch 2",
        on_output=lambda stream, data: outputs.append((stream, data)),
        on_exit=on_exit,
    )
    await process.wait_for_exit()
    await asyncio.wait_for(done.wait(), 30)
    assert exits == [0]
    out = "".join(d for s, d in outputs if s == "stdout")
    err = "".join(d for s, d in outputs if s == "stderr")
    assert out == "epoch 1\nepoch 2\n"
    assert err == "warn\n"


async def test_start_with_env(sb):
    process = await sb.start_process(
        "echo $PORT-$NODE_ENV", env={"PORT": "3000", "NODE_ENV": "production"}
    )
    await process.wait_for_exit()
    assert (await process.get_logs()).stdout == "3000-production\n"


async def test_env_none_removes_variable(sb):
    s = procwright.Sandbox(env={"PW_KEEP": "1", "PW_DROP": "2"})
    try:
        p = await s.start_process('echo "${PW_KEEP:-unset} ${PW_DROP:-unset}"', env={"PW_DROP": None})
        await p.wait_for_exit()
        assert (await p.get_logs()).stdout == "1 unset\n"
    finally:
        await s.destroy()


# --- the REST processes API (seed 003): argv commands, env and cwd, polling ---------


async def test_argv_command_env_and_cwd(sb, tmp_path):
    (tmp_path / "myapp").mkdir()
    s = procwright.Sandbox(cwd=str(tmp_path))
    try:
        proc = await s.start_process(
            [sys.executable, "-c", "import os; print(os.environ['PORT'], os.getcwd())"],
            env={"PORT": "3000", "NODE_ENV": "development"},
            cwd="myapp",  # relative to the sandbox's cwd
        )
        result = await proc.wait_for_exit()
        assert result.exit_code == 0
        assert (await proc.get_logs()).stdout == f"3000 {tmp_path / 'myapp'}\n"
        assert proc.command.startswith(sys.executable)
        assert isinstance(proc.start_time.timestamp(), float)
        assert proc.end_time >= proc.start_time
    finally:
        await s.destroy()


async def test_argv_is_not_run_by_a_shell(sb):
    proc = await sb.start_process(["echo", "$HOME", "a|b", "it's"])
    await proc.wait_for_exit()
    assert (await proc.get_logs()).stdout == "$HOME a|b it's\n"
    assert proc.command == "echo '$HOME' 'a|b' 'it'\\''s'"


async def test_wait_for_vite_by_polling_logs(sb):
    proc = await sb.start_process("sleep 0.2; echo '  VITE v5.2.0  ready in 312 ms'; sleep 30")

    async def wait_for_vite(max_wait: float = 30.0) -> bool:
        deadline = asyncio.get_running_loop().time() + max_wait
        while asyncio.get_running_loop().time() < deadline:
            logs = await sb.get_process_logs(proc.id)
            if "ready in" in logs.stdout:
                return True
            await asyncio.sleep(0.05)
        raise TimeoutError("Vite did not start in time")

    assert await wait_for_vite()


async def test_wait_for_process_by_listing(sb):
    proc = await sb.start_process(["sh", "-c", "sleep 0.1; exit 7"])

    async def wait_for_process(proc_id: str):
        while True:
            found = [p for p in await sb.list_processes() if p.id == proc_id]
            if not found:
                raise LookupError("Process not found")
            if found[0].status != "running":
                return found[0]
            await asyncio.sleep(0.02)

    result = await asyncio.wait_for(wait_for_process(proc.id), 30)
    assert result.exit_code == 7
    assert result.status == "failed"


async def test_run_tests_and_get_results(sb):
    proc = await sb.start_process(["sh", "-c", "echo 'FAIL src/a.test.ts'; exit 1"])
    result = await proc.wait_for_exit()
    if result.exit_code != 0:
        logs = await sb.get_process_logs(proc.id)
        assert "FAIL src/a.test.ts" in logs.stdout
    assert result.exit_code == 1


async def test_stop_process_by_id(sb):
    proc = await sb.start_process("sleep 30", process_id="to-stop")
    await sb.stop_process("to-stop")
    assert proc.status == "killed"
    # Stopping an ended process is a no-op.
    await sb.stop_process("to-stop")

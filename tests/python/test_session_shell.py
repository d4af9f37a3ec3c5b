"""Sessions are persistent shells: state persists, exit codes come back, calls keep
their order, and deleting the session kills its shell."""

from __future__ import annotations

import asyncio
import os

import procwright


async def test_state_persists_and_output_is_exact(sb):
    s = await sb.create_session()
    await s.exec("cd /tmp; export PW_A=1; f() { echo in-f; }")
    r = await s.exec("pwd; echo $PW_A; f; printf 'tail'")
    assert r.stdout == "/tmp\n1\nin-f\ntail"
    assert r.exit_code == 0 and not r.shell_restarted
    assert (await sb.exec("echo \"[$PW_A]\"")).stdout == "[]\n"  # the sandbox stays stateless
    r = await s.exec("echo out; echo err >&2; exit 4")
    assert (r.stdout, r.stderr, r.exit_code) == ("out\n", "err\n", 4)
    r = await s.exec("echo \"[$PW_A]\"")
    assert r.stdout == "[]\n" and r.shell_restarted


async def test_calls_run_in_call_order(sb, tmp_path):
    s = await sb.create_session()
    log = tmp_path / "order"
    calls = [s.exec(f"echo {k} >> '{log}'; echo {k}") for k in range(10)]
    results = await asyncio.gather(*reversed(calls))
    assert [r.stdout for r in reversed(results)] == [f"{k}\n" for k in range(10)]
    assert log.read_text() == "".join(f"{k}\n" for k in range(10))


async def test_start_process_sees_the_shell_and_delete_kills_it(sb):
    s = await sb.create_session(id="sh")
    await s.exec("cd /tmp && export PW_SNAP=7")
    p = await s.start_process("pwd; echo $PW_SNAP")
    await p.wait_for_exit(30)
    assert (await p.get_logs()).stdout == "/tmp\n7\n"
    pid = int((await s.exec("echo $$")).stdout)
    await sb.delete_session("sh")
    for _ in range(300):
        if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the shell outlived its session")


async def test_a_timeout_reports_whether_the_shell_restarted(sb):
    s = await sb.create_session()
    await s.exec("export PW_KEEP=1")
    try:
        await s.exec("while :; do :; done", timeout=0.3, kill_timeout=0.3)
    except procwright.CommandTimeoutError as e:
        assert "restarted" in e.message and e.code == "COMMAND_TIMEOUT"
    else:
        raise AssertionError("no timeout")
    r = await s.exec("echo \"[$PW_KEEP]\"")
    assert r.stdout == "[]\n" and r.shell_restarted

"""The Python side of benches/run.sh: `python bench.py VARIANT TASK [args]` runs one
measurement and prints one JSON object. VARIANT is `pw` (the procwright Python package
installed into benches/.venv) or `asyncio` (asyncio.create_subprocess_exec). Latencies
compare time.monotonic_ns() (CLOCK_MONOTONIC) with the CLOCK_MONOTONIC time the child prints.
"""

import asyncio
import faulthandler
import json
import os
import random
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILDREN = os.path.join(HERE, "..", "children")
LOG_CHILD = os.path.join(CHILDREN, "log_child.py")
PORT_CHILD = os.path.join(CHILDREN, "port_child.py")
NUMBER_LINE = re.compile(r"^\d{6,}$")
PIPE = asyncio.subprocess.PIPE


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sandbox():
    import procwright

    return procwright.Sandbox()


async def throughput(variant, nbytes=1 << 30):
    argv = ["head", "-c", str(nbytes), "/dev/zero"]
    if variant == "pw":
        async with sandbox() as sb:
            t = time.perf_counter()
            p = await sb.start_process(argv)
            await p.wait_for_exit()
            return {"secs": time.perf_counter() - t}
    t = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*argv, stdout=PIPE)
    seen = 0
    while True:
        chunk = await proc.stdout.read(256 * 1024)
        if not chunk:
            break
        seen += len(chunk)
    await proc.wait()
    secs = time.perf_counter() - t
    if seen != nbytes:
        raise RuntimeError(f"saw {seen} of {nbytes} bytes")
    return {"secs": secs}


async def spawn(variant, n=500):
    if variant == "pw":
        async with sandbox() as sb:
            t = time.perf_counter()
            for _ in range(n):
                p = await sb.start_process(["true"], auto_cleanup=True)
                await p.wait_for_exit()
            return {"secs": time.perf_counter() - t}
    t = time.perf_counter()
    for _ in range(n):
        proc = await asyncio.create_subprocess_exec("true", stdout=PIPE, stderr=PIPE)
        await proc.communicate()
    return {"secs": time.perf_counter() - t}


async def logwait(variant, n=200):
    lat = []
    if variant == "asyncio":
        # What an asyncio user writes without procwright: readline until the line matches.
        for _ in range(n):
            delay = f"{0.02 * random.random():.4f}"
            proc = await asyncio.create_subprocess_exec(
                "python3", "-S", LOG_CHILD, delay, stdout=PIPE, stderr=PIPE
            )
            while True:
                line = (await proc.stdout.readline()).decode().strip()
                if NUMBER_LINE.match(line):
                    lat.append(time.monotonic_ns() - int(line))
                    break
            await proc.communicate()
        return {"lat_ns": lat}
    async with sandbox() as sb:
        for _ in range(n):
            delay = f"{0.02 * random.random():.4f}"
            p = await sb.start_process(["python3", "-S", LOG_CHILD, delay], auto_cleanup=True)
            hit = await p.wait_for_log(NUMBER_LINE, timeout=30)
            now = time.monotonic_ns()
            lat.append(now - int(hit.line.strip()))
            await p.wait_for_exit()
    return {"lat_ns": lat}


async def portwait(variant, mode="http", n=20):
    lat = []
    async with sandbox() as sb:
        for _ in range(int(n)):
            port = free_port()
            delay = f"{0.05 + 0.2 * random.random():.4f}"
            p = await sb.start_process(
                ["python3", "-S", PORT_CHILD, mode, str(port), delay], auto_cleanup=True
            )
            await p.wait_for_port(port, mode=mode, timeout=30)
            now = time.monotonic_ns()
            hit = await p.wait_for_log(NUMBER_LINE, timeout=30)
            lat.append(now - int(hit.line.strip()))
            await p.kill("SIGKILL")
    return {"lat_ns": lat}


async def scale(variant, n=1000):
    if variant == "pw":
        async with sandbox() as sb:
            w = await sb.start_process(["true"])
            await w.wait_for_exit()
            await asyncio.sleep(0.05)
            before = status_kib("VmRSS:")
            t = time.perf_counter()
            procs = await asyncio.gather(*(sb.start_process(["sleep", "300"]) for _ in range(n)))
            start_s = time.perf_counter() - t
            after = status_kib("VmRSS:")
            t = time.perf_counter()
            listed = sum(1 for p in await sb.list_processes() if p.status == "running")
            list_s = time.perf_counter() - t
            t = time.perf_counter()
            killed = await sb.kill_all_processes()
            kill_s = time.perf_counter() - t
            del procs
    else:
        w = await asyncio.create_subprocess_exec("true", stdout=PIPE, stderr=PIPE)
        await w.communicate()
        await asyncio.sleep(0.05)
        before = status_kib("VmRSS:")
        t = time.perf_counter()
        kids = await asyncio.gather(
            *(asyncio.create_subprocess_exec("sleep", "300", stdout=PIPE, stderr=PIPE) for _ in range(n))
        )
        start_s = time.perf_counter() - t
        after = status_kib("VmRSS:")
        t = time.perf_counter()
        listed = sum(1 for k in kids if k.returncode is None)
        list_s = time.perf_counter() - t
        t = time.perf_counter()
        for k in kids:
            k.terminate()
        await asyncio.gather(*(k.wait() for k in kids))
        killed = len(kids)
        kill_s = time.perf_counter() - t
    return {
        "start_s": start_s,
        "list_s": list_s,
        "kill_s": kill_s,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "listed": listed,
        "killed": killed,
    }


async def membound(variant, nbytes=2_000_000_000):
    async with sandbox() as sb:
        before = status_kib("VmRSS:")
        p = await sb.start_process(["head", "-c", str(nbytes), "/dev/zero"])
        await p.wait_for_exit()
        return {"hwm_kib": status_kib("VmHWM:"), "rss_before_kib": before}


class Plain:
    status = "running"


async def status(variant, reads=100_000, calls=10_000):
    async with sandbox() as sb:
        p = await sb.start_process(["sleep", "30"])
        running = 0
        t = time.perf_counter_ns()
        for _ in range(reads):
            if p.status == "running":
                running += 1
        status_ns = (time.perf_counter_ns() - t) / reads
        t = time.perf_counter_ns()
        for _ in range(calls):
            if await p.get_status() == "running":
                running += 1
        get_status_ns = (time.perf_counter_ns() - t) / calls
        plain = Plain()
        t = time.perf_counter_ns()
        for _ in range(reads):
            if plain.status == "running":
                running += 1
        plain_ns = (time.perf_counter_ns() - t) / reads
        await p.kill("SIGKILL")
        return {
            "status_ns": status_ns,
            "get_status_ns": get_status_ns,
            "plain_ns": plain_ns,
            "running": running,
        }


TASKS = {
    "throughput": throughput,
    "spawn": spawn,
    "logwait": logwait,
    "portwait": portwait,
    "scale": scale,
    "membound": membound,
    "status": status,
}


def main():
    # A measurement that hangs shows where, and ends, instead of stalling the whole run.
    faulthandler.dump_traceback_later(float(os.environ.get("BENCH_HANG_SECS", "120")), exit=True)
    if len(sys.argv) < 3 or sys.argv[2] not in TASKS:
        print(f"usage: bench.py pw|asyncio {'|'.join(TASKS)} [args]", file=sys.stderr)
        sys.exit(2)
    variant, task = sys.argv[1], sys.argv[2]
    args = [a if not a.isdigit() else int(a) for a in sys.argv[3:]]
    out = asyncio.run(TASKS[task](variant, *args))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

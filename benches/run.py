#!/usr/bin/env python3
"""Runs every benchmark row, interleaving procwright and its peers (A B A B …, the order
rotated each round), and prints one table of medians and side-by-side ratios.

Called by benches/run.sh, which builds and installs everything first. Standard library
only. Each measurement runs in a fresh process that times itself and prints JSON; this
script only schedules them and does the arithmetic.

    python3 benches/run.py [--quick] [--only 1,3,5]
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target-bench"))
RUST_BIN = os.path.join(TARGET, "release", "procwright-bench")
CLI_BIN = os.path.join(TARGET, "release", "procwright")
VENV_PY = os.path.join(HERE, ".venv", "bin", "python")
NODE_BENCH = os.path.join(HERE, "node", "bench.mjs")
PY_BENCH = os.path.join(HERE, "py", "bench.py")

GIB = 1 << 30
LOG_LIMIT = 16 * 1024 * 1024  # the default log limit (per stream)

NAMES = {
    "rust": "procwright Rust core",
    "py": "procwright Python",
    "node": "procwright Node",
    "pipe": "pipe limit (`head \\| cat`)",
    "cp": "Node child_process.spawn",
    "execa": "Node execa",
    "asyncio": "Python asyncio subprocess",
    "waiton": "npm wait-on (defaults)",
    "waitport": "npm wait-port (defaults)",
    "poll": "seed 003 polling (every 500 ms)",
}
MISSING = {}  # variant -> why it cannot run
EXIT_FAILURES = []  # measurements whose process exited non-zero


def python_for_peers():
    return VENV_PY if os.path.exists(VENV_PY) else sys.executable


def command(variant, task, args):
    args = [str(a) for a in args]
    if variant == "rust":
        return [RUST_BIN, task, *args]
    if variant == "py":
        return [VENV_PY, PY_BENCH, "pw", task, *args]
    if variant == "asyncio":
        return [python_for_peers(), PY_BENCH, "asyncio", task, *args]
    if variant == "node":
        return ["node", NODE_BENCH, "pw", task, *args]
    if variant in ("cp", "execa", "waiton", "waitport"):
        return ["node", NODE_BENCH, variant, task, *args]
    raise ValueError(variant)


def probe_bindings():
    """Finds out which procwright layers are built; the others are reported as n/a."""
    if not os.path.exists(RUST_BIN):
        MISSING["rust"] = "n/a (bench binary not built)"
    ok = False
    if os.path.exists(VENV_PY):
        r = subprocess.run(
            [VENV_PY, "-c", "import procwright; procwright.Sandbox"],
            capture_output=True,
            cwd="/",
        )
        ok = r.returncode == 0
    if not ok:
        MISSING["py"] = "n/a (binding not built)"
    r = subprocess.run(
        ["node", "-e", f"require({json.dumps(ROOT)}).Sandbox.name"],
        capture_output=True,
        cwd="/",
    )
    if r.returncode != 0:
        MISSING["node"] = "n/a (binding not built)"


def run_one(variant, task, args, timeout=600):
    """Runs one measurement; returns its JSON, or None after printing why it failed."""
    if variant in MISSING:
        return None
    if variant == "pipe":
        t = time.perf_counter()
        subprocess.run(
            ["bash", "-c", f"head -c {args[0]} /dev/zero | cat > /dev/null"], check=True
        )
        return {"secs": time.perf_counter() - t}
    cmd = command(variant, task, args)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        print(f"  ! {variant} {task}: timed out after {timeout}s", file=sys.stderr)
        return None
    try:
        result = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = None
    if r.returncode != 0:
        tail = (r.stderr or "").strip().splitlines()[-3:]
        what = "after printing its result" if result else "without a result"
        print(f"  ! {variant} {task} exited with {r.returncode} {what}: {' | '.join(tail)}",
              file=sys.stderr)
        EXIT_FAILURES.append(f"{variant} {task}: exit status {r.returncode} {what}")
    return result


def rounds(task, variants, args_of, n_rounds):
    """Runs `variants` in rotating order for `n_rounds`; returns {variant: [result per round]}."""
    out = {v: [None] * n_rounds for v in variants}
    live = [v for v in variants if v not in MISSING]
    for r in range(n_rounds):
        order = live[r % len(live) :] + live[: r % len(live)] if live else []
        for v in order:
            out[v][r] = run_one(v, task, args_of(v))
        print(f"  {task}: round {r + 1}/{n_rounds} done", file=sys.stderr)
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def pct(xs, p):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]


def paired_ratio(a, b, f):
    """Median over rounds of f(a_round) / f(b_round), both measured in the same round."""
    rs = [f(x) / f(y) for x, y in zip(a, b) if x is not None and y is not None and f(y)]
    return med(rs)


def fmt(x, unit="", digits=3):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        s = f"{x:.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.{digits - 1}f}" if abs(x) >= 1 else f"{x:.{digits}g}"
    return f"{s}{unit}"


def verdict(ok):
    if ok is None:
        return "n/a"
    return "met" if ok else "**missed**"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, row, measure, variant, median, spread="", ratio="", target="", met=""):
        self.rows.append((row, measure, variant, median, spread, ratio, target, met))

    def missing(self, row, measure, variant):
        self.add(row, measure, NAMES[variant], MISSING[variant], "", "", "", "n/a")

    def render(self):
        head = ("#", "measure", "who", "median", "spread / p99", "ratio (same rounds)", "target", "verdict")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        last = None
        for r in self.rows:
            r = list(r)
            if (r[0], r[1]) == last:
                r[0], r[1] = "", ""  # one measure, several lines: name it once
            else:
                last = (r[0], r[1])
            lines.append("| " + " | ".join(str(c) for c in r) + " |")
        return "\n".join(lines)


# ---- rows -------------------------------------------------------------------------


def row_throughput(t, q):
    n = 3 if q else 5
    pw = ["rust", "py", "node"]
    peers = ["pipe", "cp", "execa", "asyncio"]
    res = rounds("throughput", pw + peers, lambda v: [GIB], n)
    gibs = lambda x: GIB / x["secs"] / GIB  # noqa: E731  (GiB/s)
    speed = lambda x: 1 / x["secs"]  # noqa: E731
    for v in peers:
        vals = [gibs(x) for x in res[v] if x]
        t.add(1, "capture 1 GiB (GiB/s)", NAMES[v], fmt(med(vals), " GiB/s"),
              f"{fmt(min(vals, default=None))}–{fmt(max(vals, default=None))}" if vals else "")
    for v in pw:
        if v in MISSING:
            t.missing(1, "capture 1 GiB (GiB/s)", v)
            continue
        vals = [gibs(x) for x in res[v] if x]
        rp = paired_ratio(res[v], res["pipe"], speed)
        rc = paired_ratio(res[v], res["cp"], speed)
        re_ = paired_ratio(res[v], res["execa"], speed)
        ra = paired_ratio(res[v], res["asyncio"], speed)
        ok = None if None in (rp, rc, ra) else (rp >= 0.8 and rc >= 1.2 and ra >= 2.0)
        t.add(1, "capture 1 GiB (GiB/s)", NAMES[v], fmt(med(vals), " GiB/s"),
              f"{fmt(min(vals, default=None))}–{fmt(max(vals, default=None))}" if vals else "",
              f"{fmt(rp)}x pipe, {fmt(rc)}x child_process, {fmt(re_)}x execa, {fmt(ra)}x asyncio",
              "≥0.8x pipe, ≥1.2x Node, ≥2x asyncio", verdict(ok))
    return res


def row_spawn(t, q):
    n = 3 if q else 5
    pw = ["rust", "py", "node"]
    peers = ["cp", "execa", "asyncio"]
    out = {}
    # One process at a time: each spawn is awaited to its exit before the next starts.
    for n_spawn in (200, 500):
        res = rounds("spawn", pw + peers, lambda v: [n_spawn], n)
        out[n_spawn] = res
        us = lambda x: x["secs"] / n_spawn * 1e6  # noqa: E731
        m = f"spawn `true` + await exit, {n_spawn} in a row (µs each)"
        for v in peers:
            vals = [us(x) for x in res[v] if x]
            t.add(2, m, NAMES[v], fmt(med(vals), " µs"),
                  f"{fmt(min(vals, default=None))}–{fmt(max(vals, default=None))}" if vals else "")
        for v in pw:
            if v in MISSING:
                t.missing(2, m, v)
                continue
            vals = [us(x) for x in res[v] if x]
            rc = paired_ratio(res[v], res["cp"], us)
            re_ = paired_ratio(res[v], res["execa"], us)
            ra = paired_ratio(res[v], res["asyncio"], us)
            ok = None if None in (rc, ra) else (rc <= 0.8 and ra <= 0.8)
            t.add(2, m, NAMES[v], fmt(med(vals), " µs"),
                  f"{fmt(min(vals, default=None))}–{fmt(max(vals, default=None))}" if vals else "",
                  f"{fmt(rc)}x child_process, {fmt(re_)}x execa, {fmt(ra)}x asyncio (time)",
                  "≤0.8x child_process and asyncio", verdict(ok))
    return out


def row_logwait(t, q):
    per, n = (25, 2) if q else (50, 4)
    poll_per, poll_n = (10, 2) if q else (25, 4)
    pw = ["rust", "py", "node"]
    peers = ["floor", "cp", "asyncio", "poll"]
    # Seed 003's loop runs on the Node package when it is built (the seed is TypeScript),
    # else on the Rust core's get_process_logs.
    poll_on = "node" if "node" not in MISSING else "rust"
    live = [v for v in pw + peers if v not in MISSING]
    out = {v: [] for v in pw + peers}
    for r in range(n):
        order = live[r % len(live):] + live[: r % len(live)]
        for v in order:
            if v == "poll":
                x = run_one(poll_on, "logpoll", [poll_per, 500]) if r < poll_n else None
            elif v == "floor":
                x = run_one("rust", "logwait-floor", [per])
            else:
                x = run_one(v, "logwait", [per])
            if x:
                out[v].extend(x["lat_ns"])
        print(f"  logwait: round {r + 1}/{n} done", file=sys.stderr)
    m = "log-wait latency, child's clock → wait resolved (ms)"
    names = {
        "floor": "floor: blocking read() of the pipe, no runtime",
        "cp": "Node child_process + data listener",
        "asyncio": "Python asyncio readline()",
        "poll": NAMES["poll"] + f" on procwright {'Node' if poll_on == 'node' else 'Rust core'}",
    }
    for v in peers:
        lat = [x / 1e6 for x in out[v]]
        t.add(3, m, f"{names[v]} (n={len(lat)})", fmt(med(lat), " ms"), f"p99 {fmt(pct(lat, 99), ' ms')}")
    pm = med(out["poll"])
    for v in pw:
        if v in MISSING:
            t.missing(3, m, v)
            continue
        lat = [x / 1e6 for x in out[v]]
        md, p99 = med(lat), pct(lat, 99)
        ok = None if md is None else (md < 1 and p99 < 5)
        ratio = f"polling {fmt(pm / 1e6 / md)}x slower" if (pm and md) else ""
        t.add(3, m, f"{NAMES[v]} (n={len(lat)})", fmt(md, " ms"), f"p99 {fmt(p99, ' ms')}",
              ratio, "median <1 ms, p99 <5 ms", verdict(ok))
    return {"lat": out}


def row_portwait(t, q):
    per, n = (5, 2) if q else (10, 3)
    variants = ["rust", "py", "node", "waiton", "waitport"]
    out = {}
    for mode in ("tcp", "http"):
        o = {v: [] for v in variants}
        live = [v for v in variants if v not in MISSING]
        for r in range(n):
            order = live[r % len(live):] + live[: r % len(live)]
            for v in order:
                x = run_one(v, "portwait", [mode, per])
                if x:
                    o[v].extend(x["lat_ns"])
            print(f"  portwait {mode}: round {r + 1}/{n} done", file=sys.stderr)
        out[mode] = o
        m = f"port-wait latency, {mode}, port open → wait resolved (ms)"
        peers = {p: med([x / 1e6 for x in o[p]]) for p in ("waiton", "waitport")}
        for p in ("waiton", "waitport"):
            lat = [x / 1e6 for x in o[p]]
            t.add(4, m, f"{NAMES[p]} (n={len(lat)})", fmt(med(lat), " ms"), f"p99 {fmt(pct(lat, 99), ' ms')}")
        for v in ["rust", "py", "node"]:
            if v in MISSING:
                t.missing(4, m, v)
                continue
            lat = [x / 1e6 for x in o[v]]
            md = med(lat)
            ratio = ", ".join(f"{NAMES[p].split(' (')[0]} {fmt(pv / md)}x slower"
                              for p, pv in peers.items() if pv and md)
            t.add(4, m, f"{NAMES[v]} (n={len(lat)})", fmt(md, " ms"), f"p99 {fmt(pct(lat, 99), ' ms')}",
                  ratio, "median <25 ms", verdict(None if md is None else md < 25))
    return out


def row_scale(t, q):
    n_procs = 1000
    n = 2 if q else 3
    pw = ["rust", "py", "node"]
    peers = ["cp", "asyncio"]
    res = rounds("scale", pw + peers, lambda v: [n_procs], n)
    kib = lambda x: (x["rss_after_kib"] - x["rss_before_kib"]) / n_procs  # noqa: E731
    start = lambda x: x["start_s"]  # noqa: E731
    for v in peers:
        xs = [x for x in res[v] if x]
        t.add(5, "1000 × `sleep 300`: start all / kill all / host KiB per process", NAMES[v],
              f"start {fmt(med([x['start_s'] for x in xs]), ' s')}, kill {fmt(med([x['kill_s'] for x in xs]), ' s')}, "
              f"{fmt(med([kib(x) for x in xs]), ' KiB')}/proc")
    for v in pw:
        m = "1000 × `sleep 300`: start all / kill all / host KiB per process"
        if v in MISSING:
            t.missing(5, m, v)
            continue
        xs = [x for x in res[v] if x]
        st, kl, kb = (med([x["start_s"] for x in xs]), med([x["kill_s"] for x in xs]),
                      med([kib(x) for x in xs]))
        ls = med([x["list_s"] for x in xs])
        rc = paired_ratio(res[v], res["cp"], start)
        ra = paired_ratio(res[v], res["asyncio"], start)
        ok = None if None in (rc, kl, kb) else (rc <= 1.0 and kl < 2.0 and kb < 64)
        listed = min((x["listed"] for x in xs), default=0)
        t.add(5, m, NAMES[v],
              f"start {fmt(st, ' s')}, kill {fmt(kl, ' s')}, {fmt(kb, ' KiB')}/proc",
              f"list {fmt(ls * 1e3 if ls is not None else None, ' ms')} ({listed} running)",
              f"start {fmt(rc)}x child_process, {fmt(ra)}x asyncio (time)",
              "start ≤1.0x Node, kill <2 s, <64 KiB/proc", verdict(ok))
    return res


def row_membound(t, q):
    n = 2 if q else 3
    pw = ["rust", "py", "node"]
    res = rounds("membound", pw, lambda v: [2_000_000_000], n)
    cap = (2 * LOG_LIMIT + 32 * 1024 * 1024) / 1024 / 1024
    for v in pw:
        m = "2 GB of output, default 16 MiB log limit: host peak RSS"
        if v in MISSING:
            t.missing(6, m, v)
            continue
        xs = [x for x in res[v] if x]
        hwm = med([x["hwm_kib"] / 1024 for x in xs])
        base = med([x["rss_before_kib"] / 1024 for x in xs])
        t.add(6, m, NAMES[v], fmt(hwm, " MiB"),
              f"host before start {fmt(base, ' MiB')}, added {fmt(hwm - base if hwm else None, ' MiB')}",
              f"{fmt(hwm / cap if hwm else None)}x the bound",
              f"<{cap:.0f} MiB (2x limit + 32 MiB)", verdict(None if hwm is None else hwm < cap))
    return res


def row_status(t, q):
    n = 2 if q else 3
    pw = ["rust", "py", "node"]
    res = rounds("status", pw, lambda v: [100_000, 10_000], n)
    for v in pw:
        m = "binding overhead: 100,000 `status` reads / 10,000 `getStatus()` (ns per call)"
        if v in MISSING:
            t.missing(7, m, v)
            continue
        xs = [x for x in res[v] if x]
        s, g = med([x["status_ns"] for x in xs]), med([x["get_status_ns"] for x in xs])
        plain = med([x.get("plain_ns") for x in xs if x.get("plain_ns") is not None])
        label = "`status()` / `status()`" if v == "rust" else "`.status` / `get_status()`"
        # The target is on the awaited getStatus() of the bindings (the Rust one is a
        # plain method).
        ok = None if v == "rust" or g is None else g <= 2000
        t.add(7, m, f"{NAMES[v]} {label}", f"{fmt(s, ' ns')} / {fmt(g, ' ns')}",
              f"plain object property {fmt(plain, ' ns')}" if plain is not None else "",
              f"`.status` {fmt(s / plain)}x a plain property" if (plain and s) else "",
              "" if v == "rust" else "awaited `getStatus()` ≤ 2 µs", verdict(ok))
    return res


def row_contention(t, q):
    per, n = (20, 2) if q else (50, 3)
    out = {"base_wait_ns": [], "base_kill_ns": [], "busy_wait_ns": [], "busy_kill_ns": []}
    for r in range(n):
        x = run_one("rust", "contention", [per])
        if x:
            for k in out:
                out[k].extend(x[k])
        print(f"  contention: round {r + 1}/{n} done", file=sys.stderr)
    m = "unrelated log wait / kill while 2 pathological regex waits are pending (ms)"
    for what, base, busy in (("log wait", "base_wait_ns", "busy_wait_ns"),
                             ("kill (SIGTERM, exits at once)", "base_kill_ns", "busy_kill_ns")):
        b, c = med([v / 1e6 for v in out[base]]), med([v / 1e6 for v in out[busy]])
        ratio = c / b if (b and c) else None
        t.add(8, m, f"Rust core: {what}, alone / contended (n={len(out[busy])})",
              f"{fmt(b, ' ms')} / {fmt(c, ' ms')}",
              f"p99 contended {fmt(pct([v / 1e6 for v in out[busy]], 99), ' ms')}",
              f"{fmt(ratio)}x" if ratio else "", "contended <= 2x alone",
              verdict(None if ratio is None else ratio <= 2))
    return out


def row_session_exec(t, q):
    n, per = (3, 150) if q else (5, 300)
    res = rounds("session-exec", ["rust"], lambda v: [per], n)
    xs = [x for x in res["rust"] if x]
    s_us = med([x["session_secs"] * 1e6 for x in xs])
    f_us = med([x["sandbox_secs"] * 1e6 for x in xs])
    ratio = med([x["session_secs"] / x["sandbox_secs"] for x in xs]) if xs else None
    t.add(9, f"`session.exec('true')` vs `sandbox.exec('true')`, {per} in a row (µs each)",
          "procwright Rust core", f"{fmt(s_us, ' µs')} / {fmt(f_us, ' µs')}", "",
          f"{fmt(ratio)}x a fresh process" if ratio else "", "≤0.5x", verdict(None if ratio is None else ratio <= 0.5))
    return res


def row_stdin(t, q):
    n = 3 if q else 5
    res = rounds("stdin", ["rust", "pipe"], lambda v: [GIB], n)
    speed = lambda x: 1 / x["secs"]  # noqa: E731
    r = paired_ratio(res["rust"], res["pipe"], speed)
    vals = [GIB / x["secs"] / GIB for x in res["rust"] if x]
    pipe = [GIB / x["secs"] / GIB for x in res["pipe"] if x]
    m = "stdin: 1 GiB written through `cat` into the log store (GiB/s)"
    t.add(10, m, NAMES["pipe"], fmt(med(pipe), " GiB/s"))
    t.add(10, m, "procwright Rust core", fmt(med(vals), " GiB/s"),
          f"{fmt(min(vals, default=None))}–{fmt(max(vals, default=None))}" if vals else "",
          f"{fmt(r)}x pipe" if r else "", "≥0.7x pipe", verdict(None if r is None else r >= 0.7))
    return res


def row_pty_echo(t, q):
    n, per = (2, 100) if q else (4, 200)
    res = rounds("pty-echo", ["rust"], lambda v: [per], n)
    lat = [v / 1e6 for x in res["rust"] if x for v in x["ns"]]
    p50 = med(lat)
    t.add(11, f"typing on a terminal: `write('x')` → echo seen by `waitForLog` (ms, n={len(lat)})",
          "procwright Rust core", fmt(p50, " ms"), f"p99 {fmt(pct(lat, 99), ' ms')}", "",
          "p50 <1 ms", verdict(None if p50 is None else p50 < 1))
    return res


def row_tree_kill(t, q):
    n, per = (2, 5) if q else (4, 5)
    res = rounds("tree-kill", ["rust"], lambda v: [per], n)
    ours = [v / 1e6 for x in res["rust"] if x for v in x["kill_ns"]]
    pg = [v / 1e6 for x in res["rust"] if x for v in x["killpg_ns"]]
    a, b = med(ours), med(pg)
    t.add(12, f"kill a tree of 40 grouped + 10 setsid'd sleeps until none is left (ms, n={len(ours)})",
          "procwright Rust core `kill` / bare `killpg` (group only, escapees left)",
          f"{fmt(a, ' ms')} / {fmt(b, ' ms')}", f"p99 {fmt(pct(ours, 99), ' ms')} / {fmt(pct(pg, 99), ' ms')}",
          f"{fmt(a / b)}x killpg" if (a and b) else "", "", "n/a")
    return res


def row_logs_since(t, q):
    n, reads = (2, 1000) if q else (4, 2000)
    res = rounds("logs-since", ["rust"], lambda v: [16 << 20, reads], n)
    big = [v / 1e3 for x in res["rust"] if x for v in x["big_ns"]]
    small = [v / 1e3 for x in res["rust"] if x for v in x["small_ns"]]
    kept = next((x["big_kept"] for x in res["rust"] if x), None)
    a, b = med(big), med(small)
    t.add(13, f"`getLogs({{since}})` for the newest 1 KiB of a process holding {fmt(kept and kept / 2**20, ' MiB')} (µs, n={len(big)})",
          "procwright Rust core: 16 MiB kept / 64 KiB kept", f"{fmt(a, ' µs')} / {fmt(b, ' µs')}",
          f"p99 {fmt(pct(big, 99), ' µs')} / {fmt(pct(small, 99), ' µs')}",
          f"{fmt(a / b)}x the small log" if (a and b) else "", "<20 µs, flat in what is kept",
          verdict(None if a is None else a < 20))
    return res


def row_anyport(t, q):
    n, per = (2, 5) if q else (4, 10)
    res = rounds("anyport", ["rust"], lambda v: [per], n)
    lat = [v / 1e6 for x in res["rust"] if x for v in x["latency_ns"]]
    p50 = med(lat)
    t.add(14, f"`waitForPort()` without a port: `listen()` → resolved (ms, n={len(lat)})",
          "procwright Rust core", fmt(p50, " ms"), f"p99 {fmt(pct(lat, 99), ' ms')}", "",
          "p50 <10 ms", verdict(None if p50 is None else p50 < 10))
    return res


def row_list_ports(t, q):
    n, per = (2, 10) if q else (4, 20)
    res = rounds("list-ports", ["rust"], lambda v: [200, per], n)
    ms = [v / 1e6 for x in res["rust"] if x for v in x["list_ns"]]
    a = med(ms)
    t.add(15, f"`listPorts()` with 200 running processes, 4 listening (ms, n={len(ms)})",
          "procwright Rust core", fmt(a, " ms"), f"p99 {fmt(pct(ms, 99), ' ms')}", "",
          "<50 ms", verdict(None if a is None else a < 50))
    return res


def row_cli_run(t, q):
    """`procwright run` against npm's start-server-and-test: start `python3 -m
    http.server`, wait until it answers, run `curl` once, stop it; wall time."""
    import socket
    import tempfile

    n = 3 if q else 8
    sst = os.path.join(ROOT, "benches", "node_modules", ".bin", "start-server-and-test")
    if not (os.path.exists(CLI_BIN) and os.path.exists(sst)):
        t.add(16, "`procwright run` / start-server-and-test wall time", "n/a", "not built")
        return {}
    times = {"ours": [], "sst": []}
    with tempfile.TemporaryDirectory() as d:
        for r in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            server = f"python3 -m http.server {port} --bind 127.0.0.1"
            url = f"http://127.0.0.1:{port}/"
            with open(os.path.join(d, "procwright.toml"), "w") as f:
                f.write(f'[services.web]\ncommand = "{server}"\nready = {{ port = {port} }}\n')
            cmds = {
                "ours": [CLI_BIN, "run", "-f", os.path.join(d, "procwright.toml"), "--", "curl", "-sf", "-o", "/dev/null", url],
                "sst": [sst, server, url, f"curl -sf -o /dev/null {url}"],
            }
            order = ["ours", "sst"] if r % 2 == 0 else ["sst", "ours"]
            for k in order:
                start = time.perf_counter()
                p = subprocess.run(cmds[k], cwd=d, capture_output=True, timeout=120)
                took = time.perf_counter() - start
                if p.returncode == 0:
                    times[k].append(took)
                else:
                    print(f"  ! cli-run {k} exited {p.returncode}: {p.stderr.decode()[-300:]}", file=sys.stderr)
            print(f"  cli-run: round {r + 1}/{n} done", file=sys.stderr)
    a, b = med(times["ours"]), med(times["sst"])
    ratio = a / b if (a and b) else None
    t.add(16, f"start `python3 -m http.server`, wait until it answers, `curl` once, stop (s, n={len(times['ours'])})",
          "`procwright run` / npm start-server-and-test", f"{fmt(a, ' s')} / {fmt(b, ' s')}",
          f"p99 {fmt(pct(times['ours'], 99), ' s')} / {fmt(pct(times['sst'], 99), ' s')}",
          f"{fmt(ratio)}x start-server-and-test" if ratio else "", "≤0.5x",
          verdict(None if ratio is None else ratio <= 0.5))
    return times



def row_rest_load(t, q):
    """`procwright serve` under load: the load test (50 clients, 5 000 mixed requests)
    built in release, with its latencies written to a file; and one start over REST
    against one start through the library, measured in the same run."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "load.json")
        env = dict(os.environ, PW_LOAD_JSON=out)
        p = subprocess.run(["cargo", "test", "--quiet", "--release", "-p", "procwright-cli",
                            "--test", "load"], cwd=ROOT, env=env, capture_output=True, timeout=900)
        if p.returncode != 0 or not os.path.exists(out):
            print(p.stdout.decode()[-2000:], p.stderr.decode()[-2000:], file=sys.stderr)
            t.add(17, "`procwright serve`, 50 clients x 5 000 requests", "n/a", "load test failed")
            return {}
        with open(out) as f:
            res = json.load(f)
    for name in ("start", "list", "logs", "wait", "kill"):
        r = res[name]
        t.add(17, f"`procwright serve`, 50 concurrent clients, 5 000 requests: `{name}` (ms, n={r['n']})",
              "procwright serve (release)", f"p50 {fmt(r['p50_ms'], ' ms')}", f"p99 {fmt(r['p99_ms'], ' ms')}",
              "", "0 5xx, no process left", "met")
    c = res["start_cost"]
    t.add(17, f"start one process over REST / through the library (p50 of 100, ms); the 5 000 requests took "
          f"{res['wall_s']:.1f} s (clients on the same 2 cores); server RSS after them {res['rss_mib']} MiB",
          "REST / library", f"{fmt(c['rest_ms'], ' ms')} / {fmt(c['library_ms'], ' ms')}", "",
          f"{fmt(c['rest_ms'] / c['library_ms'])}x the library call", "", "")
    return res

def row_mcp_rtt(t, q):
    """`procwright mcp` driven by the official Python MCP SDK: a `tools/call` round trip
    (`list_processes`), and the SDK's own `ping` round trip as the floor, alternated in
    one session."""
    n = 200 if q else 1000
    script = os.path.join(HERE, "py", "mcp_rtt.py")
    if not (os.path.exists(CLI_BIN) and os.path.exists(VENV_PY)):
        t.add(18, "MCP `tools/call` round trip, official Python SDK", "n/a", "not built")
        return {}
    p = subprocess.run([VENV_PY, script, CLI_BIN, str(n)], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
        t.add(18, "MCP `tools/call` round trip, official Python SDK", "n/a", "the SDK did not run")
        return {}
    r = json.loads(p.stdout)
    t.add(18, f"MCP round trip through the official Python SDK `mcp` 2.3.0, default mode (ms, n={r['n']})",
          "floor: the SDK's `ping` (no tool)", f"p50 {fmt(r['ping_p50_ms'], ' ms')}",
          f"p99 {fmt(r['ping_p99_ms'], ' ms')}", "", "", "")
    over = r["p50_ms"] - r["ping_p50_ms"]
    t.add(18, "", "procwright mcp `tools/call` `list_processes`", f"p50 {fmt(r['p50_ms'], ' ms')}",
          f"p99 {fmt(r['p99_ms'], ' ms')}", f"{fmt(r['p50_ms'] / r['ping_p50_ms'])}x ping, +{fmt(over, ' ms')}",
          "p50 ≤0.3 ms", verdict(r["p50_ms"] <= 0.3))
    return r


ROWS = {1: row_throughput, 2: row_spawn, 3: row_logwait, 4: row_portwait, 5: row_scale,
        6: row_membound, 7: row_status, 8: row_contention, 9: row_session_exec,
        10: row_stdin, 11: row_pty_echo, 12: row_tree_kill, 13: row_logs_since,
        14: row_anyport, 15: row_list_ports, 16: row_cli_run,
        17: row_rest_load, 18: row_mcp_rtt}


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
            f"Linux {platform.release()}; node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
            f"python {platform.python_version()}; commit {commit}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--only", default="", help="comma-separated row numbers, e.g. 1,3")
    a = ap.parse_args()
    only = [int(x) for x in a.only.split(",") if x] or list(ROWS)
    probe_bindings()
    start = time.time()
    load = os.getloadavg()[0]
    t = Table()
    raw = {}
    for r in only:
        print(f"== row {r}", file=sys.stderr)
        raw[r] = ROWS[r](t, a.quick)
    took = time.time() - start
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"Ran `bash benches/run.sh{' --quick' if a.quick else ''}` on {when}: {machine()}. "
              f"Load average {load:.2f} at the start; took {took / 60:.1f} min.")
    table = t.render()
    if EXIT_FAILURES:
        table += ("\n\nProcesses that exited non-zero (a result printed before the exit is kept): "
                  + "; ".join(EXIT_FAILURES) + ".")
    print()
    print(header)
    print()
    print(table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.md"), "w") as f:
        f.write(header + "\n\n" + table + "\n")
    with open(os.path.join(HERE, "results", "latest.json"), "w") as f:
        json.dump({"header": header, "raw": raw, "missing": MISSING, "exit_failures": EXIT_FAILURES}, f)


if __name__ == "__main__":
    main()

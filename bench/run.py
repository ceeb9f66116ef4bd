#!/usr/bin/env python3
"""Measures fc against raw axum (and raw hyper, the floor) in one run, on loopback.

Servers are pinned to CPU 0 and wrk to CPU 1. Prints a Markdown table with each
figure and the ratio fc / raw axum, and writes it to bench/results.md.
Run it with bench/run.sh (which installs wrk when missing).
"""

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target", "release")
SERVERS = ["fc", "axum", "hyper"]
DURATION = os.environ.get("BENCH_DURATION", "8s")
# Load runs interleave the servers, round after round, and keep each one's median:
# a shared machine's noise then hits all three alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS", "20"))
EVENT = json.dumps({"id": 1, "items": ["x" * 60 for _ in range(14)], "note": "n" * 40})
assert 900 <= len(EVENT) <= 1100, len(EVENT)


def sh(*args, **kw):
    return subprocess.run(args, check=True, cwd=ROOT, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, body, request_id="bench"):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/invoke",
        data=body,
        headers={"x-fc-control-path": "/invoke", "x-fc-request-id": request_id},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, resp.read()


def start(name, port):
    env = dict(os.environ, FC_SERVER_PORT=str(port), RUST_LOG="info")
    env.pop("FC_CUSTOM_LISTEN_PORT", None)
    return subprocess.Popen(
        ["taskset", "-c", "0", os.path.join(TARGET, f"echo-{name}")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                return
        except OSError:
            time.sleep(0.002)
    raise RuntimeError("server did not listen")


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def to_us(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1_000_000}[unit]


def wrk(port, connections):
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency",
         "-s", os.path.join(ROOT, "bench", "post.lua"), f"http://127.0.0.1:{port}/invoke"],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, BENCH_EVENT=EVENT),
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_us(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_us(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed responses:\n{out}")
    return rps, p50, p99


def load(name):
    port = free_port()
    proc = start(name, port)
    try:
        wait_ready(port, proc)
        status, body = post(port, EVENT.encode())
        assert status == 200 and json.loads(body) == {"echo": json.loads(EVENT)}, body
        idle = rss_kib(proc.pid)
        c1 = wrk(port, 1)
        c16 = wrk(port, 16)
        peak = rss_kib(proc.pid, "VmHWM")
        return {"idle": idle, "peak": peak, "c1": c1, "c16": c16}
    finally:
        proc.kill()
        proc.wait()


def median_load(name, runs):
    """Each figure's median over the rounds."""
    pick = lambda key, i=None: statistics.median(r[key] if i is None else r[key][i] for r in runs)
    return {
        "idle": pick("idle"),
        "peak": max(r["peak"] for r in runs),
        "c1": tuple(pick("c1", i) for i in range(3)),
        "c16": tuple(pick("c16", i) for i in range(3)),
    }


def big_event(name, size=20 * 1024 * 1024):
    port = free_port()
    proc = start(name, port)
    try:
        wait_ready(port, proc)
        body = b'"' + b"x" * (size - 2) + b'"'
        status, out = post(port, body)
        assert status == 200 and len(out) > size, (status, len(out))
        return rss_kib(proc.pid, "VmHWM")
    finally:
        proc.kill()
        proc.wait()


def cold_start(name):
    times = []
    for _ in range(COLD_STARTS):
        port = free_port()
        began = time.perf_counter()
        proc = start(name, port)
        try:
            while True:
                try:
                    status, _ = post(port, b"{}")
                    if status == 200:
                        break
                except OSError:
                    time.sleep(0.0005)
            times.append((time.perf_counter() - began) * 1000)
        finally:
            proc.kill()
            proc.wait()
    return statistics.median(times)


def stripped_size(name):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, name)
        sh("strip", "-o", out, os.path.join(TARGET, f"echo-{name}"))
        return os.path.getsize(out)


def build_times(features):
    """Clean and incremental release build of echo-fc, in a target dir of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["cargo", "build", "--quiet", "--release", "-p", "fc-bench", "--bin", "echo-fc",
               "--target-dir", tmp] + features
        began = time.perf_counter()
        sh(*cmd)
        clean = time.perf_counter() - began
        source = os.path.join(ROOT, "bench", "src", "bin", "echo-fc.rs")
        os.utime(source)
        began = time.perf_counter()
        sh(*cmd)
        incremental = time.perf_counter() - began
        size_cmd = os.path.join(tmp, "release", "echo-fc")
        stripped = os.path.join(tmp, "stripped")
        sh("strip", "-o", stripped, size_cmd)
        return clean, incremental, os.path.getsize(stripped)


def main():
    sh("cargo", "build", "--quiet", "--release", "-p", "fc-bench")
    runs = {name: [] for name in SERVERS}
    for _ in range(ROUNDS):
        for name in SERVERS:
            runs[name].append(load(name))
    results = {name: median_load(name, runs[name]) for name in SERVERS}
    for name in SERVERS:
        results[name]["big"] = big_event(name)
        results[name]["cold"] = cold_start(name)
        results[name]["size"] = stripped_size(name)
    if os.environ.get("BENCH_SKIP_BUILD_TIMES"):
        clean = incremental = clean_ev = incremental_ev = float("nan")
        size_ev = 0
    else:
        clean, incremental, _ = build_times([])
        clean_ev, incremental_ev, size_ev = build_times(["--features", "events"])

    def row(label, key, fmt, better="higher"):
        fc, ax, hy = (key(results[n]) for n in SERVERS)
        ratio = fc / ax if ax else float("nan")
        return f"| {label} | {fmt(fc)} | {fmt(ax)} | {fmt(hy)} | {ratio:.2f} |"

    mb = lambda kib: f"{kib / 1024:.1f} MB"
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}; "
        f"servers on CPU 0, wrk on CPU 1, 1 KB JSON event; load figures are medians of {ROUNDS} "
        f"interleaved rounds of {DURATION} per server and concurrency.",
        "",
        "| figure | fc | raw axum | raw hyper | fc / axum |",
        "|---|---|---|---|---|",
        row("throughput, c=1 (req/s)", lambda r: r["c1"][0], lambda v: f"{v:,.0f}"),
        row("p50 latency, c=1", lambda r: r["c1"][1], lambda v: f"{v:.0f} µs"),
        row("p99 latency, c=1", lambda r: r["c1"][2], lambda v: f"{v:.0f} µs"),
        row("throughput, c=16 (req/s)", lambda r: r["c16"][0], lambda v: f"{v:,.0f}"),
        row("p50 latency, c=16", lambda r: r["c16"][1], lambda v: f"{v:.0f} µs"),
        row("p99 latency, c=16", lambda r: r["c16"][2], lambda v: f"{v:.0f} µs"),
        row(f"cold start, median of {COLD_STARTS} (exec → first 200)", lambda r: r["cold"], lambda v: f"{v:.1f} ms"),
        row("idle RSS", lambda r: r["idle"], mb),
        row("peak RSS under load", lambda r: r["peak"], mb),
        row("peak RSS, one 20 MB event", lambda r: r["big"], mb),
        row("stripped binary", lambda r: r["size"], lambda v: f"{v / 1e6:.2f} MB"),
        "",
        f"p99 at c=16, fc − axum: {results['fc']['c16'][2] - results['axum']['c16'][2]:+.0f} µs; "
        f"at c=1: {results['fc']['c1'][2] - results['axum']['c1'][2]:+.0f} µs.",
        "",
        "| echo-fc release build | default features off | with `events` |",
        "|---|---|---|",
        f"| clean | {clean:.0f} s | {clean_ev:.0f} s |",
        f"| incremental (touch the function) | {incremental:.1f} s | {incremental_ev:.1f} s |",
        f"| stripped binary | {results['fc']['size'] / 1e6:.2f} MB | {size_ev / 1e6:.2f} MB |",
    ]
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write(f"# Benchmark results ({time.strftime('%Y-%m-%d')})\n\n{table}\n")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    for tool in ["wrk", "taskset", "strip", "cargo"]:
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing (bench/run.sh installs wrk)")
    main()

#!/usr/bin/env python3
"""Measures fc on loopback, in one run.

Default: fc's glibc release build, fc as `fc-local package` packages it (the artifact
users deploy), the same FC work by hand on raw axum, and on raw hyper (the floor).
`--grpc`: a gRPC unary call through fc against tonic's own server, over one h2c
connection, and the load figures of fc as `fc-local package` builds it (bench/grpc.md).
`--candidates`: the ways to build the deployed artifact (musl with its own allocator,
with mimalloc, with jemalloc; glibc linked against glibc 2.28 with cargo-zigbuild; a
static glibc build) against the plain glibc build, each built clean.

Servers are pinned to CPU 0 and wrk to CPU 1. The servers of a table run throughout,
and each load runs on them one after the other, round after round: each figure is a
median over the rounds, and a ratio the median of the rounds' own ratios, so a shared
machine's noise hits all alike.
Instructions per invocation come from callgrind (deterministic): the Ir of 1100
sequential keep-alive invocations minus that of 100, over 1000. Run it with
bench/run.sh (which installs wrk when missing); it writes bench/results.md, or
bench/candidates.md with --candidates.
"""

import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target")
MUSL = "x86_64-unknown-linux-musl"
DURATION = os.environ.get("BENCH_DURATION", "3s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS", "20"))
EVENT = json.dumps({"id": 1, "items": ["x" * 60 for _ in range(14)], "note": "n" * 40})
assert 900 <= len(EVENT) <= 1100, len(EVENT)
HEADERS = {
    "x-fc-control-path": "/invoke",
    "x-fc-request-id": "1-67adb489-15d49184-2d4fa002fa2b",
    "content-type": "application/octet-stream",
}


def sh(*args, **kw):
    return subprocess.run(args, check=True, cwd=ROOT, **kw)


def log(text):
    print(f"bench: {text}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/invoke", data=body, headers=HEADERS)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, resp.read()


# Other engineers compile on this machine: as root, the bench runs at the highest
# priority, so a compile job on the servers' or wrk's CPU takes little of its time. The
# kernel shares CPU time between sessions (autogroups) before nice values within one
# count, so run.sh starts the bench in a session of its own and it raises that
# session's priority (/proc/self/autogroup), then the servers' and wrk's own.
ROOT_USER = os.geteuid() == 0
NICE = ("nice", "-n", "-20") if ROOT_USER else ()


def raise_priority():
    if not ROOT_USER:
        return
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write("-20")
    except OSError as e:
        log(f"cannot raise this session's priority ({e}): figures may be noisier")


def start(path, port, prefix=(*NICE, "taskset", "-c", "0")):
    env = dict(os.environ, FC_SERVER_PORT=str(port), RUST_LOG="info")
    env.pop("FC_CUSTOM_LISTEN_PORT", None)
    return subprocess.Popen(
        [*prefix, path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
        [*NICE, "taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency",
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


@contextlib.contextmanager
def running(servers, ready):
    """Every server started on CPU 0 and checked with `ready(port)`, all of them running
    throughout: {name: (process, port)}. Each is idle while another is loaded (an idle
    server uses no CPU). All are killed on the way out."""
    procs = {}
    try:
        for name, path in servers.items():
            port = free_port()
            procs[name] = (start(path, port), port)
            wait_ready(port, procs[name][0])
            ready(port)
        yield procs
    finally:
        for proc, _ in procs.values():
            proc.kill()
            proc.wait()


def in_turn(servers, i):
    """Round `i`'s order of the servers: as listed in even rounds, reversed in odd ones, so
    that no server always runs first."""
    return list(servers) if i % 2 == 0 else list(reversed(servers))


def echoes(port):
    """The echo function answers an invocation with its event."""
    status, body = post(port, EVENT.encode())
    assert status == 200 and json.loads(body) == {"echo": json.loads(EVENT)}, body


def paired_load(servers, concurrencies):
    """The servers all run throughout, each idle on CPU 0 while another is loaded; each
    round runs every load on them one after the other, in an order that alternates from
    round to round, so that a figure and the same figure of another server are taken
    seconds apart (this machine's speed drifts over minutes). Per server: idle RSS after
    one invocation, peak RSS, each load's (req/s, p50, p99) round by round (`runs`) and
    their medians (`c1`, `c16`, ...), and the spread of its c16 throughput (max / min of
    the rounds)."""
    runs = {name: {c: [] for c in concurrencies} for name in servers}
    with running(servers, echoes) as procs:
        idle = {name: rss_kib(proc.pid) for name, (proc, _) in procs.items()}
        for i in range(ROUNDS):
            log(f"load round {i + 1}/{ROUNDS}")
            for c in concurrencies:
                for name in in_turn(servers, i):
                    runs[name][c].append(wrk(procs[name][1], c))
        peak = {name: rss_kib(proc.pid, "VmHWM") for name, (proc, _) in procs.items()}
    results = {}
    for name in servers:
        c16 = [r[0] for r in runs[name][16]]
        results[name] = {"idle": idle[name], "peak": peak[name], "runs": runs[name],
                         "spread": max(c16) / min(c16)}
        for c in concurrencies:
            results[name][f"c{c}"] = tuple(
                statistics.median(r[i] for r in runs[name][c]) for i in range(3))
    return results


def big_event(path, size=20 * 1024 * 1024):
    port = free_port()
    proc = start(path, port)
    try:
        wait_ready(port, proc)
        body = b'"' + b"x" * (size - 2) + b'"'
        status, out = post(port, body)
        assert status == 200 and len(out) > size, (status, len(out))
        return rss_kib(proc.pid, "VmHWM")
    finally:
        proc.kill()
        proc.wait()


def cold_start(path):
    """Median time from exec to the first 200 answer."""
    times = []
    for _ in range(COLD_STARTS):
        port = free_port()
        began = time.perf_counter()
        proc = start(path, port)
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


def callgrind_total(path, drive):
    """Total instructions (Ir) callgrind counts in the server's process while
    `drive(port)` talks to it, start-up and shutdown (SIGTERM) included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        port = free_port()
        # On CPU 0 alone, as under load: the runtime then has one worker, and how
        # often two workers park and wake (which moves a count by several hundred
        # instructions per invocation from run to run) is out of the figure.
        proc = start(path, port, ("taskset", "-c", "0", "valgrind", "--tool=callgrind",
                                  f"--callgrind-out-file={out}"))
        try:
            wait_ready(port, proc, timeout=120)
            drive(port)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise RuntimeError(f"no callgrind total for {path}")


def callgrind_ir(path, invocations):
    """Ir of the server serving `invocations` sequential keep-alive invocations."""
    def drive(port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = EVENT.encode()
        for _ in range(invocations):
            conn.request("POST", "/invoke", body=body, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, resp.status
        conn.close()
    return callgrind_total(path, drive)


def instructions(path):
    """User-space instructions per invocation: (Ir at 1100 − Ir at 100) / 1000."""
    return (callgrind_ir(path, 1100) - callgrind_ir(path, 100)) / 1000


def stripped_size(path):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stripped")
        sh("strip", "-o", out, path)
        return os.path.getsize(out)


def elf(path):
    """How the binary links: static, static-pie or dynamic (with its interpreter), and
    the newest GLIBC_ symbol version it needs."""
    headers = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    interp = re.search(r"Requesting program interpreter: ([^\]]+)\]", headers)
    dynamic = re.search(r"^\s*DYNAMIC\s", headers, re.M)
    versions = subprocess.run(["readelf", "-VW", path], capture_output=True, text=True).stdout
    glibc = sorted({tuple(map(int, v.split("."))) for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", versions)})
    kind = f"dynamic ({interp.group(1)})" if interp else ("static-pie" if dynamic else "static")
    need = f"GLIBC_{'.'.join(map(str, glibc[-1]))}" if glibc else "no glibc"
    return kind, need


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def machine_line():
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), Linux "
        f"{platform.release()}; servers on CPU 0, wrk on CPU 1{', both at nice -20 in a session (autogroup) at nice -20' if NICE else ''}, 1 KB JSON "
        f"event; load figures are medians of {ROUNDS} interleaved rounds of {DURATION} per server and concurrency."
    )


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# --- bench/run.sh: fc glibc, fc packaged, raw axum, raw hyper -----------------------

def package_echo_fc(out):
    """`fc-local package` on echo-fc, with fc-local's defaults: the artifact a user
    deploys. Returns the bootstrap's path."""
    sh("cargo", "run", "--quiet", "-p", "fc-local", "--", "package", "-p", "fc-bench",
       "--bin", "echo-fc", "--out", out, stdout=subprocess.DEVNULL)
    return os.path.join(out, "bootstrap")


def build_times(extra):
    """Clean and incremental release build of echo-fc, in a target dir of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["cargo", "build", "--quiet", "--release", "-p", "fc-bench", "--bin", "echo-fc",
               "--target-dir", tmp] + extra
        began = time.perf_counter()
        sh(*cmd)
        clean = time.perf_counter() - began
        os.utime(os.path.join(ROOT, "bench", "src", "bin", "echo-fc.rs"))
        began = time.perf_counter()
        sh(*cmd)
        incremental = time.perf_counter() - began
        return clean, incremental, stripped_size(os.path.join(tmp, "release", "echo-fc"))


def main():
    log("building the servers (release) and the fc-local package of echo-fc")
    sh("cargo", "build", "--quiet", "--release", "-p", "fc-bench")
    release = os.path.join(TARGET, "release")
    servers = {
        "fc": os.path.join(release, "echo-fc"),
        "package": package_echo_fc(os.path.join(TARGET, "fc-bench", "package")),
        "axum": os.path.join(release, "echo-axum"),
        "hyper": os.path.join(release, "echo-hyper"),
    }
    kind, need = elf(servers["package"])
    loads = [load_average()]
    # An instance takes up to 200 invocations at once (FC's limit per instance).
    results = paired_load(servers, (1, 16, 200))
    loads.append(load_average())
    for name, path in servers.items():
        log(f"callgrind, cold starts, 20 MB event: {name}")
        results[name]["ir"] = instructions(path)
        results[name]["big"] = big_event(path)
        results[name]["cold"] = cold_start(path)
        results[name]["size"] = stripped_size(path)
    if os.environ.get("BENCH_SKIP_BUILD_TIMES"):
        clean = incremental = clean_bare = incremental_bare = float("nan")
        size_bare = 0
    else:
        log("clean builds of echo-fc")
        clean, incremental, _ = build_times([])
        clean_bare, incremental_bare, size_bare = build_times(["--no-default-features"])

    names = list(servers)

    def row(label, key, fmt):
        fc, pkg, ax, hy = (key(results[n]) for n in names)
        ratio = lambda a, b: f"{a / b:.2f}" if b else "–"
        return (f"| {label} | {fmt(fc)} | {fmt(pkg)} | {fmt(ax)} | {fmt(hy)} | "
                f"{ratio(fc, ax)} | {ratio(fc, hy)} | {ratio(pkg, fc)} |")

    def load_row(label, c, i, fmt):
        """A load figure: each server's median over the rounds; a ratio, the median of
        the rounds' own ratios (each of two runs seconds apart)."""
        fc, pkg, ax, hy = (results[n][f"c{c}"][i] for n in names)
        paired = lambda a, b: statistics.median(
            x[i] / y[i] for x, y in zip(results[a]["runs"][c], results[b]["runs"][c]))
        return (f"| {label} | {fmt(fc)} | {fmt(pkg)} | {fmt(ax)} | {fmt(hy)} | "
                f"{paired('fc', 'axum'):.2f} | {paired('fc', 'hyper'):.2f} | {paired('package', 'fc'):.2f} |")

    mb = lambda kib: f"{kib / 1024:.1f} MB"
    spread = max(r["spread"] for r in results.values())
    lines = [
        machine_line(),
        f"fc packaged: `fc-local package` with its defaults ({MUSL}, jemalloc): {kind}, {need}.",
        "",
        "| figure | fc (glibc) | fc packaged | raw axum | raw hyper | fc / axum | fc / hyper | packaged / fc |",
        "|---|---|---|---|---|---|---|---|",
        row("instructions per invocation (callgrind)", lambda r: r["ir"], lambda v: f"{v / 1000:.1f} k"),
        *(load_row(f"{what}, c={c}{' (req/s)' if i == 0 else ''}", c, i, fmt)
          for c in (1, 16, 200)
          for i, what, fmt in ((0, "throughput", lambda v: f"{v:,.0f}"),
                               (1, "p50 latency", lambda v: f"{v:.0f} µs"),
                               (2, "p99 latency", lambda v: f"{v:.0f} µs"))),
        row(f"cold start, median of {COLD_STARTS} (exec → first 200)", lambda r: r["cold"], lambda v: f"{v:.1f} ms"),
        row("idle RSS", lambda r: r["idle"], mb),
        row("peak RSS under load", lambda r: r["peak"], mb),
        row("peak RSS, one 20 MB event", lambda r: r["big"], mb),
        row("stripped binary", lambda r: r["size"], lambda v: f"{v / 1e6:.2f} MB"),
        "",
        "The four servers run throughout, each idle on CPU 0 while another is loaded; each load runs on them one "
        "after the other, in an order that alternates from round to round. A load figure is a server's median over "
        "the rounds; its ratios are medians of the rounds' own ratios, each of two runs seconds apart.",
        "",
        "Instructions: user-space, the server on CPU 0 alone, (Ir at 1100 sequential keep-alive invocations − Ir at 100) "
        "/ 1000. Noise: the rounds' c16 throughput varied by up to "
        f"{(spread - 1) * 100:.0f} % (max / min of one server's rounds); 1-minute load average "
        f"{loads[0]:.1f} before the load runs, {loads[1]:.1f} after.",
        "",
        "| echo-fc release build (glibc) | default features | `--no-default-features` |",
        "|---|---|---|",
        f"| clean | {clean:.0f} s | {clean_bare:.0f} s |",
        f"| incremental (touch the function) | {incremental:.1f} s | {incremental_bare:.1f} s |",
        f"| stripped binary | {results['fc']['size'] / 1e6:.2f} MB | {size_bare / 1e6:.2f} MB |",
    ]
    write("results.md", "Benchmark results", "\n".join(lines))


def write(name, title, table):
    print(table)
    with open(os.path.join(ROOT, "bench", name), "w") as f:
        f.write(f"# {title} ({time.strftime('%Y-%m-%d')})\n\n{table}\n")


# --- bench/run.sh --candidates: how to build the deployed artifact -------------------

ZIG_GLIBC = "x86_64-unknown-linux-gnu.2.28"

# name, cargo command (after `cargo`), --target dir part, what the user installs.
CANDIDATES = [
    ("glibc (reference)", ["build"], None,
     "nothing (runs where glibc ≥ the build machine's)"),
    ("musl, its own malloc", ["build", "--target", MUSL, "--no-default-features", "--features", "events"], MUSL,
     f"`rustup target add {MUSL}`"),
    ("musl + mimalloc", ["build", "--target", MUSL, "--no-default-features", "--features", "events,mimalloc"], MUSL,
     f"`rustup target add {MUSL}`, musl-tools (musl-gcc, for mimalloc's C)"),
    ("musl + jemalloc (fc's default)", ["build", "--target", MUSL], MUSL,
     f"`rustup target add {MUSL}`, musl-tools (musl-gcc, for jemalloc's C), make"),
    ("glibc 2.28 (cargo-zigbuild)", ["zigbuild", "--target", ZIG_GLIBC], "x86_64-unknown-linux-gnu",
     "`pip install ziglang cargo-zigbuild` (zig 0.17, cargo-zigbuild 0.24)"),
    ("static glibc (crt-static)", ["build", "--target", "x86_64-unknown-linux-gnu"], "x86_64-unknown-linux-gnu",
     "nothing (glibc's static libc.a, in libc6-dev)"),
]


def build_candidate(index, name, args, triple):
    """A clean release build of echo-fc in a target dir of its own; its time and path."""
    target_dir = os.path.join(TARGET, "bench-candidates", str(index))
    path = os.path.join(target_dir, triple or "", "release", "echo-fc")
    took_file = os.path.join(target_dir, "clean-build-seconds")
    if os.environ.get("BENCH_REUSE_BUILDS") and os.path.exists(path) and os.path.exists(took_file):
        # Measure the load again on the binaries (and clean build times) of a previous run.
        with open(took_file) as f:
            return float(f.read()), path
    shutil.rmtree(target_dir, ignore_errors=True)
    env = dict(os.environ)
    if name.startswith("static glibc"):
        env["RUSTFLAGS"] = "-C target-feature=+crt-static"
    cmd = ["cargo", *args, "--quiet", "--release", "--locked", "-p", "fc-bench", "--bin", "echo-fc",
           "--target-dir", target_dir]
    log(f"clean build: {name}: {' '.join(cmd)}")
    began = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    took = time.perf_counter() - began
    with open(took_file, "w") as f:
        f.write(f"{took:.1f}")
    return took, path


def candidates():
    built = {}
    loads = [load_average()]
    for i, (name, args, triple, _) in enumerate(CANDIDATES):
        built[name] = build_candidate(i, name, args, triple)
    loads.append(load_average())
    servers = {name: path for name, (_, path) in built.items()}
    results = paired_load(servers, (1, 16))
    loads.append(load_average())
    for name, path in servers.items():
        log(f"callgrind, cold starts, 20 MB event: {name}")
        results[name]["ir"] = instructions(path)
        results[name]["cold"] = cold_start(path)
        results[name]["big"] = big_event(path)
    ref = results[CANDIDATES[0][0]]
    lines = [
        machine_line(),
        "Each candidate is echo-fc (bench/src/bin/echo-fc.rs), built clean with `--release "
        "--locked` in a target dir of its own, one after the other"
        + (" (binaries and clean build times of an earlier run: BENCH_REUSE_BUILDS)."
           if os.environ.get("BENCH_REUSE_BUILDS") else "."),
        "",
        "| candidate | c1 req/s | c16 req/s | c16 vs glibc | p99 c1 | p99 c16 | p99 c16 vs glibc "
        "| exec → first 200 | idle RSS | peak RSS | peak RSS, 20 MB event | stripped | clean build | instr./invocation "
        "| links | the user installs |",
        "|---" * 16 + "|",
    ]
    for name, _, _, needs in CANDIDATES:
        r = results[name]
        took, path = built[name]
        kind, need = elf(path)
        lines.append(
            f"| {name} | {r['c1'][0]:,.0f} | {r['c16'][0]:,.0f} | {r['c16'][0] / ref['c16'][0]:.2f}× "
            f"| {r['c1'][2]:.0f} µs | {r['c16'][2]:.0f} µs | {r['c16'][2] / ref['c16'][2]:.2f}× "
            f"| {r['cold']:.1f} ms | {r['idle'] / 1024:.1f} MB | {r['peak'] / 1024:.1f} MB "
            f"| {r['big'] / 1024:.1f} MB "
            f"| {stripped_size(path) / 1e6:.2f} MB | {took:.0f} s | {r['ir'] / 1000:.1f} k "
            f"| {kind}, {need} | {needs} |"
        )
    spread = {name: r["spread"] for name, r in results.items()}
    lines += [
        "",
        "Noise: a round's c16 throughput over another's, worst per candidate: "
        + ", ".join(f"{name} {(s - 1) * 100:.0f} %" for name, s in spread.items())
        + f". 1-minute load average: {loads[0]:.1f} before the builds, {loads[1]:.1f} after, "
        f"{loads[2]:.1f} after the load runs (other engineers build on this machine).",
    ]
    write("candidates.md", "Deployed-artifact candidates", "\n".join(lines))


# --- bench/run.sh --grpc: a gRPC call through fc against tonic's own server ----------

GRPC_STREAMS = (1, 16, 200)
# More and shorter rounds than wrk's: the gRPC ratios are medians of the rounds' own.
GRPC_ROUNDS = int(os.environ.get("BENCH_GRPC_ROUNDS", "7"))
GRPC_SECONDS = int(os.environ.get("BENCH_GRPC_DURATION", "3s").rstrip("s"))
H2LOAD_STREAMS = (16, 200)


def grpc_client(client, port, *args):
    return subprocess.run([*NICE, "taskset", "-c", "1", client, str(port), *map(str, args)],
                          check=True, capture_output=True, text=True).stdout


# helloworld.HelloRequest { name: "FC" } as one gRPC message: the 5-byte prefix
# (uncompressed, length) and the protobuf (field 1, length-delimited, "FC").
GRPC_HELLO = b"\x00\x00\x00\x00\x04" + b"\x0a\x02FC"


def h2load(port, streams, body_file):
    """nghttp2's h2load against the greeter: one connection, `streams` at once, for
    GRPC_SECONDS; (calls/s, mean µs). An independent client: not tonic's."""
    out = subprocess.run(
        [*NICE, "taskset", "-c", "1", "h2load", "-c1", "-t1", f"-m{streams}",
         f"-D{GRPC_SECONDS}", "-d", body_file,
         "-H", "content-type: application/grpc", "-H", "te: trailers",
         f"http://127.0.0.1:{port}/helloworld.Greeter/SayHello"],
        check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"finished in [^,]+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    assert done and done.group(1) == done.group(2), out
    mean = to_us(re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out).group(1))
    return rate, mean


def grpc_ir(path, client, calls, *flags):
    """Ir of the server answering `calls` sequential unary calls on one h2c connection."""
    return callgrind_total(path, lambda port: grpc_client(client, port, *flags, "calls", calls))


def grpc_ir_spread(path, client, streams, calls):
    """Ir of the server answering `calls` unary calls made `streams` at once on one h2c
    connection. Under callgrind the server is the slow side, so the client always has
    `streams` calls waiting: the server takes them in bursts, as FC's gateway sends
    them to a busy instance."""
    return callgrind_total(path, lambda port: grpc_client(client, port, "spread", streams, calls))


GRPC_IR_STREAMS = 16
# The loads also run with the headers FC's gateway sends with every call (`--fc-headers`):
# what an instance in FC gets.
FC_HEADER_STREAMS = (16, 200)


def grpc():
    log("building the gRPC servers and client (release, fc-bench --features grpc)")
    target_dir = os.path.join(TARGET, "bench-grpc")
    sh("cargo", "build", "--quiet", "--release", "-p", "fc-bench", "--features", "grpc",
       "--bin", "grpc-fc", "--bin", "grpc-tonic", "--bin", "grpc-client", "--target-dir", target_dir)
    # The same greeter as `fc-local package` builds a function: static musl, with fc's
    # default features (jemalloc, fc's memcpy). Built directly: fc-local package builds a
    # crate's own features, and grpc is the bench crate's.
    log(f"building the packaged gRPC server ({MUSL}, fc's defaults)")
    sh("rustup", "target", "add", MUSL, stdout=subprocess.DEVNULL)
    sh("cargo", "build", "--quiet", "--release", "--target", MUSL, "-p", "fc-bench", "--features", "grpc",
       "--bin", "grpc-fc", "--target-dir", target_dir)
    release = os.path.join(target_dir, "release")
    client = os.path.join(release, "grpc-client")
    servers = {
        "fc": os.path.join(release, "grpc-fc"),
        "tonic": os.path.join(release, "grpc-tonic"),
        "packaged": os.path.join(target_dir, MUSL, "release", "grpc-fc"),
    }
    runs = {name: {n: [] for n in GRPC_STREAMS} for name in servers}
    with_fc = {name: {n: [] for n in FC_HEADER_STREAMS} for name in servers}
    h2 = {name: {n: [] for n in H2LOAD_STREAMS} for name in servers}
    body_file = os.path.join(target_dir, "hello.grpc")
    with open(body_file, "wb") as f:
        f.write(GRPC_HELLO)
    loads = [load_average()]
    # All three servers run throughout (each idle on CPU 0 while another is loaded), and
    # each load runs on them one after the other, a few seconds apart: this machine's
    # speed drifts over minutes, and a ratio of two runs taken far apart carries the
    # drift. Each round alternates the order.
    kinds = ([("bare", n) for n in GRPC_STREAMS] + [("fc", n) for n in FC_HEADER_STREAMS]
             + [("h2load", n) for n in H2LOAD_STREAMS])
    with running(servers, lambda port: grpc_client(client, port, "calls", 10)) as procs:
        for i in range(GRPC_ROUNDS):
            log(f"gRPC load round {i + 1}/{GRPC_ROUNDS}")
            for kind, n in kinds:
                for name in in_turn(servers, i):
                    port = procs[name][1]
                    if kind == "bare":
                        out = grpc_client(client, port, "load", n, GRPC_SECONDS)
                        runs[name][n].append(tuple(map(float, out.split())))
                    elif kind == "fc":
                        out = grpc_client(client, port, "--fc-headers", "load", n, GRPC_SECONDS)
                        with_fc[name][n].append(tuple(map(float, out.split())))
                    else:
                        h2[name][n].append(h2load(port, n, body_file))
    loads.append(load_average())
    ir, ir_load, ir_fc = {}, {}, {}
    for name in ("fc", "tonic"):
        path = servers[name]
        log(f"callgrind: {name}")
        ir[name] = (grpc_ir(path, client, 1100) - grpc_ir(path, client, 100)) / 1000
        log(f"callgrind, FC's headers: {name}")
        ir_fc[name] = (grpc_ir(path, client, 1100, "--fc-headers")
                       - grpc_ir(path, client, 100, "--fc-headers")) / 1000
        log(f"callgrind, {GRPC_IR_STREAMS} streams: {name}")
        ir_load[name] = (grpc_ir_spread(path, client, GRPC_IR_STREAMS, 2100)
                         - grpc_ir_spread(path, client, GRPC_IR_STREAMS, 100)) / 2000
    med = lambda name, n, i: statistics.median(r[i] for r in runs[name][n])
    # A ratio is the median of the rounds' own ratios: each pairs two runs seconds apart.
    paired = lambda rs, name, n, i: statistics.median(
        a[i] / b[i] for a, b in zip(rs[name][n], rs["tonic"][n]))
    lines = [
        machine_line().replace("wrk on CPU 1", "grpc-client on CPU 1").replace("1 KB JSON event", "helloworld.Greeter/SayHello")
        .replace(f"medians of {ROUNDS} interleaved rounds of {DURATION} per server and concurrency",
                 f"medians of {GRPC_ROUNDS} rounds of {GRPC_SECONDS} s per server and load"),
        "Every call is a stream of one h2c connection, as FC's gateway sends them; the client is "
        "tonic's (bench/src/bin/grpc-client.rs). grpc-fc serves the greeter as an `#[fc::http]` "
        "function (markers, Context, span, deadline, x-fc-status per call); grpc-tonic serves it "
        "with tonic's own server, which does none of FC's work. fc packaged is grpc-fc as "
        f"`fc-local package` builds a function ({MUSL}, fc's default features: jemalloc and "
        "fc's memcpy); fc and tonic's server are glibc builds.",
        "",
        "| figure | fc | tonic's server | fc / tonic | fc packaged | packaged / tonic |",
        "|---|---|---|---|---|---|",
        f"| instructions per call (callgrind) | {ir['fc'] / 1000:.1f} k | {ir['tonic'] / 1000:.1f} k "
        f"| {ir['fc'] / ir['tonic']:.2f} | – | – |",
        f"| instructions per call, {GRPC_IR_STREAMS} concurrent streams (callgrind) "
        f"| {ir_load['fc'] / 1000:.1f} k | {ir_load['tonic'] / 1000:.1f} k "
        f"| {ir_load['fc'] / ir_load['tonic']:.2f} | – | – |",
        f"| instructions per call, FC's request headers (callgrind) | {ir_fc['fc'] / 1000:.1f} k "
        f"| {ir_fc['tonic'] / 1000:.1f} k | {ir_fc['fc'] / ir_fc['tonic']:.2f} | – | – |",
    ]
    for n in GRPC_STREAMS:
        fc_rate, tonic_rate, pk_rate = med("fc", n, 0), med("tonic", n, 0), med("packaged", n, 0)
        streams = f"{n} concurrent stream{'s' if n > 1 else ''}"
        lines.append(f"| calls/s, {streams} | {fc_rate:,.0f} | {tonic_rate:,.0f} | {paired(runs, 'fc', n, 0):.2f} "
                     f"| {pk_rate:,.0f} | {paired(runs, 'packaged', n, 0):.2f} |")
        fc_p99, tonic_p99, pk_p99 = med("fc", n, 2), med("tonic", n, 2), med("packaged", n, 2)
        lines.append(f"| p99 latency, {streams} | {fc_p99:.0f} µs | {tonic_p99:.0f} µs | {paired(runs, 'fc', n, 2):.2f} "
                     f"| {pk_p99:.0f} µs | {paired(runs, 'packaged', n, 2):.2f} |")
    for n in FC_HEADER_STREAMS:
        rate = {name: statistics.median(r[0] for r in with_fc[name][n]) for name in servers}
        p99 = {name: statistics.median(r[2] for r in with_fc[name][n]) for name in servers}
        lines.append(f"| calls/s, {n} concurrent streams, FC's request headers | {rate['fc']:,.0f} "
                     f"| {rate['tonic']:,.0f} | {paired(with_fc, 'fc', n, 0):.2f} | {rate['packaged']:,.0f} "
                     f"| {paired(with_fc, 'packaged', n, 0):.2f} |")
        lines.append(f"| p99 latency, {n} concurrent streams, FC's request headers | {p99['fc']:.0f} µs "
                     f"| {p99['tonic']:.0f} µs | {paired(with_fc, 'fc', n, 2):.2f} | {p99['packaged']:.0f} µs "
                     f"| {paired(with_fc, 'packaged', n, 2):.2f} |")
    for n in H2LOAD_STREAMS:
        rate = {name: statistics.median(r[0] for r in h2[name][n]) for name in servers}
        mean = {name: statistics.median(r[1] for r in h2[name][n]) for name in servers}
        lines.append(f"| h2load calls/s, {n} concurrent streams | {rate['fc']:,.0f} | {rate['tonic']:,.0f} "
                     f"| {paired(h2, 'fc', n, 0):.2f} | {rate['packaged']:,.0f} | {paired(h2, 'packaged', n, 0):.2f} |")
        lines.append(f"| h2load mean latency, {n} concurrent streams | {mean['fc']:.0f} µs | {mean['tonic']:.0f} µs "
                     f"| {paired(h2, 'fc', n, 1):.2f} | {mean['packaged']:.0f} µs | {paired(h2, 'packaged', n, 1):.2f} |")
    lines += [
        "",
        "FC's request headers: every call also carries the fifteen headers FC's gateway adds "
        "to an HTTP function's request (`grpc-client --fc-headers`: a request id of its own, the "
        "function's metadata and timeout, the role's STS credentials). Both servers decode "
        "them; fc also reads them into each call's Context and arms the function's deadline.",
        "",
        "The three servers run throughout, each idle on CPU 0 while another is loaded; each "
        "load runs on them one after the other, in an order that alternates from round to "
        "round. Calls/s and latencies are medians over the rounds; a ratio is the median of "
        "the rounds' own ratios, each of two runs seconds apart.",
        "",
        "h2load is nghttp2's load generator (Debian's nghttp2-client): one connection, "
        "the same SayHello message as a raw gRPC frame; it reports means, not percentiles.",
        "",
        f"Instructions: user-space, in the server on CPU 0 alone, (Ir at 1100 sequential calls − Ir at 100) / 1000: "
        f"fc's per-stream overhead is {(ir['fc'] - ir['tonic']) / 1000:.1f} k instructions a call. "
        f"With {GRPC_IR_STREAMS} concurrent streams, (Ir at 2100 calls − Ir at 100) / 2000, the calls "
        "coming in bursts (under callgrind the server is the slow side): "
        f"{(ir_load['fc'] - ir_load['tonic']) / 1000:.1f} k a call. "
        f"1-minute load average {loads[0]:.1f} before the load runs, {loads[1]:.1f} after.",
    ]
    write("grpc.md", "gRPC per-call cost", "\n".join(lines))


if __name__ == "__main__":
    tools = ["wrk", "taskset", "strip", "readelf", "valgrind", "cargo"]
    if sys.argv[1:] == ["--grpc"]:
        tools.append("h2load")
    for tool in tools:
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is missing (bench/run.sh installs wrk and valgrind)")
    raise_priority()
    if sys.argv[1:] == ["--candidates"]:
        candidates()
    elif sys.argv[1:] == ["--grpc"]:
        grpc()
    elif sys.argv[1:]:
        sys.exit("usage: bench/run.sh [--candidates | --grpc]")
    else:
        main()

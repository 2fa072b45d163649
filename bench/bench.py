#!/usr/bin/env python3
"""Measure vpm side by side with the service it replaces, in one run.

Run through `bench/run`, which installs what this needs and builds the
release binaries. Prints Markdown: the comparison with the reference
(FastAPI 0.110.0 / Uvicorn 0.29.0 / prometheus_client 0.20.0, written in
bench/reference/ from the original seed), then vpm's own pipeline figures.

Every figure is measured in this run on this machine; nothing is copied.
Load comes from `wrk` on the same machine, which competes with the server
for CPU: the absolute numbers understate both servers, the ratios are fair.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("VPM_BIN_DIR", ROOT / "target" / "release"))
WORK = Path(os.environ.get("VPM_WORK", ROOT / ".work"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_status(port: int, path: str = "/healthz", timeout: float = 0.5) -> int | None:
    """One HTTP/1.1 GET on a fresh connection; the status code, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            head = s.recv(64)
            m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
            return int(m.group(1)) if m else None
    except OSError:
        return None


@dataclass
class Server:
    """How to start one server under test."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def start(self, port: int) -> subprocess.Popen:
        env = dict(os.environ, **self.env, PORT=str(port))
        argv = [a.replace("{port}", str(port)) for a in self.argv]
        return subprocess.Popen(argv, env=env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for {pid}")


def start_to_first_200(server: Server, runs: int) -> float:
    """Median seconds from spawn to the first 200 on /healthz."""
    times = []
    for _ in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        proc = server.start(port)
        try:
            while True:
                if http_get_status(port) == 200:
                    times.append(time.perf_counter() - t0)
                    break
                if proc.poll() is not None:
                    raise RuntimeError(f"{server.name} exited with {proc.returncode}")
                if time.perf_counter() - t0 > 30:
                    raise RuntimeError(f"{server.name} did not answer within 30 s")
                time.sleep(0.0005)
        finally:
            stop(proc)
    return statistics.median(times)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _duration_ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, path: str, connections: int, seconds: int, threads: int) -> WrkResult:
    # wrk refuses more threads than connections.
    threads = min(threads, connections)
    url = f"http://127.0.0.1:{port}{path}"
    run = subprocess.run(
        ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"wrk -c{connections} {url} failed: {run.stderr.strip() or run.stdout.strip()}")
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _duration_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _duration_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return WrkResult(rps, p50, p99, errors)


@dataclass
class ServerFigures:
    start_s: float
    idle_rss_kib: int
    loaded_rss_kib: int
    load: dict[tuple[str, int], WrkResult]


def measure(server: Server, connections: list[int], seconds: int, threads: int, starts: int) -> ServerFigures:
    print(f"  {server.name}: start-to-first-200 over {starts} starts", file=sys.stderr)
    start_s = start_to_first_200(server, starts)
    port = free_port()
    proc = server.start(port)
    try:
        deadline = time.time() + 30
        while http_get_status(port) != 200:
            if time.time() > deadline:
                raise RuntimeError(f"{server.name} did not start")
            time.sleep(0.01)
        time.sleep(1.0)
        idle = rss_kib(proc.pid)
        load: dict[tuple[str, int], WrkResult] = {}
        for path in ("/healthz", "/metrics"):
            wrk(port, path, 8, 2, threads)  # warm-up
            for c in connections:
                print(f"  {server.name}: wrk {path} at {c} connections", file=sys.stderr)
                load[(path, c)] = wrk(port, path, c, seconds, threads)
        loaded = rss_kib(proc.pid, "VmHWM")
        return ServerFigures(start_s, idle, loaded, load)
    finally:
        stop(proc)


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.1f}×" if theirs else "n/a"


def comparison_table(ref: ServerFigures, vpm: ServerFigures, connections: list[int]) -> str:
    rows = ["| measure | reference (FastAPI) | vpm cell | ratio | goal |", "|---|---:|---:|---:|---|"]
    main_c = 64 if 64 in connections else connections[-1]
    for path, goal in (("/healthz", "≥ 50×"), ("/metrics", "≥ 20×")):
        for c in connections:
            r, v = ref.load[(path, c)], vpm.load[(path, c)]
            g = goal if c == main_c else ""
            rows.append(f"| `{path}` throughput, {c} conns (req/s) | {fmt_rate(r.rps)} | {fmt_rate(v.rps)} | {ratio(v.rps, r.rps)} | {g} |")
        for c in connections:
            r, v = ref.load[(path, c)], vpm.load[(path, c)]
            g = "p99 < 2 ms" if c == main_c else ""
            rows.append(
                f"| `{path}` p50 / p99, {c} conns (ms) | {r.p50_ms:.2f} / {r.p99_ms:.2f} | {v.p50_ms:.3f} / {v.p99_ms:.3f} | "
                f"{ratio(r.p99_ms, v.p99_ms)} lower p99 | {g} |"
            )
    rows.append(f"| start to first 200 (ms, median) | {ref.start_s * 1000:.1f} | {vpm.start_s * 1000:.2f} | {ratio(ref.start_s, vpm.start_s)} faster | < 10 ms |")
    rows.append(f"| idle RSS (MiB) | {ref.idle_rss_kib / 1024:.1f} | {vpm.idle_rss_kib / 1024:.1f} | {ratio(ref.idle_rss_kib, vpm.idle_rss_kib)} smaller | < 10 MiB |")
    rows.append(f"| peak RSS under load (MiB) | {ref.loaded_rss_kib / 1024:.1f} | {vpm.loaded_rss_kib / 1024:.1f} | {ratio(ref.loaded_rss_kib, vpm.loaded_rss_kib)} smaller | |")
    errors = sum(x.errors for x in ref.load.values()), sum(x.errors for x in vpm.load.values())
    rows.append(f"| errors during load (non-2xx, socket) | {errors[0]} | {errors[1]} | | 0 |")
    return "\n".join(rows)


def idle_rss_per_cell() -> str:
    rows = ["| cell | idle RSS (MiB) |", "|---|---:|"]
    for cell in ("curator", "planner", "synthesizer", "archivist"):
        with tempfile.TemporaryDirectory(prefix=f"vpm-bench-{cell}-") as data:
            port = free_port()
            proc = Server(cell, [str(BIN / cell)], {"VPM_DATA_DIR": data, "VPM_HOST": "127.0.0.1"}, Path(data)).start(port)
            try:
                deadline = time.time() + 30
                while http_get_status(port) != 200:
                    if time.time() > deadline:
                        raise RuntimeError(f"{cell} did not start")
                    time.sleep(0.01)
                time.sleep(1.0)
                rows.append(f"| {cell} | {rss_kib(proc.pid) / 1024:.1f} |")
            finally:
                stop(proc)
    return "\n".join(rows)


def pipeline_benches() -> str:
    """The cells' own benchmarks (Rust examples), each printing Markdown."""
    sections = []
    for crate, folder, example, title in (
        ("curator", "services/curator", "bench_curator", "curator"),
        ("planner", "services/planner", "bench_planner", "planner"),
        ("synthesizer", "services/synthesizer", "bench_synthesizer", "synthesizer"),
        ("archivist", "services/archivist", "bench_archivist", "archivist"),
        ("vpm-history", "crates/history", "bench_history", "history: changes and forecast"),
        ("vpm", "apps/vpm", "bench_snapshot", "the in-process snapshot, 2,000 tasks"),
    ):
        if not (ROOT / folder / "examples" / f"{example}.rs").exists():
            sections.append(f"_{crate}: benchmark not present in this checkout_")
            continue
        print(f"  cargo run --release -p {crate} --example {example}", file=sys.stderr)
        with tempfile.TemporaryDirectory() as data_dir:
            out = subprocess.run(
                ["cargo", "run", "--quiet", "--release", "--locked", "-p", crate, "--example", example],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                # The snapshot benchmark archives into a fresh data folder.
                env={**os.environ, "VPM_DATA_DIR": data_dir, "VPM_LOG": "warn"},
            ).stdout
        sections.append(f"### {title}\n\n{out.strip()}")
    pipeline = ROOT / "bench" / "pipeline.py"
    if pipeline.exists():
        print("  bench/pipeline.py", file=sys.stderr)
        out = subprocess.run([sys.executable, str(pipeline)], capture_output=True, text=True, check=True).stdout
        sections.append(f"### the pipeline, end to end\n\n{out.strip()}")
    watch = ROOT / "bench" / "watch.py"
    if watch.exists():
        print("  bench/watch.py", file=sys.stderr)
        out = subprocess.run([sys.executable, str(watch)], capture_output=True, text=True, check=True).stdout
        sections.append(f"### vpm watch: save to archived record\n\n{out.strip()}")
    return "\n\n".join(sections)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} CPUs ({cpu}), {mem_kib / 1024 / 1024:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--connections", default="1,64,256", help="comma-separated wrk connection counts")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--starts", type=int, default=20, help="starts measured for start-to-first-200")
    parser.add_argument("--skip-pipeline", action="store_true", help="only the comparison with the reference")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]

    ref_python = Path(os.environ["VPM_BENCH_VENV"]).resolve() / "bin" / "python"
    reference = Server(
        "reference",
        [str(ref_python), "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning"],
        cwd=ROOT / "bench" / "reference",
    )
    cell = Server("curator", [str(BIN / "curator")], {"VPM_HOST": "127.0.0.1", "VPM_LOG": "warn"})

    print("measuring the reference", file=sys.stderr)
    ref = measure(reference, connections, args.seconds, args.threads, max(5, args.starts // 4))
    print("measuring vpm", file=sys.stderr)
    ours = measure(cell, connections, args.seconds, args.threads, args.starts)

    print(f"## vpm against the original stack\n")
    print(f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; wrk {args.threads} threads, {args.seconds} s per run, on the same machine.\n")
    print(comparison_table(ref, ours, connections))
    print("\n### Idle memory per cell\n")
    print(idle_rss_per_cell())
    if not args.skip_pipeline:
        print("\n## vpm's own pipeline\n")
        print(pipeline_benches())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Start-to-first-200: how long from exec() until GET /healthz answers 200.

  start_to_first_200.py --runs N [--idle-rss] -- CMD ARGS...

Each run gets a fresh free port (in PORT, and substituted for "{port}" in the
arguments) and a fresh empty working directory, so a cell that creates files
on first start (the archivist) pays for it every time, as a new pod would. The
client polls every 0.5 ms with a raw HTTP/1.1 request. Prints one JSON object:
the runs' median, min, max and p90 in milliseconds.

With --idle-rss, each run also waits IDLE_SECONDS (1 s) after the first 200
and reads the process's resident memory from /proc/PID/status, as
bench/bench.py does for the cells' idle RSS: the JSON then carries the
lowest and highest VmRSS, RssAnon and RssFile (kB) over the runs. Only
meaningful for a native binary (under qemu it is the emulator's memory).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


IDLE_SECONDS = 1.0
MEMORY_FIELDS = ("VmRSS", "RssAnon", "RssFile")


def resident_kib(pid):
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in MEMORY_FIELDS:
                found[name] = int(value.split()[0])
    missing = [name for name in MEMORY_FIELDS if name not in found]
    if missing:
        raise SystemExit(f"/proc/{pid}/status has no {', '.join(missing)}")
    return found


def one_run(cmd, timeout, idle_rss):
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in cmd]
    env = dict(os.environ, PORT=str(port))
    with tempfile.TemporaryDirectory(prefix="vpm-start-") as cwd:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not healthz_ok(port):
                if proc.poll() is not None:
                    raise SystemExit(f"{argv[0]} exited with {proc.returncode} before answering")
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"{argv[0]} did not answer within {timeout}s")
                time.sleep(0.0005)
            elapsed_ms = (time.perf_counter() - started) * 1000
            memory = None
            if idle_rss:
                time.sleep(IDLE_SECONDS)
                if proc.poll() is not None:
                    raise SystemExit(f"{argv[0]} exited with {proc.returncode} while idle")
                memory = resident_kib(proc.pid)
            return elapsed_ms, memory
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--idle-rss", action="store_true")
    parser.add_argument("cmd", nargs="+")
    args = parser.parse_args()
    runs = [one_run(args.cmd, args.timeout, args.idle_rss) for _ in range(args.runs)]
    samples = sorted(ms for ms, _ in runs)
    result = {
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "min_ms": round(samples[0], 2),
        "p90_ms": round(samples[int(0.9 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
    }
    if args.idle_rss:
        for name in MEMORY_FIELDS:
            values = [memory[name] for _, memory in runs]
            result[f"{name}_kib"] = [min(values), max(values)]
    print(json.dumps(result))


if __name__ == "__main__":
    main()

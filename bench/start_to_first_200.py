#!/usr/bin/env python3
"""Start-to-first-200: how long from exec() until GET /healthz answers 200.

  start_to_first_200.py --runs N [--port-arg] -- CMD ARGS...

Each run gets a fresh free port (in PORT, and substituted for "{port}" in the
arguments) and a fresh empty working directory, so a cell that creates files
on first start (the archivist) pays for it every time, as a new pod would. The
client polls every 0.5 ms with a raw HTTP/1.1 request. Prints one JSON object:
the runs' median, min, max and p90 in milliseconds.
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


def one_run(cmd, timeout):
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
            return (time.perf_counter() - started) * 1000
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
    parser.add_argument("cmd", nargs="+")
    args = parser.parse_args()
    samples = sorted(one_run(args.cmd, args.timeout) for _ in range(args.runs))
    print(json.dumps({
        "runs": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "min_ms": round(samples[0], 2),
        "p90_ms": round(samples[int(0.9 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""End-to-end snapshots per second: the example project through all four
cells of one `vpm up`, over HTTP, as CloudEvents — what `vpm snapshot`
does, minus the process start — with N concurrent clients.

Every run is complete: the bundle event goes to the curator, each reply is
sent on, and the archivist's receipt (a durable, signed log append) ends
it. Each client sends the same folder; the archive gets a new record per
run because the snapshot's `generated_at` and the trace id differ.

Prints a Markdown table. Needs the release binaries ($VPM_BIN_DIR).
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from vpmcells import cells  # noqa: E402

CHAIN = [
    ("curator", "dev.vpm.bundle.v1"),
    ("planner", "dev.vpm.curated.v1"),
    ("synthesizer", "dev.vpm.plan.v1"),
    ("archivist", "dev.vpm.snapshot.v1"),
]


def bundle(folder: Path) -> bytes:
    files = [folder / "project.yaml", folder / "tasks.yaml", folder / "state.md"]
    files += sorted((folder / "decisions").glob("*.yaml")) + sorted((folder / "reports").glob("*.md"))
    sources = [{"path": str(p.relative_to(folder)), "content": p.read_text(encoding="utf-8")} for p in files]
    return json.dumps({"schema_version": "bundle_v1", "project_id": "lantern", "sources": sources}).encode()


def run_once(urls: dict[str, str], body: bytes, n: int) -> None:
    for cell, event_type in CHAIN:
        request = urllib.request.Request(
            urls[cell] + "/",
            data=body,
            method="POST",
            headers={
                "ce-specversion": "1.0",
                "ce-id": f"bench-{n}-{cell}",
                "ce-source": "/bench",
                "ce-type": event_type,
                "content-type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as r:
            assert r.status == 200, (cell, r.status)
            body = r.read()


def measure(urls: dict[str, str], body: bytes, clients: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def worker() -> None:
        while time.monotonic() < stop:
            t = time.perf_counter()
            run_once(urls, body, next(counter))
            with lock:
                latencies.append(time.perf_counter() - t)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - started), latencies


def main() -> None:
    body = bundle(ROOT / "examples" / "lantern")
    rows = ["| pipeline, example project (28 tasks), over HTTP | clients | snapshots/s | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    with cells(extra_env={"VPM_LOG": "warn"}) as urls:
        run_once(urls, body, -1)  # warm-up
        for clients in (1, 4):
            rate, lat = measure(urls, body, clients, 8.0)
            lat.sort()
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            rows.append(f"| curator → planner → synthesizer → archivist | {clients} | {rate:,.1f} | {statistics.median(lat) * 1000:.1f} | {p99 * 1000:.1f} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

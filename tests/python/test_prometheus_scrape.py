"""A real Prometheus server scrapes all four cells of one `vpm up`.

The test writes a scrape config for the four ports, starts Prometheus with
a throw-away data directory, sends traffic, then asks Prometheus's HTTP API
whether every target is up and whether `rate(hello_ai_requests_total[1m])`
is above zero for each cell.
"""

import json
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from vpmcells import CELLS, cells, free_port, wait_healthy


def api(base: str, path: str, **params) -> dict:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}" if params else base + path
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]


def test_prometheus_scrapes_all_four_cells_and_sees_traffic():
    with cells() as urls, tempfile.TemporaryDirectory(prefix="vpm-prom-") as tmp:
        targets = [u.removeprefix("http://") for u in urls.values()]
        config = Path(tmp) / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            + "".join(
                f"  - job_name: {cell}\n    static_configs:\n      - targets: ['{target}']\n"
                for cell, target in zip(urls, targets)
            )
        )
        check = subprocess.run(["promtool", "check", "config", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        port = free_port()
        prom = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp}/data",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/-/ready", timeout=1)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "prometheus did not become ready"
                    time.sleep(0.2)

            # Traffic for the rate, spread over several scrapes.
            for _ in range(8):
                for url in urls.values():
                    for _ in range(5):
                        urllib.request.urlopen(url + "/healthz", timeout=5).read()
                time.sleep(0.5)

            deadline = time.monotonic() + 60
            while True:
                active = api(base, "/api/v1/targets")["activeTargets"]
                health = {t["labels"]["job"]: t["health"] for t in active}
                rates = {
                    r["metric"]["job"]: float(r["value"][1])
                    for r in api(base, "/api/v1/query", query="sum by (job) (rate(hello_ai_requests_total[1m]))")["result"]
                }
                if all(health.get(c) == "up" for c in CELLS) and all(rates.get(c, 0) > 0 for c in CELLS):
                    break
                assert time.monotonic() < deadline, f"targets {health}, rates {rates}"
                time.sleep(1)

            # What the scrapes carried: every cell's build info, and up == 1.
            info = api(base, "/api/v1/query", query="hello_ai_build_info")["result"]
            assert {r["metric"]["service"] for r in info} == set(CELLS)
            up = api(base, "/api/v1/query", query="hello_ai_up")["result"]
            assert sorted(float(r["value"][1]) for r in up) == [1.0] * 4
            # Prometheus negotiated OpenMetrics and still scraped cleanly.
            meta = api(base, "/api/v1/targets/metadata", metric="hello_ai_request_duration_seconds")
            assert meta and all(m["type"] == "histogram" for m in meta)
        finally:
            prom.terminate()
            prom.wait(timeout=15)

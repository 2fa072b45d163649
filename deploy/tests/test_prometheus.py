"""A real Prometheus scraping the real cells with the rules as deployed:
the recording rules evaluate to what the traffic was, the alerts' expressions
match a misbehaving cell (pending: their `for` is minutes) and not a healthy
one, and no rule reports an error.

The scrape configuration mirrors what the Prometheus Operator generates from
the ServiceMonitor (job from jobLabel, the target labels it adds, our
relabelling); the rule groups' intervals are dropped so they evaluate every
second instead of every 30 s.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.parse

import pytest
import yaml

from conftest import Build, CellFleet, http_get, port_is_free, require_tool

PROMETHEUS_PORT = 9090


def scrape_configs(build: Build, fleet: CellFleet) -> list[dict]:
    (monitor,) = build.of_kind("ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]
    relabel = [
        {k2: v for k2, v in {
            "action": r.get("action", "replace").lower(),
            "regex": r.get("regex"),
            "source_labels": r.get("sourceLabels"),
            "target_label": r.get("targetLabel"),
            "replacement": r.get("replacement"),
        }.items() if v is not None}
        for r in endpoint.get("relabelings", [])
    ]
    configs = []
    for svc in build.core_services:
        labels = svc["metadata"]["labels"]
        if labels.get("app.kubernetes.io/component") != "metrics":
            continue
        cell = svc["spec"]["selector"]["serving.knative.dev/service"]
        (port,) = svc["spec"]["ports"]
        configs.append({
            "job_name": labels[monitor["spec"]["jobLabel"]],
            "scrape_interval": "1s",
            "scrape_timeout": "1s",
            "metrics_path": endpoint.get("path", "/metrics"),
            "static_configs": [{
                # the pod's IP (here its own loopback address) and the port
                "targets": [f"{fleet.cells[cell].host}:{port['targetPort']}"],
                # what the operator's service discovery adds to each target
                "labels": {
                    "namespace": svc["metadata"]["namespace"],
                    "service": svc["metadata"]["name"],
                    "pod": f"{cell}-00001-deployment-7d9f-x2x4q",
                    "container": cell,
                    "endpoint": endpoint["port"],
                },
            }],
            "relabel_configs": relabel,
        })
    return configs


@pytest.fixture(scope="module")
def prometheus(builds, fleets, tmp_path_factory):
    binary = require_tool("prometheus")
    build = builds["dev"]  # the overlay with the debug route, to make a cell slow
    fleet = fleets("dev")
    work = tmp_path_factory.mktemp("prometheus")
    rule_files = []
    for rule in build.of_kind("PrometheusRule"):
        spec = rule["spec"]
        for group in spec["groups"]:
            group.pop("interval", None)
        path = work / f"{rule['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(spec))
        rule_files.append(str(path))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": rule_files,
        "scrape_configs": scrape_configs(build, fleet),
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    assert port_is_free(PROMETHEUS_PORT), "run through scripts/suites/40-deploy.sh (private network namespace)"
    proc = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
         f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        api = Api()
        wait_until(lambda: len(api.query('up == 1')) == 4, 20, "all four cells scraped")
        drive_traffic(fleet)
        # two more scrapes and a rule evaluation after the last request
        time.sleep(3)
        yield api
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class Api:
    def query(self, promql: str) -> list[dict]:
        status, body = http_get(f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query?query=" + urllib.parse.quote(promql))
        assert status == 200, body
        return json.loads(body)["data"]["result"]

    def value(self, promql: str) -> dict[str, float]:
        return {r["metric"].get("job", ""): float(r["value"][1]) for r in self.query(promql)}

    def rules(self) -> list[dict]:
        status, body = http_get(f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/rules")
        assert status == 200
        return [r for g in json.loads(body)["data"]["groups"] for r in g["rules"]]


def wait_until(check, seconds, what):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except (OSError, AssertionError):
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def drive_traffic(fleet: CellFleet) -> None:
    """curator: bursts of 1.5 s requests, more than its concurrency limit, so
    some are slow and the rest are shed with 503. planner: quick requests
    only. Three bursts, a scrape apart, so rate() sees the counters move."""
    curator, planner = fleet.cells["curator"], fleet.cells["planner"]
    limit = 8  # the dev overlay's VPM_CONCURRENCY_LIMIT
    for _ in range(3):
        threads = [
            threading.Thread(target=curator.get, args=("/v1/debug/sleep/1500",), kwargs={"timeout": 5})
            for _ in range(limit + 4)
        ]
        for t in threads:
            t.start()
        for _ in range(20):
            planner.get("/")
        for t in threads:
            t.join()
        time.sleep(1.2)


def test_build_info_keeps_the_cells_service_label(prometheus):
    (series,) = prometheus.query('hello_ai_build_info{job="curator"}')
    assert series["metric"]["service"] == "curator"
    assert "exported_service" not in series["metric"]


def test_recording_rules_measure_the_traffic(prometheus):
    ratio = prometheus.value("job:hello_ai_request_error_ratio:rate5m")
    # curator shed 4 of every 12 sleeps; planner failed nothing
    assert 0.1 < ratio["curator"] < 0.6, ratio
    assert ratio["planner"] == 0, ratio
    p95 = prometheus.value("job:hello_ai_request_duration_seconds:p95_rate5m")
    assert 1 < p95["curator"] <= 2.5, p95
    assert p95["planner"] < 0.1, p95
    assert prometheus.value("job:hello_ai_requests:rate5m")["planner"] > 0


def test_alerts_match_the_misbehaving_cell_only(prometheus):
    active = {(a["metric"]["alertname"], a["metric"]["job"]) for a in prometheus.query("ALERTS")}
    for alert in ("VpmCellLatencyHigh", "VpmCellErrorRatioHigh", "VpmCellErrorBudgetFastBurn"):
        assert (alert, "curator") in active, active
    assert not [a for a in active if a[1] != "curator"], active


def test_no_rule_fails_to_evaluate(prometheus):
    rules = prometheus.rules()
    assert len(rules) >= 14
    broken = [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    assert not broken, broken

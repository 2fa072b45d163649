"""Every link between a cell and its alerts, checked against the running
binaries: the metrics Service selects the pods Knative will create and
targets the port the cell really listens on; the ServiceMonitor selects that
Service and names a port it has; the Prometheus selects the ServiceMonitor
and the rules; every metric and label a rule or the dashboard uses is one
the cells really export."""

from __future__ import annotations

import json
import re
import subprocess

import promql_parser as pp
import pytest
import yaml

from conftest import CELLS, DEPLOY, parse_exposition

# What Knative's queue-proxy listens on: a scrape there is a request to the
# revision (and keeps it from scaling to zero) or reads Knative's metrics.
QUEUE_PROXY_PORTS = {8012, 8013, 8022, 8112, 9090, 9091}
# Labels the Prometheus Operator puts on every target of a ServiceMonitor
# (after our relabelling, which drops "service").
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "endpoint"}


def knative_pod_labels(ksvc: dict, revision: int = 1) -> dict[str, str]:
    """The labels Knative gives a revision's pods: the template's, plus its
    own (knative.dev/serving pkg/reconciler/revision/resources/meta.go)."""
    name = ksvc["metadata"]["name"]
    rev = f"{name}-{revision:05d}"
    labels = {
        "serving.knative.dev/service": name,
        "serving.knative.dev/configuration": name,
        "serving.knative.dev/revision": rev,
        "serving.knative.dev/configurationGeneration": str(revision),
    }
    labels |= ksvc["spec"]["template"]["metadata"].get("labels", {})
    labels.setdefault("app", rev)
    return labels


def selects(selector: dict, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) applied to labels."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def metrics_services(build) -> list[dict]:
    return [s for s in build.core_services if s["metadata"]["labels"].get("app.kubernetes.io/component") == "metrics"]


def test_each_metrics_service_selects_exactly_its_cells_pods(build):
    services = metrics_services(build)
    assert len(services) == len(CELLS)
    for svc in services:
        selector = svc["spec"]["selector"]
        assert selector, f"{svc['metadata']['name']}: a Service without selector has no endpoints"
        matched = [k["metadata"]["name"] for k in build.ksvcs if all(knative_pod_labels(k).get(a) == b for a, b in selector.items())]
        assert len(matched) == 1, f"{svc['metadata']['name']} selects the pods of {matched}"
        # The pods of the next revision too, so scraping survives a rollout.
        ksvc = build.one("Service", matched[0], "serving.knative.dev")
        assert all(knative_pod_labels(ksvc, 2).get(a) == b for a, b in selector.items())
        assert svc["metadata"]["labels"]["app.kubernetes.io/name"] == matched[0]


def test_the_selector_check_can_fail(build):
    svc = metrics_services(build)[0]
    wrong = {"app": svc["metadata"]["labels"]["app.kubernetes.io/name"]}  # Knative sets app=<revision>
    assert not any(all(knative_pod_labels(k).get(a) == b for a, b in wrong.items()) for k in build.ksvcs)


def test_each_metrics_service_targets_the_metrics_port_its_cell_listens_on(build, fleets):
    """The scrape reaches VPM_METRICS_PORT, a port that serves /metrics and
    nothing else, never the cell's traffic port: the metrics Service must not
    be a way around queue-proxy to the cell's routes."""
    fleet = fleets(build.name)
    for svc in metrics_services(build):
        name = svc["metadata"]["name"]
        cell = svc["spec"]["selector"]["serving.knative.dev/service"]
        ksvc = build.one("Service", cell, "serving.knative.dev")
        container_port = ksvc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
        metrics_port = int(build.container_env(ksvc)["VPM_METRICS_PORT"])
        (port,) = svc["spec"]["ports"]
        target = port.get("targetPort", port["port"])
        # A number: the metrics port is not a declared containerPort (Knative
        # allows one), and a Service's numeric targetPort needs none.
        assert target == metrics_port, f"{name} targets {target!r}, the cell's metrics port is {metrics_port}"
        assert target != container_port, f"{name} reaches the cell's routes past queue-proxy"
        # queue-proxy shares the pod's network namespace: its ports are taken.
        assert target not in QUEUE_PROXY_PORTS, f"{name}: {target} is queue-proxy's"
        assert svc["spec"].get("clusterIP") == "None", "headless: every pod is its own target"
        # The cell listening on that port, started as Knative starts it, is
        # the cell the Service selects, and that port answers nothing else.
        running = fleet.cells[cell]
        status, text = running.get_metrics_port("/metrics")
        assert running.metrics_port == target and status == 200, f"{cell}: {status} on :{target}/metrics"
        build_info = parse_exposition(text)["hello_ai_build_info"]
        assert [s["service"] for s in build_info] == [cell]
        for path in ("/", "/healthz", "/openapi.json", "/v1/records"):
            status, _ = running.get_metrics_port(path)
            assert status == 404, f"{cell}: GET {path} on the metrics port answered {status}, not 404"


def test_the_servicemonitor_selects_every_metrics_service_by_a_port_it_has(build):
    monitors = build.of_kind("ServiceMonitor")
    for svc in metrics_services(build):
        labels = svc["metadata"]["labels"]
        matching = [m for m in monitors if selects(m["spec"]["selector"], labels)]
        assert len(matching) == 1, f"{svc['metadata']['name']} is scraped by {len(matching)} ServiceMonitors"
        monitor = matching[0]["spec"]
        assert "namespaceSelector" not in monitor or monitor["namespaceSelector"].get("any")
        port_names = {p["name"] for p in svc["spec"]["ports"]}
        for endpoint in monitor["endpoints"]:
            assert endpoint["port"] in port_names, f"{endpoint['port']} not on {svc['metadata']['name']}"
            assert endpoint.get("path", "/metrics") == "/metrics"
            assert endpoint.get("scheme", "http") == "http"
        # job = the cell's name: the rules and the dashboard group by it.
        assert labels[monitor["jobLabel"]] == svc["spec"]["selector"]["serving.knative.dev/service"]
    for monitor in monitors:
        assert any(selects(monitor["spec"]["selector"], s["metadata"]["labels"]) for s in build.core_services)


def test_the_prometheus_loads_the_servicemonitor_and_every_rule(build):
    """The original deployment's rules were never loaded: here the Prometheus
    of deploy/cluster selects every ServiceMonitor and PrometheusRule."""
    prometheus = next(
        d for d in yaml.safe_load_all((DEPLOY / "cluster/prometheus.yaml").read_text()) if d and d["kind"] == "Prometheus"
    )["spec"]
    assert prometheus["serviceMonitorNamespaceSelector"] == {} and prometheus["ruleNamespaceSelector"] == {}
    for monitor in build.of_kind("ServiceMonitor"):
        assert selects(prometheus["serviceMonitorSelector"], monitor["metadata"]["labels"]), monitor["metadata"]["name"]
    rules = build.of_kind("PrometheusRule")
    assert rules
    for rule in rules:
        assert selects(prometheus["ruleSelector"], rule["metadata"]["labels"]), rule["metadata"]["name"]
    # The slowest burn-rate window is 3 days.
    assert re.fullmatch(r"\d+d", prometheus["retention"]) and int(prometheus["retention"][:-1]) >= 3


# ── metric names against the live exposition ──────────────────────────────

@pytest.fixture(scope="module")
def exported(build, fleets):
    """Sample name -> set of label names, from the four cells' live /metrics
    after a little traffic (families without traffic have no series)."""
    fleet = fleets(build.name)
    samples: dict[str, set[str]] = {}
    routes: set[str] = set()
    for cell in fleet.cells.values():
        for path in ("/", "/healthz", "/readyz", "/openapi.json", "/no-such-route", "/metrics"):
            cell.get(path)
        status, text = cell.get_metrics_port("/metrics")
        assert status == 200
        for name, series in parse_exposition(text).items():
            for labels in series:
                samples.setdefault(name, set()).update(labels)
                if "route" in labels:
                    routes.add(labels["route"])
    return samples, routes


def selectors(node, found):
    """Every VectorSelector of a parsed PromQL expression, and the labels of
    its grouping and matching clauses."""
    if isinstance(node, pp.VectorSelector):
        found["selectors"].append(node)
    elif isinstance(node, pp.MatrixSelector):
        selectors(node.vector_selector, found)
    elif isinstance(node, pp.AggregateExpr):
        if node.modifier is not None:
            found["grouping"].update(node.modifier.labels)
        selectors(node.expr, found)
        if node.param is not None:
            selectors(node.param, found)
    elif isinstance(node, pp.BinaryExpr):
        modifier = node.modifier
        if modifier is not None and modifier.matching is not None:
            found["grouping"].update(modifier.matching.labels)
        selectors(node.lhs, found)
        selectors(node.rhs, found)
    elif isinstance(node, pp.Call):
        for arg in node.args:
            selectors(arg, found)
    elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
        selectors(node.expr, found)
    return found


def rule_expressions(build) -> tuple[list[tuple[str, str]], set[str]]:
    exprs, recorded = [], set()
    for rule_set in build.of_kind("PrometheusRule"):
        for group in rule_set["spec"]["groups"]:
            for rule in group["rules"]:
                name = rule.get("record") or rule.get("alert")
                exprs.append((f"{rule_set['metadata']['name']}/{name}", rule["expr"]))
                if "record" in rule:
                    recorded.add(rule["record"])
    return exprs, recorded


def dashboard_expressions(build) -> list[tuple[str, str]]:
    """The dashboard as deployed (its ConfigMap), with Grafana's variables
    replaced by values PromQL accepts."""
    (configmap,) = [c for c in build.of_kind("ConfigMap", "") if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    (text,) = configmap["data"].values()
    dashboard = json.loads(text)
    exprs = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            exprs.append((f"panel {panel['title']!r}", target["expr"]))
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["definition"])
            assert match, var["definition"]
            exprs.append((f"variable {var['name']}", f"group by ({match.group(2)}) ({match.group(1)})"))
    substitute = lambda e: re.sub(r"\$__\w+", "5m", e)
    return [(where, substitute(e)) for where, e in exprs]


def unknown_names(build, exported, exprs):
    samples, routes = exported
    _, recorded = rule_expressions(build)
    cells = {k["metadata"]["name"] for k in build.ksvcs}
    problems = []
    for where, expr in exprs:
        found = selectors(pp.parse(expr), {"selectors": [], "grouping": set()})
        labels_in_play = set(TARGET_LABELS)
        for sel in found["selectors"]:
            name = sel.name
            if name in recorded or name == "up":
                known_labels = TARGET_LABELS
            elif name in samples:
                known_labels = samples[name] | TARGET_LABELS
            else:
                problems.append(f"{where}: {name!r} is neither exported by a cell nor recorded by a rule")
                continue
            labels_in_play |= known_labels
            for m in sel.matchers.matchers:
                if m.name not in known_labels:
                    problems.append(f"{where}: {name} has no label {m.name!r}")
                if m.name == "route":
                    for value in m.value.split("|"):
                        if value not in routes:
                            problems.append(f"{where}: no cell serves route {value!r}")
                if m.name == "job" and "$" not in m.value:
                    if set(m.value.split("|")) != cells:
                        problems.append(f"{where}: job matcher {m.value!r} is not the four cells")
        for label in found["grouping"] - labels_in_play - {"le"}:
            problems.append(f"{where}: groups by {label!r}, which no series has")
    return problems


def test_every_metric_and_label_in_the_rules_is_exported(build, exported):
    exprs, _ = rule_expressions(build)
    assert len(exprs) >= 14
    problems = unknown_names(build, exported, exprs)
    assert not problems, "\n".join(problems)


def test_every_metric_and_label_in_the_dashboard_is_exported(build, exported):
    exprs = dashboard_expressions(build)
    assert len(exprs) >= 12
    problems = unknown_names(build, exported, exprs)
    assert not problems, "\n".join(problems)


def test_the_name_check_can_fail(build, exported):
    problems = unknown_names(build, exported, [
        ("typo", 'rate(hello_ai_request_total[5m])'),
        ("label", 'sum by (status) (rate(hello_ai_requests_total{status=~"5.."}[5m]))'),
        ("route", 'hello_ai_requests_total{route="/health"}'),
    ])
    assert len(problems) >= 4, problems


def test_the_dashboard_shows_what_an_operator_asks_for(build):
    exprs = " ".join(e for _, e in dashboard_expressions(build))
    for needle in ("hello_ai_requests_total", "histogram_quantile(0.5", "histogram_quantile(0.95", "histogram_quantile(0.99",
                   "error_ratio", "/ 0.001", "hello_ai_up", "process_resident_memory_bytes",
                   "process_cpu_seconds_total", "hello_ai_build_info", "count by (job)"):
        assert needle in exprs, needle

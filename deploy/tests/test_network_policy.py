"""The prod NetworkPolicy (components/network-policy): who may open a
connection to a cell's pod, evaluated with NetworkPolicy's own semantics
against the pods that exist in a Knative cluster. The archivist matters
most: it accepts pipeline events without the write token
(VPM_EVENTS_NEED_TOKEN=false), so only Knative's data path may reach it."""

from __future__ import annotations

import copy

import yaml

from conftest import DEPLOY
from test_monitoring import knative_pod_labels
from test_schemas import core_errors

# Where the traffic to a Knative pod comes from (docs/security.md):
# (namespace, pod labels) of each component, as their install files label them.
ACTIVATOR = ("knative-serving", {"app": "activator", "role": "activator"})
AUTOSCALER = ("knative-serving", {"app": "autoscaler"})
KOURIER_GATEWAY = ("kourier-system", {"app": "3scale-kourier-gateway"})
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus", "prometheus": "vpm", "operator.prometheus.io/name": "vpm"})
# Pods that must not reach a cell directly.
IMC_DISPATCHER = ("knative-eventing", {"messaging.knative.dev/channel": "in-memory-channel", "messaging.knative.dev/role": "dispatcher"})
KAFKA_DISPATCHER = ("knative-eventing", {"app": "kafka-channel-dispatcher"})
NEIGHBOUR = ("vpm", {"run": "attacker"})
OTHER_NAMESPACE = ("default", {"app": "activator"})  # right labels, wrong namespace
KUBE_SYSTEM = ("kube-system", {"k8s-app": "kube-dns"})

QUEUE_PROXY_HTTP = (8012, 8013)
QUEUE_PROXY_AUTOSCALING_METRICS = 9090


def matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """A LabelSelector; an empty one selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if (op == "In" and labels.get(key) not in values) or (op == "NotIn" and labels.get(key) in values):
            return False
        if (op == "Exists" and key not in labels) or (op == "DoesNotExist" and key in labels):
            return False
    return True


def peer_admits(peer: dict, policy_ns: str, source_ns: str, source_labels: dict) -> bool:
    if "ipBlock" in peer:
        return True  # an address range: any pod may hold one of its addresses
    ns_labels = {"kubernetes.io/metadata.name": source_ns}
    if "namespaceSelector" in peer:
        ns_ok = matches(peer["namespaceSelector"], ns_labels)
    else:
        ns_ok = source_ns == policy_ns
    return ns_ok and matches(peer.get("podSelector"), source_labels)


def admits(policy: dict, source: tuple[str, dict], port: int) -> bool:
    """Whether `policy` lets a pod (namespace, labels) connect to `port`."""
    source_ns, source_labels = source
    ns = policy["metadata"]["namespace"]
    for rule in policy["spec"].get("ingress") or []:
        peers = rule.get("from")
        if peers and not any(peer_admits(p, ns, source_ns, source_labels) for p in peers):
            continue
        ports = rule.get("ports")
        if ports and not any(p.get("port") in (None, port) or (p.get("endPort") and p["port"] <= port <= p["endPort"]) for p in ports):
            continue
        return True
    return False


def cell_policies(build, ksvc: dict) -> list[dict]:
    pod = knative_pod_labels(ksvc)
    return [
        p for p in build.of_kind("NetworkPolicy")
        if p["metadata"]["namespace"] == ksvc["metadata"]["namespace"] and matches(p["spec"]["podSelector"], pod)
    ]


def reachable(build, ksvc: dict, source, port: int) -> bool:
    policies = [p for p in cell_policies(build, ksvc) if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])]
    return not policies or any(admits(p, source, port) for p in policies)


def cell_ports(build, ksvc: dict) -> tuple[int, int]:
    container = ksvc["spec"]["template"]["spec"]["containers"][0]
    return container["ports"][0]["containerPort"], int(build.container_env(ksvc)["VPM_METRICS_PORT"])


def test_prod_isolates_every_cell_and_the_archivist_above_all(builds):
    prod = builds["prod"]
    assert prod.of_kind("NetworkPolicy"), "prod has no NetworkPolicy"
    for ksvc in prod.ksvcs:
        name = ksvc["metadata"]["name"]
        policies = cell_policies(prod, ksvc)
        assert policies, f"no NetworkPolicy selects {name}'s pods"
        # ... and the next revision's pods too.
        assert cell_policies(prod, ksvc) == [
            p for p in prod.of_kind("NetworkPolicy") if matches(p["spec"]["podSelector"], knative_pod_labels(ksvc, 2))
        ]
        for policy in policies:
            assert "Ingress" in policy["spec"]["policyTypes"], policy["metadata"]["name"]


def test_only_knative_and_prometheus_reach_a_cell_and_only_on_their_ports(builds):
    prod = builds["prod"]
    for ksvc in prod.ksvcs:
        name = ksvc["metadata"]["name"]
        traffic_port, metrics_port = cell_ports(prod, ksvc)
        every_port = (traffic_port, metrics_port, *QUEUE_PROXY_HTTP, QUEUE_PROXY_AUTOSCALING_METRICS, 8022, 9091)
        allowed = {("activator", p) for p in QUEUE_PROXY_HTTP} | {("kourier gateway", p) for p in QUEUE_PROXY_HTTP}
        allowed |= {("autoscaler", QUEUE_PROXY_AUTOSCALING_METRICS), ("prometheus", metrics_port)}
        sources = {
            "activator": ACTIVATOR, "autoscaler": AUTOSCALER, "kourier gateway": KOURIER_GATEWAY,
            "prometheus": PROMETHEUS, "in-memory channel dispatcher": IMC_DISPATCHER,
            "kafka channel dispatcher": KAFKA_DISPATCHER, "a pod in the cells' namespace": NEIGHBOUR,
            "an 'activator' in another namespace": OTHER_NAMESPACE, "kube-dns": KUBE_SYSTEM,
        }
        for what, source in sources.items():
            for port in every_port:
                expected = (what, port) in allowed
                got = reachable(prod, ksvc, source, port)
                assert got == expected, (
                    f"{name}: {what} ({source[0]}) -> :{port} is {'admitted' if got else 'refused'}, "
                    f"should be {'admitted' if expected else 'refused'}"
                )


def test_every_peer_names_a_namespace_and_its_pods(builds):
    """No rule opens a port to a whole namespace, to an address range, or to
    every pod (an empty `from`)."""
    for policy in builds["prod"].of_kind("NetworkPolicy"):
        for rule in policy["spec"]["ingress"]:
            assert rule.get("from"), f"{policy['metadata']['name']}: a rule with no `from` admits everyone"
            assert rule.get("ports"), f"{policy['metadata']['name']}: a rule with no `ports` admits every port"
            for peer in rule["from"]:
                assert "ipBlock" not in peer, peer
                assert set(peer["namespaceSelector"]["matchLabels"]) == {"kubernetes.io/metadata.name"}, peer
                assert peer["podSelector"]["matchLabels"], peer


def test_the_scrape_namespace_is_the_prometheus_of_deploy_cluster(builds):
    (prometheus,) = [
        d for d in yaml.safe_load_all((DEPLOY / "cluster/prometheus.yaml").read_text()) if d and d["kind"] == "Prometheus"
    ]
    prod = builds["prod"]
    for ksvc in prod.ksvcs:
        _, metrics_port = cell_ports(prod, ksvc)
        # The operator labels the Prometheus pods with these.
        pod = ({"app.kubernetes.io/name": "prometheus", "prometheus": prometheus["metadata"]["name"]})
        assert reachable(prod, ksvc, (prometheus["metadata"]["namespace"], pod), metrics_port)
    for svc in prod.core_services:
        if svc["metadata"]["labels"].get("app.kubernetes.io/component") == "metrics":
            (port,) = svc["spec"]["ports"]
            ksvc = prod.one("Service", svc["spec"]["selector"]["serving.knative.dev/service"], "serving.knative.dev")
            assert reachable(prod, ksvc, PROMETHEUS, port["targetPort"]), svc["metadata"]["name"]


def test_kubernetes_validate_accepts_the_policy_and_refuses_a_broken_one(builds):
    (policy,) = builds["prod"].of_kind("NetworkPolicy")
    assert core_errors(policy) == []
    broken = copy.deepcopy(policy)
    broken["spec"]["ingress"][0]["ports"][0]["port"] = "not a port name!"
    broken["spec"]["ingress"][0]["form"] = broken["spec"]["ingress"][0].pop("from")
    assert core_errors(broken), "kubernetes-validate let a misspelt `from` through"


def test_the_evaluator_can_fail(builds):
    """Negative control: a policy opening the archivist to its namespace is
    seen as such."""
    prod = builds["prod"]
    ksvc = prod.one("Service", "archivist", "serving.knative.dev")
    traffic_port, _ = cell_ports(prod, ksvc)
    (policy,) = prod.of_kind("NetworkPolicy")
    assert not admits(policy, NEIGHBOUR, traffic_port)
    loose = copy.deepcopy(policy)
    loose["spec"]["ingress"].append({"from": [{"podSelector": {}}]})
    assert admits(loose, NEIGHBOUR, traffic_port)
    assert not admits(loose, OTHER_NAMESPACE, traffic_port)

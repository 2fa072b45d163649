"""The rules Knative's admission webhook and the cells' runtime enforce that
a CRD schema cannot express, and the consistency between the Knative
settings and the cells' own configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import CELLS, DEPLOY, REPO, duration_seconds, shared_dir

# Knative Serving defaults (config-defaults, config-autoscaler) that bound
# what a revision may ask for.
MAX_REVISION_TIMEOUT_SECONDS = 600
MAX_CONTAINER_CONCURRENCY = 1000
MAX_SCALE_DOWN_DELAY_SECONDS = 3600
# queue-proxy's drain: after SIGTERM it keeps serving until no request has
# arrived for this long, and only then lets the user container stop
# (knative.dev/serving cmd/queue, drainSleepDuration).
QUEUE_PROXY_DRAIN_SECONDS = 30
QUEUE_PROXY_PORTS = {8012, 8013, 8022, 8112, 9090, 9091}


def container(ksvc: dict) -> dict:
    return ksvc["spec"]["template"]["spec"]["containers"][0]


def annotations(ksvc: dict) -> dict:
    return ksvc["spec"]["template"]["metadata"].get("annotations", {})


def system_ports() -> dict[str, int]:
    """The cell -> port table of SYSTEM.md."""
    text = (shared_dir() / "design" / "SYSTEM.md").read_text()
    ports = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| (\w+) \| (\d{4}) \|", text, re.M)}
    assert set(ports) == set(CELLS), f"SYSTEM.md's table names {sorted(ports)}"
    return ports


def test_one_knative_service_per_cell_on_its_port_and_image(build):
    ports = system_ports()
    assert sorted(k["metadata"]["name"] for k in build.ksvcs) == sorted(CELLS)
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        spec = ksvc["spec"]["template"]["spec"]
        # Knative: exactly one container serves, and it has exactly one port.
        assert len(spec["containers"]) == 1, name
        (port,) = container(ksvc)["ports"]
        assert port["name"] in ("http1", "h2c"), f"{name}: port name {port['name']!r}"
        assert port["containerPort"] == ports[name], f"{name}: SYSTEM.md says {ports[name]}"
        assert container(ksvc)["image"] == f"ghcr.io/hirakuarai/{name}:0.2.0"
        labels = ksvc["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == name
        assert labels["app.kubernetes.io/version"] == container(ksvc)["image"].rsplit(":", 1)[1]


def test_probes_name_no_other_port_and_answer_on_the_real_binary(build, fleets):
    fleet = fleets(build.name)
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        c = container(ksvc)
        port = c["ports"][0]["containerPort"]
        probes = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
        for probe, path in probes.items():
            get = c[probe]["httpGet"]
            assert get["path"] == path, f"{name} {probe}"
            assert get.get("port") in (None, port, c["ports"][0]["name"]), f"{name} {probe} names another port"
            status, _ = fleet.cells[name].get(get["path"])
            assert status == 200, f"{name} answers {status} on its {probe} path {path}"
        assert "startupProbe" not in c or c["startupProbe"]["httpGet"].get("port") in (None, port)


def test_hardened_security_context(build):
    for ksvc in build.ksvcs:
        sc = container(ksvc)["securityContext"]
        name = ksvc["metadata"]["name"]
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 65532, name
        assert sc["readOnlyRootFilesystem"] is True, name
        assert sc["allowPrivilegeEscalation"] is False, name
        assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add"), name
        assert sc["seccompProfile"]["type"] == "RuntimeDefault", name
        assert sc.get("privileged") in (None, False), name
        spec = ksvc["spec"]["template"]["spec"]
        assert spec.get("automountServiceAccountToken") is False, name


def test_concurrency_timeouts_and_grace_agree_with_the_runtime(build):
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        spec = ksvc["spec"]["template"]["spec"]
        env = build.container_env(ksvc)
        cc = spec["containerConcurrency"]
        limit = int(env["VPM_CONCURRENCY_LIMIT"])
        # A hard limit (0 would be "unlimited"), within Knative's maximum, and
        # never above what the cell accepts: otherwise the cell sheds with 503
        # requests queue-proxy has already admitted.
        assert 1 <= cc <= MAX_CONTAINER_CONCURRENCY, name
        assert cc <= limit, f"{name}: containerConcurrency {cc} > VPM_CONCURRENCY_LIMIT {limit}"

        timeout = spec["timeoutSeconds"]
        request_timeout = duration_seconds(env["VPM_REQUEST_TIMEOUT"])
        drain = duration_seconds(env.get("VPM_DRAIN_DELAY", "0s"))
        grace = duration_seconds(env["VPM_SHUTDOWN_GRACE"])
        assert 0 < timeout <= MAX_REVISION_TIMEOUT_SECONDS, name
        # The cell times out first and answers with its own JSON 503.
        assert request_timeout < timeout, name
        # A request admitted just before SIGTERM may finish.
        assert grace >= request_timeout, name
        # Knative makes timeoutSeconds the pod's terminationGracePeriodSeconds;
        # the kubelet kills the pod when it runs out, so queue-proxy's drain
        # plus the cell's own drain and grace must fit in it.
        assert QUEUE_PROXY_DRAIN_SECONDS + drain + grace <= timeout, (
            f"{name}: {QUEUE_PROXY_DRAIN_SECONDS} + {drain} + {grace} s of shutdown > "
            f"terminationGracePeriodSeconds {timeout}"
        )
        assert "terminationGracePeriodSeconds" not in spec  # not a Knative field


def test_autoscaling_annotations(build):
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        a = annotations(ksvc)
        assert a["autoscaling.knative.dev/class"] == "kpa.autoscaling.knative.dev", name
        assert a["autoscaling.knative.dev/metric"] in ("concurrency", "rps"), name
        target = float(a["autoscaling.knative.dev/target"])
        utilization = float(a["autoscaling.knative.dev/target-utilization-percentage"])
        assert 0 < target <= ksvc["spec"]["template"]["spec"]["containerConcurrency"], name
        assert 1 <= utilization <= 100, name
        lo, hi = int(a["autoscaling.knative.dev/min-scale"]), int(a["autoscaling.knative.dev/max-scale"])
        assert 0 <= lo <= hi and hi >= 1, name
        delay = duration_seconds(a["autoscaling.knative.dev/scale-down-delay"])
        assert 0 <= delay <= MAX_SCALE_DOWN_DELAY_SECONDS, name
        if build.name == "prod":
            assert lo >= 1, f"{name}: prod keeps a warm pod (the absence alert relies on it)"
        else:
            assert lo == 0, f"{name}: dev scales to zero"


def quantity(value: str) -> float:
    units = {"m": 1e-3, "": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|)", str(value)).groups()
    return float(number) * units[unit]


def test_resources_bound_what_the_cell_may_hold(build):
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        res = container(ksvc)["resources"]
        for kind in ("cpu", "memory"):
            assert quantity(res["requests"][kind]) <= quantity(res["limits"][kind]), f"{name} {kind}"
        env = build.container_env(ksvc)
        bodies = ksvc["spec"]["template"]["spec"]["containerConcurrency"] * int(env["VPM_MAX_BODY_BYTES"])
        # Room for every admitted request's body at once, as the docs promise.
        assert quantity(res["limits"]["memory"]) >= bodies, name


def documented_variables() -> set[str]:
    """Every environment variable the runtime reads (config.rs, telemetry.rs),
    the cells' own settings (archivist config.rs, curator limits.rs, the
    synthesizer's history source past.rs) and the archivist's fixed names."""
    src = "".join(
        (REPO / p).read_text()
        for p in (
            "crates/cell/src/config.rs",
            "crates/cell/src/telemetry.rs",
            "services/archivist/src/config.rs",
            "services/curator/src/limits.rs",
            "services/synthesizer/src/past.rs",
        )
    )
    names = set(re.findall(r'"((?:VPM|PORT)[A-Z_]*)"', src))
    assert {"PORT", "VPM_CONCURRENCY_LIMIT", "VPM_LOG"} <= names
    return names | {"VPM_ARCHIVE_URL", "VPM_SIGNING_KEY_FILE", "VPM_WRITE_TOKEN", "VPM_LOG_ORIGIN", "VPM_DATA_DIR"}


def test_every_variable_is_one_the_cells_read(build):
    known = documented_variables()
    for ksvc in build.ksvcs:
        unknown = set(build.container_env(ksvc)) - known
        assert not unknown, f"{ksvc['metadata']['name']}: {sorted(unknown)} is read by no cell (typo?)"
    assert "VPM_DEBUG_ROUTES" not in build.container_env(build.ksvcs[0]) or build.name == "dev"


def test_the_listen_address_is_reachable_from_outside_the_pod(build):
    for ksvc in build.ksvcs:
        host = build.container_env(ksvc).get("VPM_HOST", "0.0.0.0")
        # queue-proxy would still reach 127.0.0.1; the metrics Service would not.
        assert host in ("0.0.0.0", "::"), f"{ksvc['metadata']['name']} binds {host}"


def test_every_configmap_and_secret_reference_resolves(build):
    example = yaml.safe_load((DEPLOY / "base/cells/archivist/secret.example.yaml").read_text())
    out_of_band = {example["metadata"]["name"]: set(example["stringData"])}
    configmaps = {c["metadata"]["name"]: c.get("data", {}) for c in build.of_kind("ConfigMap", "")}
    docs = (REPO / "docs" / "deploy.md").read_text()
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        c = container(ksvc)
        spec = ksvc["spec"]["template"]["spec"]
        for source in c.get("envFrom", []):
            assert source["configMapRef"]["name"] in configmaps, f"{name}: {source}"
        for var in c.get("env", []):
            ref = var.get("valueFrom", {})
            if cm := ref.get("configMapKeyRef"):
                assert cm["key"] in configmaps.get(cm["name"], {}), f"{name}: {var['name']} -> {cm}"
            if sec := ref.get("secretKeyRef"):
                assert sec["key"] in out_of_band.get(sec["name"], set()), f"{name}: {var['name']} -> {sec}"
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for mount in c.get("volumeMounts", []):
            assert mount["name"] in volumes, f"{name}: mount {mount['name']} has no volume"
        for volume in volumes.values():
            if sec := volume.get("secret"):
                keys = {item["key"] for item in sec.get("items", [])}
                assert keys <= out_of_band.get(sec["secretName"], set()), f"{name}: {volume}"
    for secret, keys in out_of_band.items():
        # The operator learns from the docs which Secret to create, with which keys.
        assert secret in docs and all(k in docs for k in keys), f"docs/deploy.md must explain Secret {secret}"


def test_the_archivist_can_write_and_read_what_it_needs(build):
    ksvc = build.one("Service", "archivist", "serving.knative.dev")
    c = container(ksvc)
    env = build.container_env(ksvc)
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in ksvc["spec"]["template"]["spec"]["volumes"]}
    # The root filesystem is read-only: the data directory must be a volume.
    data = mounts[env["VPM_DATA_DIR"]]
    assert "emptyDir" in volumes[data["name"]] and not data.get("readOnly")
    # The signing key file lies in the mounted Secret, readable by uid 65532
    # (no fsGroup without a Knative feature flag: the file must be world-readable).
    key_dir, key_file = env["VPM_SIGNING_KEY_FILE"].rsplit("/", 1)
    secret = volumes[mounts[key_dir]["name"]]["secret"]
    assert key_file in {item["path"] for item in secret["items"]}
    assert secret.get("defaultMode", 0o644) & 0o004, "signing key must be readable by the non-root user"
    assert env["VPM_ARCHIVE_URL"] == env["VPM_WRITE_TOKEN"] == "<secret>"


def test_no_real_secret_is_committed():
    committed = [p for p in DEPLOY.rglob("*") if p.is_file()]
    for path in committed:
        text = path.read_text(errors="replace")
        assert not re.search(r"-----BEGIN PRIVATE KEY-----\s*\n\s*[A-Za-z0-9+/]{20,}", text), path
        if path.name != "secret.example.yaml":
            assert not re.search(r"^kind:\s*Secret\s*$", text, re.M), f"{path}: Secrets are created out of band"


def test_the_cells_start_with_each_overlays_configuration(build, fleets):
    """A value the runtime cannot parse stops the cell at start (exit 2):
    the fleet fixture starts each binary with exactly its overlay's env."""
    fleet = fleets(build.name)
    for name, cell in fleet.cells.items():
        assert cell.process.poll() is None, f"{name} exited"
        status, body = cell.get("/")
        assert status == 200 and f'"name":"{name}"' in body.replace(" ", "")


def test_the_metrics_port_is_free_in_the_pod_and_not_a_declared_port(build):
    """VPM_METRICS_PORT shares the pod's network namespace with queue-proxy:
    on one of its ports the cell could not bind (or would steal the
    autoscaler's statistics). It is not in `ports:`, which Knative limits to
    the one traffic port."""
    for ksvc in build.ksvcs:
        name = ksvc["metadata"]["name"]
        env = build.container_env(ksvc)
        assert "VPM_METRICS_PORT" in env, f"{name}: metrics must have a port of their own"
        metrics_port = int(env["VPM_METRICS_PORT"])
        (declared,) = container(ksvc)["ports"]
        assert metrics_port not in QUEUE_PROXY_PORTS, f"{name}: {metrics_port} is queue-proxy's"
        assert metrics_port != declared["containerPort"], name
        assert 1024 <= metrics_port <= 65535, f"{name}: uid 65532 cannot bind {metrics_port}"

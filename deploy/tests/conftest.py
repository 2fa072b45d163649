"""Fixtures for the deployment tests: the overlays as kustomize builds them,
the upstream CRD schemas, and the real cell binaries serving on the ports the
manifests name.

Run through scripts/suites/40-deploy.sh, which installs the tools, builds the
binaries and runs pytest inside a private network namespace, so the cells can
listen on their real ports (8002-8005) whatever else runs on the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
OVERLAYS = {"dev": DEPLOY / "overlays" / "dev", "prod": DEPLOY / "overlays" / "prod"}
CELLS = ("curator", "planner", "synthesizer", "archivist")


def shared_dir() -> Path:
    """The shared/ folder beside the repository (CI) or beside the worktrees."""
    if env := os.environ.get("VPM_SHARED_DIR"):
        return Path(env)
    for candidate in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        if (candidate / "schemas").is_dir():
            return candidate
    raise RuntimeError("shared/ with schemas/ not found beside the repository; set VPM_SHARED_DIR")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"required tool {name!r} is not installed (scripts/install-deps)", pytrace=False)
    return path


def kustomize_build(path: Path) -> list[dict]:
    kubectl = require_tool("kubectl")
    out = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, f"kubectl kustomize {path} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@dataclass
class Build:
    """One overlay, rendered."""

    name: str
    docs: list[dict]

    def of_kind(self, kind: str, api_group: str | None = None) -> list[dict]:
        return [
            d
            for d in self.docs
            if d["kind"] == kind and (api_group is None or group_of(d) == api_group)
        ]

    def one(self, kind: str, name: str, api_group: str | None = None) -> dict:
        found = [d for d in self.of_kind(kind, api_group) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.name}: expected one {kind} {name}, found {len(found)}"
        return found[0]

    @property
    def ksvcs(self) -> list[dict]:
        return self.of_kind("Service", "serving.knative.dev")

    @property
    def core_services(self) -> list[dict]:
        return self.of_kind("Service", "")

    def configmap_data(self, name: str) -> dict[str, str]:
        return self.one("ConfigMap", name)["data"]

    def container_env(self, ksvc: dict) -> dict[str, str]:
        """The environment the cell's container will see: envFrom ConfigMaps
        in order, then env (literal values and ConfigMap keys; Secret keys as
        a placeholder, since their values are not part of the build)."""
        container = ksvc["spec"]["template"]["spec"]["containers"][0]
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            assert "configMapRef" in source, f"unexpected envFrom {source}"
            env.update(self.configmap_data(source["configMapRef"]["name"]))
        for var in container.get("env", []):
            if "value" in var:
                env[var["name"]] = var["value"]
            elif ref := var.get("valueFrom", {}).get("configMapKeyRef"):
                env[var["name"]] = self.configmap_data(ref["name"])[ref["key"]]
            elif var.get("valueFrom", {}).get("secretKeyRef"):
                env[var["name"]] = "<secret>"
        return env


def group_of(doc: dict) -> str:
    api = doc["apiVersion"]
    return api.split("/")[0] if "/" in api else ""


@pytest.fixture(scope="session", params=sorted(OVERLAYS))
def build(request) -> Build:
    return Build(request.param, kustomize_build(OVERLAYS[request.param]))


@pytest.fixture(scope="session")
def builds() -> dict[str, Build]:
    return {name: Build(name, kustomize_build(path)) for name, path in OVERLAYS.items()}


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


# ── the real binaries ─────────────────────────────────────────────────────

def bin_dir() -> Path:
    path = Path(os.environ.get("VPM_BIN_DIR", REPO / "target" / "release"))
    for cell in CELLS:
        if not (path / cell).is_file():
            pytest.fail(f"{path / cell} is missing: build the workspace in release mode first", pytrace=False)
    return path


def http_get(url: str, timeout: float = 2.0, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        # As the cells bind (tokio sets SO_REUSEADDR): a previous run's
        # connections in TIME_WAIT do not make the port busy.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class RunningCell:
    """One cell binary; `host` stands for its pod's IP."""

    name: str
    host: str
    port: int
    metrics_port: int | None
    process: subprocess.Popen

    def get(self, path: str, **kw) -> tuple[int, str]:
        return http_get(f"http://{self.host}:{self.port}{path}", **kw)

    def get_metrics_port(self, path: str, **kw) -> tuple[int, str]:
        """A GET on VPM_METRICS_PORT, where the scrape goes."""
        assert self.metrics_port is not None, f"{self.name}: the overlay sets no VPM_METRICS_PORT"
        try:
            return http_get(f"http://{self.host}:{self.metrics_port}{path}", **kw)
        except OSError as e:
            pytest.fail(
                f"{self.name} does not answer on VPM_METRICS_PORT {self.metrics_port} ({e}): "
                "does this build of crates/cell serve metrics on a port of its own?",
                pytrace=False,
            )


class CellFleet:
    """The four binaries, each started as Knative would start its container:
    PORT = the containerPort of its Knative Service, plus the environment
    its ConfigMaps give it. Each pod has an IP of its own, so the four can
    share VPM_METRICS_PORT as they do in a cluster: here each cell binds a
    loopback address of its own (127.0.0.11, .12, ...) in place of the
    manifest's VPM_HOST=0.0.0.0."""

    def __init__(self, build: Build, extra_env: dict[str, str] | None = None):
        self.build = build
        self.cells: dict[str, RunningCell] = {}
        self.extra_env = extra_env or {}
        # What the cluster would mount: a writable /data (an emptyDir) and
        # the signing key Secret; here a temporary directory and a fresh key.
        self.scratch = tempfile.TemporaryDirectory(prefix="vpm-deploy-")

    def start(self) -> "CellFleet":
        bins = bin_dir()
        for index, ksvc in enumerate(self.build.ksvcs):
            name = ksvc["metadata"]["name"]
            host = f"127.0.0.{11 + index}"
            port = ksvc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
            env = {k: v for k, v in self.build.container_env(ksvc).items() if v != "<secret>"}
            metrics_port = int(env["VPM_METRICS_PORT"]) if "VPM_METRICS_PORT" in env else None
            for p in filter(None, (port, metrics_port)):
                if not port_is_free(p, host):
                    pytest.fail(
                        f"port {host}:{p} is taken: run these tests through scripts/suites/40-deploy.sh "
                        "(a private network namespace)",
                        pytrace=False,
                    )
            env = {**os.environ, **env, **self.extra_env, "PORT": str(port), "VPM_HOST": host, "VPM_LOG": "warn"}
            env.update(self.mounted(name, env))
            # Logs (JSON on stdout) are kept for the failure message.
            proc = subprocess.Popen([str(bins / name)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.cells[name] = RunningCell(name, host, port, metrics_port, proc)
        deadline = time.monotonic() + 15
        for cell in self.cells.values():
            while True:
                if cell.process.poll() is not None:
                    err = cell.process.stdout.read().decode() if cell.process.stdout else ""
                    self.stop()
                    pytest.fail(f"{cell.name} exited with {cell.process.returncode} at start: {err}", pytrace=False)
                try:
                    if cell.get("/healthz", timeout=0.5)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"{cell.name} did not answer on port {cell.port}"
                time.sleep(0.05)
        return self

    def mounted(self, name: str, env: dict[str, str]) -> dict[str, str]:
        """Paths the Knative Service mounts, pointed at local stand-ins."""
        if name != "archivist":
            return {}
        data = os.path.join(self.scratch.name, "data")
        os.makedirs(data, exist_ok=True)
        key = os.path.join(self.scratch.name, "signing-key.pem")
        if not os.path.exists(key):
            subprocess.run(
                [str(bin_dir() / "vpm"), "keygen", "--out", key, "--origin", env.get("VPM_LOG_ORIGIN", "localhost/vpm-archive")],
                check=True,
                capture_output=True,
            )
        return {"VPM_DATA_DIR": data, "VPM_SIGNING_KEY_FILE": key}

    def stop(self) -> None:
        for cell in self.cells.values():
            if cell.process.poll() is None:
                cell.process.send_signal(signal.SIGTERM)
        for cell in self.cells.values():
            try:
                cell.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                cell.process.kill()
                cell.process.wait()


@pytest.fixture(scope="session")
def fleets(builds):
    """One running fleet per overlay, started lazily and stopped at the end."""
    started: dict[str, CellFleet] = {}

    def get(name: str) -> CellFleet:
        if name not in started:
            for other in list(started):  # same ports: one overlay at a time
                started.pop(other).stop()
            started[name] = CellFleet(builds[name]).start()
        return started[name]

    yield get
    for fleet in started.values():
        fleet.stop()


def parse_exposition(text: str) -> dict[str, list[dict[str, str]]]:
    """Samples of a text exposition, by sample name, via prometheus_client's
    own parser (the reference implementation of the format)."""
    from prometheus_client.parser import text_string_to_metric_families

    samples: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(dict(sample.labels))
    return samples


def duration_seconds(value: str) -> float:
    """A Go/humantime duration such as 30s, 500ms, 2m, 1h30m, or bare seconds."""
    if re.fullmatch(r"\d+", value):
        return float(value)
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not a duration: {value!r}"
    return sum(float(n) * units[u] for n, u in parts)

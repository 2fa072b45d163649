"""Start the real vpm binaries from $VPM_BIN_DIR for Python test suites.

`cells()` runs `vpm up` (all four cells in one process) on free ports and
yields {cell name: base URL}; `cell(name)` runs one cell binary alone. Both
stop the process (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CELLS = ("curator", "planner", "synthesizer", "archivist")
ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("VPM_BIN_DIR", ROOT / "target" / "release"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    path = BIN_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is not built (cargo build --release --workspace --bins)")
    return str(path)


def wait_healthy(url: str, proc: subprocess.Popen, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was healthy")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy in {within}s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def cells(extra_env: dict[str, str] | None = None, args: list[str] | None = None):
    """All four cells in one `vpm up` process; yields {name: base_url}."""
    ports = {c: free_port() for c in CELLS}
    cmd = [binary("vpm"), "up", "--host", "127.0.0.1"]
    for c, p in ports.items():
        cmd += [f"--{c}-port", str(p)]
    cmd += args or []
    with tempfile.TemporaryDirectory(prefix="vpm-py-") as data:
        env = dict(os.environ, VPM_DATA_DIR=data, **(extra_env or {}))
        log = open(Path(data) / "vpm.log", "w+")
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data)
        try:
            urls = {c: f"http://127.0.0.1:{p}" for c, p in ports.items()}
            for url in urls.values():
                wait_healthy(url, proc)
            yield urls
        finally:
            _stop(proc)
            log.close()


@contextlib.contextmanager
def cell(name: str, extra_env: dict[str, str] | None = None):
    """One cell binary alone; yields its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"vpm-{name}-") as data:
        env = dict(os.environ, PORT=str(port), VPM_HOST="127.0.0.1", VPM_DATA_DIR=data, **(extra_env or {}))
        proc = subprocess.Popen([binary(name)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=data)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, proc)
            yield url
        finally:
            _stop(proc)

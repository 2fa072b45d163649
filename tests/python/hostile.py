"""Tools for the hostile-input suite (test_hostile.py): a cell started alone
with its JSON log kept, raw HTTP over a socket (so a test controls every
byte and every pause), memory figures from /proc, and the figures each test
measured, printed at the end as one table.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vpmcells import ROOT, binary, free_port, wait_healthy

MiB = 1024 * 1024

# name -> figure, in the order measured; conftest-free: printed by the
# session-scoped fixture of test_hostile.py.
FIGURES: list[tuple[str, str]] = []


def figure(name: str, value: str) -> None:
    """Records and prints one measured figure (pytest -s shows it at once)."""
    FIGURES.append((name, value))
    print(f"\n[hostile] {name}: {value}", flush=True)


def proc_status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def peak_rss(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), in bytes."""
    return proc_status_kib(pid, "VmHWM") * 1024


@dataclass
class Cell:
    name: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    data: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict]:
        lines = []
        for text in self.log_path.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError:
                lines.append({"unparsed": text})
        return lines


@contextlib.contextmanager
def cell(name: str, env: dict[str, str] | None = None):
    """One cell binary on a free port of 127.0.0.1, its stdout (JSON log
    lines) and stderr kept in a file; stopped when the block ends."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"vpm-hostile-{name}-") as tmp:
        data = Path(tmp)
        log_path = data / f"{name}.log"
        full_env = dict(os.environ, PORT=str(port), VPM_HOST="127.0.0.1", VPM_DATA_DIR=tmp,
                        VPM_LOG="info", **(env or {}))
        with open(log_path, "w") as log:
            proc = subprocess.Popen([binary(name)], env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=tmp)
        try:
            try:
                wait_healthy(f"http://127.0.0.1:{port}", proc)
            except (RuntimeError, TimeoutError) as e:
                raise AssertionError(f"{name} did not start: {e}\n{log_path.read_text()[-2000:]}") from e
            yield Cell(name, port, proc, log_path, data)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@dataclass
class Answer:
    status: int | None  # None: closed or reset without a status line
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the first byte sent to the end of the answer
    error: str | None = None

    def json(self) -> dict:
        return json.loads(self.body)


def parse_response(raw: bytes) -> tuple[int | None, dict[str, str], bytes]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1."):
        return None, {}, raw
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = dechunk(body)
    return status, headers, body


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes = b"", timeout: float = 30.0, raw_head: bytes | None = None) -> Answer:
    """One HTTP/1.1 request on its own connection (`Connection: close`).
    The body is sent from a thread while the answer is read, so a server
    that answers early (401, 413) and closes is measured, not a broken pipe."""
    if raw_head is None:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw_head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    started = time.monotonic()
    send_error: list[str] = []

    def send() -> None:
        try:
            sock.sendall(raw_head)
            view = memoryview(body)
            for i in range(0, len(view), 256 * 1024):
                sock.sendall(view[i:i + 256 * 1024])
        except OSError as e:
            send_error.append(type(e).__name__)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    chunks = []
    error = None
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except TimeoutError:
        error = "timeout"
    except ConnectionResetError:
        error = "reset"
    finally:
        seconds = time.monotonic() - started
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        sender.join(timeout=5)
    status, hdrs, data = parse_response(b"".join(chunks))
    return Answer(status, hdrs, data, seconds, error or (send_error[0] if send_error and status is None else None))


def time_to_close(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closes `sock` (EOF or reset), reading and
    keeping whatever it sends; `limit` + 1 if it never does within `limit`."""
    sock.settimeout(0.2)
    started = time.monotonic()
    received = b""
    while time.monotonic() - started < limit:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started, received
        if not chunk:
            return time.monotonic() - started, received
        received += chunk
    return limit + 1, received


def read_one_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Reads one complete response with a Content-Length from a kept-alive
    connection."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of a response body"
        body += chunk
    return head


def lantern_bundle() -> bytes:
    folder = ROOT / "examples" / "lantern"
    sources = [
        {"path": str(p.relative_to(folder)), "content": p.read_text(encoding="utf-8")}
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    return json.dumps({"schema_version": "bundle_v1", "project_id": "lantern", "sources": sources}).encode()


def tiny_objects(prefix: bytes, size: int, suffix: bytes) -> bytes:
    """`prefix` + `{"":0},{"":0},...` + `suffix`, `size` bytes in all: the
    densest JSON for a parser that builds a tree (one map per 7 bytes)."""
    unit = b'{"":0},'
    count = (size - len(prefix) - len(suffix) - len(b'{"":0}')) // len(unit)
    body = prefix + unit * count + b'{"":0}' + suffix
    return body + b" " * (size - len(body))

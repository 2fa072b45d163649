"""Hostile input against the real release binaries (issue 13): each attack
is run as an attacker would run it, and the bound the runtime promises is
asserted on what a user would notice: memory growth, time to close a
connection, the longest run of 503s, the refusal and its message, and that
no byte of a secret reaches output or the archive.

Every test prints what it measured ("[hostile] name: figure") and the
session ends with the table of figures, which docs/security.md quotes.
Nothing here is skipped: an attack whose defence is missing fails, naming
the bound it broke.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from hostile import (
    FIGURES, MiB, cell, figure, lantern_bundle, peak_rss, read_one_response, request, time_to_close,
    tiny_objects,
)
from vpmcells import ROOT, binary, free_port

LANTERN = ROOT / "examples" / "lantern"
ERROR_KEYS = {"code", "message"}


@pytest.fixture(scope="session", autouse=True)
def figures_table():
    yield
    if FIGURES:
        width = max(len(n) for n, _ in FIGURES)
        print("\n\nhostile-input figures (measured on this machine, this run):")
        for name, value in FIGURES:
            print(f"  {name.ljust(width)}  {value}")


def assert_json_error(answer, status: int | tuple[int, ...], what: str) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert answer.status in statuses, (
        f"{what}: expected {statuses}, got {answer.status} ({answer.error or ''}) {answer.body[:300]!r}"
    )
    assert answer.headers.get("content-type", "").startswith("application/json"), (
        f"{what}: {answer.status} with content-type {answer.headers.get('content-type')!r}: {answer.body[:200]!r}"
    )
    error = answer.json().get("error")
    assert isinstance(error, dict) and ERROR_KEYS <= set(error), f"{what}: not the error contract: {answer.body[:300]!r}"
    return error


# ── 1. memory amplification ───────────────────────────────────────────────

BIG_BODIES = {"VPM_MAX_BODY_BYTES": str(32 * MiB), "VPM_REQUEST_TIMEOUT": "60s"}


def amplification(name: str, path: str, headers: dict, body: bytes, env: dict | None = None):
    with cell(name, {**BIG_BODIES, **(env or {})}) as c:
        # Warm up the allocator and the route with a small request first.
        request(c.port, "POST", path, headers, b"{}", timeout=10)
        before = peak_rss(c.pid)
        answer = request(c.port, "POST", path, headers, body, timeout=60)
        growth = peak_rss(c.pid) - before
        alive = c.proc.poll() is None
    return answer, growth, alive


def test_tiny_objects_in_a_bundle_cost_at_most_four_times_the_body():
    body = tiny_objects(b'{"schema_version":"bundle_v1","project_id":"x","sources":[],"pad":[', 4 * MiB, b"]}")
    answer, growth, alive = amplification("curator", "/v1/curate", {"content-type": "application/json"}, body)
    figure("1a curator /v1/curate, 4 MiB of {\"\":0}", f"HTTP {answer.status} in {answer.seconds:.2f} s, "
           f"peak RSS +{growth / MiB:.1f} MiB ({growth / len(body):.1f}x the body)")
    assert alive, "the curator died"
    assert answer.status in (400, 422), f"expected 400/422, got {answer.status}: {answer.body[:300]!r}"
    assert growth <= 16 * MiB, f"peak RSS grew {growth / MiB:.1f} MiB for a 4 MiB body (bound 16 MiB)"


def structured_event(event_type: str, size: int) -> bytes:
    prefix = ('{"specversion":"1.0","id":"1","source":"/x","type":"%s",'
              '"datacontenttype":"application/json","data":{"pad":[' % event_type).encode()
    return tiny_objects(prefix, size, b"]}}")


@pytest.mark.parametrize("name,event_type", [("planner", "dev.vpm.curated.v1"), ("archivist", "dev.vpm.snapshot.v1")])
def test_a_15_mib_structured_event_costs_at_most_three_times_the_body(name, event_type):
    body = structured_event(event_type, 15 * MiB)
    headers = {"content-type": "application/cloudevents+json"}
    answer, growth, alive = amplification(name, "/", headers, body)
    figure(f"1b {name} POST /, 15 MiB structured event", f"HTTP {answer.status} in {answer.seconds:.2f} s, "
           f"peak RSS +{growth / MiB:.1f} MiB ({growth / len(body):.1f}x the body)")
    assert alive, f"the {name} died"
    assert answer.status is not None and 400 <= answer.status < 500, (
        f"expected a 4xx refusal, got {answer.status}: {answer.body[:300]!r}"
    )
    assert growth <= 3 * len(body), (
        f"peak RSS grew {growth / MiB:.1f} MiB for a {len(body) / MiB:.0f} MiB event (bound 3x = {3 * len(body) / MiB:.0f} MiB)"
    )


def test_the_archivist_refuses_an_unauthenticated_event_before_reading_it():
    body = structured_event("dev.vpm.snapshot.v1", 15 * MiB)
    answer, growth, alive = amplification(
        "archivist", "/", {"content-type": "application/cloudevents+json"}, body,
        env={"VPM_WRITE_TOKEN": secrets.token_hex(16)},
    )
    figure("1c archivist POST / 15 MiB, no token", f"HTTP {answer.status} in {answer.seconds:.2f} s, "
           f"peak RSS +{growth / MiB:.1f} MiB")
    assert alive
    assert_json_error(answer, 401, "an event without the token")
    # Answered before the body was parsed (or held): no growth of the order of the body.
    assert growth <= 4 * MiB, f"peak RSS grew {growth / MiB:.1f} MiB before refusing a request without its token"
    assert answer.seconds < 5, f"the refusal took {answer.seconds:.1f} s"


# ── 2. and 3. the folder reader ───────────────────────────────────────────

def copy_lantern(tmp: Path) -> Path:
    folder = tmp / "project"
    shutil.copytree(LANTERN, folder)
    return folder


def run_vpm(args: list[str], env: dict[str, str], limit: float = 20.0) -> tuple[int, bytes, bytes, float, int]:
    """Runs `vpm` with a deadline; returns (exit code, stdout, stderr,
    seconds, peak RSS in bytes). The peak comes from /usr/bin/time, whose
    small process forks vpm: the kernel's maxrss of a child spawned from
    this (large) Python process would count Python's pages from before the
    exec."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        started = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name, binary("vpm"), *args], env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            err.seek(0)
            raise AssertionError(f"vpm {' '.join(args)} still ran after {limit} s; stderr: {err.read()[-500:]!r}")
        seconds = time.monotonic() - started
        out.seek(0), err.seek(0)
        lines = [line for line in rss.read().splitlines() if line.strip().isdigit()]
        assert lines, f"/usr/bin/time reported no peak RSS: {rss.read()!r}"
        return code, out.read(), err.read(), seconds, int(lines[-1]) * 1024


def every_byte_under(path: Path) -> bytes:
    data = b""
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            data += p.name.encode() + b"\0" + p.read_bytes()
    return data


@pytest.mark.parametrize("target,needle", [("/proc/self/environ", None), ("/etc/passwd", b"root:x:0:0")])
def test_a_symlink_leaving_the_folder_is_refused_and_nothing_leaks(tmp_path, target, needle):
    secret = secrets.token_hex(24)
    canary = "canary-" + secrets.token_hex(12)
    folder = copy_lantern(tmp_path)
    (folder / "state.md").unlink()
    (folder / "state.md").symlink_to(target)
    data = tmp_path / "data"
    data.mkdir()
    env = dict(os.environ, VPM_WRITE_TOKEN=secret, VPM_HOSTILE_CANARY=canary, VPM_DATA_DIR=str(data), VPM_LOG="info")
    code, out, err, seconds, _ = run_vpm(["snapshot", str(folder), "--embedded", "--as-of", "2026-11-30"], env)
    figure(f"2 vpm snapshot, state.md -> {target}", f"exit {code} in {seconds:.2f} s; stderr: {err.decode(errors='replace').strip()[:160]!r}")
    assert code != 0, "the snapshot succeeded with state.md pointing outside the folder"
    assert b"state.md" in err, f"stderr does not name state.md: {err[-500:]!r}"
    everything = out + err + every_byte_under(data) + every_byte_under(folder)
    for what, value in (("VPM_WRITE_TOKEN", secret.encode()), ("another variable", canary.encode())):
        assert value not in everything, f"the value of {what} reached the output or the data dir"
    if needle:
        assert needle not in everything, f"{needle!r} from {target} reached the output or the data dir"


def test_a_device_and_a_fifo_are_refused_quickly_with_bounded_memory(tmp_path):
    env = dict(os.environ, VPM_DATA_DIR=str(tmp_path / "data"), VPM_LOG="info")
    baseline = run_vpm(["curate", str(LANTERN), "--as-of", "2026-11-30"], env)
    assert baseline[0] == 0, f"vpm curate fails on the example itself: {baseline[2][-500:]!r}"

    zero = copy_lantern(tmp_path / "zero")
    (zero / "state.md").unlink()
    (zero / "state.md").symlink_to("/dev/zero")
    fifo = copy_lantern(tmp_path / "fifo")
    (fifo / "tasks.yaml").unlink()
    os.mkfifo(fifo / "tasks.yaml")
    sock_dir = copy_lantern(tmp_path / "sock")
    (sock_dir / "state.md").unlink()
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(sock_dir / "state.md"))
    listening.listen(1)
    huge = copy_lantern(tmp_path / "huge")
    with open(huge / "state.md", "r+b") as f:
        f.truncate(1024 * MiB)  # sparse: 1 GiB of zeros that cost no disk
    results = {}
    cases = (("state.md -> /dev/zero", zero, b"state.md"), ("tasks.yaml a FIFO", fifo, b"tasks.yaml"),
             ("state.md a listening socket", sock_dir, b"state.md"), ("state.md a 1 GiB file", huge, b"state.md"))
    for what, folder, named in cases:
        code, out, err, seconds, rss = run_vpm(["curate", str(folder), "--as-of", "2026-11-30"], env, limit=10.0)
        results[what] = (code, err, seconds, rss)
        said = [line for line in err.decode(errors="replace").splitlines() if named.decode() in line][:1]
        figure(f"3 vpm curate, {what}", f"exit {code} in {seconds:.2f} s, peak RSS {rss / MiB:.1f} MiB "
               f"(the example: {baseline[4] / MiB:.1f} MiB); {said[0][:110] if said else 'the file is not named'!r}")
        assert code != 0, f"{what}: accepted"
        assert named in err, f"{what}: the error does not name the file: {err[-400:]!r}"
        assert seconds < 10
        # Reads are bounded by the per-file limit (4 MiB) + 1 byte: far below 64 MiB.
        assert rss <= baseline[4] + 32 * MiB, f"{what}: peak RSS {rss / MiB:.1f} MiB"
    listening.close()


# ── 4. silent and idle connections ────────────────────────────────────────

QUICK_TIMEOUTS = {"VPM_HEADER_READ_TIMEOUT": "1s", "VPM_IDLE_TIMEOUT": "1s"}


def test_silent_half_sent_and_idle_connections_are_closed_within_the_timeout():
    with cell("curator", QUICK_TIMEOUTS) as c:
        since = {}
        silent = socket.create_connection(("127.0.0.1", c.port))
        since["silent"] = time.monotonic()
        half = socket.create_connection(("127.0.0.1", c.port))
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        since["half a header line"] = time.monotonic()
        idle = socket.create_connection(("127.0.0.1", c.port))
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = read_one_response(idle)
        since["idle after a response"] = time.monotonic()
        assert head.startswith(b"HTTP/1.1 200"), head
        closes = {}
        threads = []
        for what, sock in (("silent", silent), ("half a header line", half), ("idle after a response", idle)):
            def measure(what=what, sock=sock):
                begin = time.monotonic()
                waited, received = time_to_close(sock, 10.0)
                # from the last byte either side sent
                closes[what] = (waited + (begin - since[what]), received)
            threads.append(threading.Thread(target=measure))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for sock in (silent, half, idle):
            sock.close()
    for what, (seconds, received) in closes.items():
        figure(f"4a {what} connection, 1 s timeouts", f"closed after {seconds:.2f} s"
               + (f", after sending {received[:40]!r}" if received else ""))
    for what, (seconds, _) in closes.items():
        assert seconds <= 3.0, f"a {what} connection stayed open {seconds:.1f} s (timeout 1 s + 2 s)"


def test_two_thousand_silent_connections_do_not_stop_healthz():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= 2500, "ulimit -n is below 2,500: raise it to run this attack"
    with cell("curator", {**QUICK_TIMEOUTS, "VPM_MAX_CONNECTIONS": "500"}) as c:
        socks = []
        try:
            started = time.monotonic()
            for _ in range(2000):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", c.port))
                socks.append(s)
            opened = time.monotonic() - started
            most_fds = [0]
            sampling = threading.Event()

            def sample_fds() -> None:
                while not sampling.is_set():
                    with contextlib.suppress(OSError):
                        most_fds[0] = max(most_fds[0], len(os.listdir(f"/proc/{c.pid}/fd")))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample_fds)
            sampler.start()
            # /healthz on a fresh connection, while the 2,000 are silent.
            answered = None
            t0 = time.monotonic()
            while time.monotonic() - t0 < 20:
                a = request(c.port, "GET", "/healthz", timeout=20)
                if a.status == 200:
                    answered = time.monotonic() - t0
                    break
                time.sleep(0.1)
            time.sleep(0.5)
            sampling.set()
            sampler.join()
            fds = most_fds[0]
            alive = c.proc.poll() is None
        finally:
            for s in socks:
                s.close()
    figure("4b /healthz behind 2,000 silent connections (cap 500, 1 s header timeout)",
           f"answered after {answered:.2f} s" if answered is not None else "never answered in 20 s")
    figure("4b the cell's open descriptors, at most", f"{fds} (2,000 connections opened in {opened:.2f} s)")
    assert alive
    # The cap holds: 500 connections, plus the listeners, the log and a few
    # closing, never the 2,000.
    assert fds <= 500 + 64, f"the cell holds {fds} descriptors with VPM_MAX_CONNECTIONS=500"
    assert answered is not None, "/healthz never answered behind 2,000 silent connections"
    # 2,000 / 500 batches, each closed after the 1 s header timeout, + 2 s.
    assert answered <= 2000 / 500 * 1.0 + 2.0, f"/healthz took {answered:.1f} s"


# ── 5. slow bodies against the concurrency limit ──────────────────────────

def test_slow_bodies_hold_the_cell_no_longer_than_the_body_timeout():
    bundle = lantern_bundle()
    env = {"VPM_CONCURRENCY_LIMIT": "8", "VPM_BODY_TIMEOUT": "2s", "VPM_HEADER_READ_TIMEOUT": "5s"}
    with cell("curator", env) as c:
        stop = threading.Event()
        attack_started = threading.Barrier(41, timeout=15)

        held: list[tuple[float, bytes]] = []  # per attacker: seconds until the cell closed, what it said

        def slow_body() -> None:
            s = socket.create_connection(("127.0.0.1", c.port), timeout=30)
            s.settimeout(1.0)
            try:
                s.sendall(b"POST /v1/curate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 1000000\r\n\r\n{")
                head_sent = time.monotonic()
                attack_started.wait()
                said = b""
                while not stop.is_set():
                    try:
                        chunk = s.recv(4096)  # waits up to a second: one byte a second
                        if not chunk:
                            break
                        said += chunk
                    except TimeoutError:
                        pass
                    s.sendall(b" ")
                held.append((time.monotonic() - head_sent, said))
            except OSError:
                held.append((time.monotonic() - head_sent, b"(reset)"))
            finally:
                s.close()

        attackers = [threading.Thread(target=slow_body, daemon=True) for _ in range(40)]
        for t in attackers:
            t.start()
        attack_started.wait()
        time.sleep(0.2)
        outcomes: list[tuple[float, int | None]] = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 8.0:
            sent = time.monotonic()
            a = request(c.port, "POST", "/v1/curate", {"content-type": "application/json"}, bundle, timeout=10)
            outcomes.append((sent - t0, a.status))
            time.sleep(max(0.0, 0.1 - (time.monotonic() - sent)))
        stop.set()
        for t in attackers:
            t.join(timeout=5)
    # The longest time from a 503 to the next answer that is not a 503.
    longest, run_start = 0.0, None
    for at, status in outcomes + [(outcomes[-1][0], 0)]:
        if status == 503 and run_start is None:
            run_start = at
        elif status != 503 and run_start is not None:
            longest = max(longest, at - run_start)
            run_start = None
    counts = {}
    for _, status in outcomes:
        counts[status] = counts.get(status, 0) + 1
    figure("5 curations beside 40 slow bodies (limit 8, body timeout 2 s)",
           f"longest run of 503s {longest:.2f} s; answers {dict(sorted(counts.items(), key=str))}")
    longest_held = max((h for h, _ in held), default=float("inf"))
    statuses = sorted({said.split(b"\r\n")[0].decode(errors="replace") for _, said in held})
    figure("5 a slow body's connection", f"closed after at most {longest_held:.2f} s ({len(held)} of 40); the cell said {statuses}")
    assert len(held) == 40 and longest_held <= 3.5, (
        f"slow bodies were held {longest_held:.1f} s (bound: body timeout 2 s + 1.5 s); {len(held)} of 40 closed"
    )
    assert counts.get(200, 0) > 0, f"no curation succeeded during the attack: {counts}"
    assert longest <= 3.0, f"503s for {longest:.1f} s in a row (bound: body timeout 2 s + 1 s)"


# ── 6. a blank secret fails closed ────────────────────────────────────────

@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_a_blank_write_token_stops_the_archivist(tmp_path, value):
    env = dict(os.environ, PORT=str(free_port()), VPM_HOST="127.0.0.1", VPM_DATA_DIR=str(tmp_path), VPM_WRITE_TOKEN=value)
    try:
        out = subprocess.run([binary("archivist")], env=env, capture_output=True, timeout=10, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the archivist started with VPM_WRITE_TOKEN={value!r}: writes open to anyone")
    text = (out.stdout + out.stderr).decode(errors="replace")
    figure(f"6 archivist with VPM_WRITE_TOKEN={value!r}", f"exit {out.returncode}: {text.strip()[-160:]!r}")
    assert out.returncode == 2, f"exit {out.returncode}: {text[-400:]}"
    assert "VPM_WRITE_TOKEN" in text


# ── 7. file names that are terminal escapes ───────────────────────────────

def test_file_names_cannot_paint_the_terminal_or_forge_a_diagnostic(tmp_path):
    folder = copy_lantern(tmp_path)
    decisions = folder / "decisions"
    # Invalid content, so that the curator must name each file in an error.
    (decisions / "\x1b[2Jx.yaml").write_text("id: [\n")
    (decisions / "y\ntasks.yaml:1: error: forged diagnostic\n.yaml").write_text("id: [\n")
    (decisions / "z\rtasks.yaml:1: carriage return.yaml").write_text("id: [\n")
    env = dict(os.environ, VPM_DATA_DIR=str(tmp_path / "data"), VPM_LOG="info")
    code, out, err, seconds, _ = run_vpm(["curate", str(folder), "--as-of", "2026-11-30"], env)
    figure("7 vpm curate, decision files named with ESC, LF, CR",
           f"exit {code}; stderr: {err.decode(errors='replace')[:200]!r}")
    assert code != 0, "the broken decision files were accepted"
    for stream, data in (("stdout", out), ("stderr", err)):
        assert b"\x1b" not in data, f"a raw ESC byte reached {stream}: {data[:300]!r}"
        assert b"\r" not in data, f"a raw carriage return reached {stream}"
        forged = [line for line in data.split(b"\n") if line.startswith(b"tasks.yaml:1:")]
        assert not forged, f"{stream} has a forged diagnostic line: {forged}"


# ── 8. authorisation before parsing ───────────────────────────────────────

def test_the_token_is_checked_before_the_body_is_parsed():
    token = secrets.token_hex(16)
    with cell("archivist", {"VPM_WRITE_TOKEN": token}) as c:
        binary_event = {
            "ce-specversion": "1.0", "ce-type": "dev.vpm.snapshot.v1", "ce-source": "/hostile",
            "ce-id": "hostile-1", "content-type": "application/json",
        }
        cases = {
            "POST / binary event, invalid JSON": ("/", binary_event, b"{not json"),
            "POST / binary event, valid JSON": ("/", binary_event, b"{}"),
            "POST /v1/records, invalid JSON": ("/v1/records", {"content-type": "application/json"}, b"{\"schema_"),
            "POST /v1/records, wrong token": ("/v1/records", {"content-type": "application/json", "authorization": "Bearer x" + token[1:]}, b"{}"),
            "POST /v1/records, wrong media type": ("/v1/records", {"content-type": "text/plain"}, b"hello"),
        }
        answers = {what: request(c.port, "POST", path, headers, body, timeout=10)
                   for what, (path, headers, body) in cases.items()}
        with_token = request(c.port, "POST", "/v1/records", {"content-type": "application/json", "authorization": f"Bearer {token}"},
                             b"{\"schema_", timeout=10)
        doc = json.loads(request(c.port, "GET", "/openapi.json", timeout=10).body)
    figure("8 archivist with a token, requests without it", ", ".join(f"{k}: {a.status}" for k, a in answers.items()))
    for what, answer in answers.items():
        assert_json_error(answer, 401, what)
    assert with_token.status == 400, f"with the token, a truncated body is a 400, got {with_token.status}"
    schemes = doc.get("components", {}).get("securitySchemes", {})
    bearer = {name for name, s in schemes.items() if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"}
    assert bearer, f"/openapi.json declares no bearer scheme: {schemes}"
    for path in ("/", "/v1/records"):
        security = doc["paths"][path]["post"].get("security") or doc.get("security") or []
        assert any(set(req) & bearer for req in security), f"POST {path} does not declare bearer security: {security}"


# ── 9. trace context in structured mode ───────────────────────────────────

def test_a_structured_events_traceparent_reaches_the_log():
    trace_id = secrets.token_hex(16)
    bundle = json.loads(lantern_bundle())
    bundle["as_of"] = "2026-11-30"
    event = {
        "specversion": "1.0", "id": "trace-1", "source": "/hostile", "type": "dev.vpm.bundle.v1",
        "datacontenttype": "application/json", "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        "data": bundle,
    }
    with cell("curator") as c:
        answer = request(c.port, "POST", "/", {"content-type": "application/cloudevents+json"},
                         json.dumps(event).encode(), timeout=20)
        time.sleep(0.3)
        lines = c.log_lines()
    request_lines = [line for line in lines if line.get("path") == "/" or line.get("route") == "/"]
    traced = [line for line in lines if line.get("trace_id") == trace_id]
    figure("9 structured event with a traceparent attribute",
           f"HTTP {answer.status}; {len(traced)} of {len(request_lines)} log lines of the request carry its trace id")
    assert answer.status == 200, f"the event was refused: {answer.status} {answer.body[:300]!r}"
    assert request_lines, "the cell logged nothing about the request"
    assert traced, f"no log line carries trace id {trace_id}; the request's lines: {request_lines[:3]}"
    assert all(line.get("trace_id") == trace_id for line in request_lines), (
        f"some lines of the request carry another trace id: {[line.get('trace_id') for line in request_lines]}"
    )


# ── 10. the error contract at the edges of HTTP ───────────────────────────

MAIN_ROUTES = {"curator": "/v1/curate", "planner": "/v1/plan", "synthesizer": "/v1/synthesize", "archivist": "/v1/records"}
# The first key of a valid document for each route: a body cut right after
# it is malformed JSON and nothing else (a key the route does not know would
# be refused as invalid, 422, before the decoder reached the cut).
FIRST_KEY = {"curator": "schema_version", "planner": "curated_set", "synthesizer": "curated_set", "archivist": "project_id"}


@pytest.mark.parametrize("name", list(MAIN_ROUTES))
def test_every_refusal_is_the_json_error_contract(name):
    route = MAIN_ROUTES[name]
    json_type = {"content-type": "application/json"}
    with cell(name) as c:
        answers = {
            "64 KiB header": request(c.port, "GET", "/healthz", {"x-long": "a" * (64 * 1024)}, timeout=10),
            "10 KiB URI": request(c.port, "GET", "/" + "a" * (10 * 1024), timeout=10),
            "truncated JSON": request(c.port, "POST", route, json_type, b'{"%s":' % FIRST_KEY[name].encode(), timeout=10),
            "a lone {": request(c.port, "POST", route, json_type, b"{", timeout=10),
            "{}": request(c.port, "POST", route, json_type, b"{}", timeout=10),
            "unknown field": request(c.port, "POST", route, json_type,
                                     b'{"schema_version":"bundle_v1","project_id":"x","sources":[],"unknown":1}', timeout=10),
        }
    figure(f"10 {name} refusals", ", ".join(f"{k}: {a.status}" for k, a in answers.items()))
    expected = {"64 KiB header": 431, "10 KiB URI": 414, "truncated JSON": 400, "a lone {": 400, "{}": 422,
                "unknown field": 422}
    wrong = {k: a.status for k, a in answers.items() if a.status != expected[k]}
    assert not wrong, f"{name}: expected {expected}, got {wrong} for those"
    for what, a in answers.items():
        assert_json_error(a, expected[what], f"{name}: {what}")


# ── 10. a hostile GitHub API behind `vpm pull` ────────────────────────────

GZIP_BOMB_UNPACKED = 1024 * MiB


def gzip_bomb() -> bytes:
    """A gzip stream of 1 GiB of spaces, about 1 MiB on the wire."""
    import gzip
    import io
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        block = b" " * MiB
        for _ in range(GZIP_BOMB_UNPACKED // MiB):
            gz.write(block)
    return buf.getvalue()


class HostileGitHub:
    """An HTTP server on 127.0.0.1 that answers every GET with one attack."""

    def __init__(self, mode: str):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        self.mode = mode
        self.requests = 0
        bomb = gzip_bomb() if mode == "gzip_bomb" else b""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 (the stdlib's name)
                server.requests += 1
                port = self.server.server_address[1]
                try:
                    if server.mode == "endless":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.end_headers()
                        self.wfile.write(b"[")
                        item = b'{"number":1,"title":"x","state":"open"},' * 1024
                        while True:  # until vpm hangs up
                            self.wfile.write(item)
                    elif server.mode == "lying_length":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(10 * 1024 ** 3))
                        self.end_headers()
                        self.wfile.write(b"[")
                    elif server.mode == "html":
                        body = b"<!doctype html><title>Sign in</title><h1>Sign in to continue</h1>"
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    elif server.mode == "link_loop":
                        body = b"[]"
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(body)))
                        self.send_header("Link", f'<http://127.0.0.1:{port}{self.path}>; rel="next"')
                        self.end_headers()
                        self.wfile.write(body)
                    elif server.mode == "other_host":
                        body = b"[]"
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(body)))
                        self.send_header("Link", '<http://169.254.169.254/latest/meta-data/>; rel="next"')
                        self.end_headers()
                        self.wfile.write(body)
                    elif server.mode == "gzip_bomb":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Encoding", "gzip")
                        self.send_header("Content-Length", str(len(bomb)))
                        self.end_headers()
                        self.wfile.write(bomb)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


PULL_MODES = ["endless", "lying_length", "html", "link_loop", "other_host", "gzip_bomb"]


@pytest.mark.parametrize("mode", PULL_MODES)
def test_vpm_pull_from_a_hostile_api_stops_with_bounded_memory_and_keeps_the_cache(tmp_path, mode):
    folder = copy_lantern(tmp_path)
    with HostileGitHub(mode) as api:
        with open(folder / "project.yaml", "a") as f:
            f.write(f"\nsources:\n  - github: acme/rocket\n    api_url: http://127.0.0.1:{api.port}/api/v3\n")
        cache = folder / ".vpm" / "sources" / "github" / "acme" / "rocket"
        cache.mkdir(parents=True)
        before = {"issues.json": b'[{"number": 7, "title": "kept", "state": "open"}]\n',
                  "milestones.json": b"[]\n", "pull.json": b'{"marker": "the previous cache"}\n'}
        for name, data in before.items():
            (cache / name).write_bytes(data)
        env = dict(os.environ, VPM_DATA_DIR=str(tmp_path / "data"), VPM_LOG="info", GITHUB_TOKEN="hostile-test-token")
        env.pop("GH_TOKEN", None)
        code, out, err, seconds, rss = run_vpm(["pull", str(folder), "--max-wait", "1"], env, limit=90.0)
    text = err.decode(errors="replace")
    figure(f"10 vpm pull, hostile API: {mode}",
           f"exit {code} in {seconds:.2f} s, peak RSS {rss / MiB:.0f} MiB, {api.requests} request(s); "
           f"{text.strip().splitlines()[-1][:160] if text.strip() else ''!r}")
    assert code != 0, f"vpm pull succeeded against a hostile API ({mode}): {out[-300:]!r}"
    assert code != 101 and "panicked" not in text, f"vpm pull panicked: {text[-600:]}"
    assert "acme/rocket" in text, f"the error does not name the repository: {text[-600:]}"
    assert b"hostile-test-token" not in out + err, "the token reached the output"
    # 32 MiB is the most one answer may be; twice that for its parse is the bound.
    assert rss < 160 * MiB, f"peak RSS {rss / MiB:.0f} MiB"
    assert seconds < 60, f"took {seconds:.1f} s"
    after = {p.name: p.read_bytes() for p in cache.iterdir() if p.is_file()}
    assert after == before, f"the previous cache changed: {sorted(after)} vs {sorted(before)}"


# ── 11. hostile tracker exports in the folder ─────────────────────────────

SOURCES_EXAMPLE = ROOT / "examples" / "sources"


def hostile_export(folder: Path, mode: str) -> str:
    """Replaces the Jira export of the sources example; returns the file's name."""
    jira = folder / "exports" / "jira.csv"
    header = jira.read_bytes().split(b"\n", 1)[0]
    jira.unlink()
    if mode == "million_columns":
        jira.write_bytes(b"Issue key," + b"x," * 1_000_000 + b"\nQ-1\n")
    elif mode == "unterminated_quote":
        # The real export's header, so that the row is read as Jira's.
        jira.write_bytes(header + b'\nQ-1,"' + b"a" * MiB + b"\n")
    elif mode == "unterminated_quote_last_column":
        # Two columns, the quote in the last: every row has the header's
        # length, so only the curator's own open-quote check finds it.
        jira.write_bytes(b'Issue key,Summary\nQ-1,"' + b"a" * MiB + b"\n")
    elif mode == "over_the_limit":
        jira.write_bytes(b"Issue key,Summary\n" + b"Q-1,x\n" * (400 * 1024))
    elif mode == "dev_zero":
        jira.symlink_to("/dev/zero")
    elif mode == "outside":
        jira.symlink_to("/etc/passwd")
    return "jira.csv"


@pytest.mark.parametrize("mode", ["million_columns", "unterminated_quote", "unterminated_quote_last_column",
                                  "over_the_limit", "dev_zero", "outside"])
def test_a_hostile_export_is_refused_by_name_quickly_and_archives_nothing(tmp_path, mode):
    folder = tmp_path / "project"
    shutil.copytree(SOURCES_EXAMPLE, folder)
    name = hostile_export(folder, mode)
    data = tmp_path / "data"
    env = dict(os.environ, VPM_DATA_DIR=str(data), VPM_LOG="info", VPM_CURATOR_MAX_SOURCE_BYTES=str(2 * MiB))
    code, out, err, seconds, rss = run_vpm(["snapshot", str(folder), "--embedded"], env, limit=60.0)
    text = err.decode(errors="replace")
    figure(f"11 vpm snapshot, exports/jira.csv: {mode}",
           f"exit {code} in {seconds:.2f} s, peak RSS {rss / MiB:.0f} MiB; "
           f"{text.strip().splitlines()[-1][:160] if text.strip() else ''!r}")
    assert code == 1, f"exit {code}, not 1 (input): {text[-600:]}"
    assert name in text, f"the error does not name {name}: {text[-600:]}"
    assert "panicked" not in text
    assert seconds < 20, f"took {seconds:.1f} s"
    assert rss < 256 * MiB, f"peak RSS {rss / MiB:.0f} MiB"
    if mode == "outside":
        assert b"root:x:0:0" not in out + err + every_byte_under(data)


# ── 12. odd tile paths against the archivist ──────────────────────────────

ODD_TILE_PATHS = [
    "/tile/0/000/../../../etc/passwd",
    "/tile/0/%2e%2e/%2e%2e/etc/passwd",
    "/tile/64/000",
    "/tile/0/x999/999",
    "/tile/0/x001/000",
    "/tile/0/000.p/0",
    "/tile/0/000.p/256",
    "/tile/0/000.p/-1",
    "/tile/0/18446744073709551616",
    "/tile/0/x18446744073/709/551/615",
    "/tile/entries/999",
    "/tile/entries/000.p/999",
    "/tile/entries/%00",
    "/tile/%ff%fe/000",
    "/tile/0/000.p/1/extra",
    "/tile/",
    "/tile/0/" + "x000/" * 2000 + "000",
]


def odd_gets(port: int, paths: list[str]) -> tuple[list, float]:
    """GETs each path; every one must be answered, and never with a 5xx.
    Returns (path as a message shows it, answer) pairs, and the slowest
    answer's seconds."""
    answered, worst = [], 0.0
    for path in paths:
        answer = request(port, "GET", path, timeout=10)
        worst = max(worst, answer.seconds)
        shown = path if len(path) < 90 else path[:60] + f"…({len(path)} bytes)"
        assert answer.status is not None, f"{shown}: closed without an answer ({answer.error})"
        assert answer.status < 500, f"{shown}: {answer.status} {answer.body[:200]!r}"
        answered.append((shown, answer))
    return answered, worst


def test_odd_and_oversize_tile_paths_get_a_clean_refusal_and_the_log_stays_up():
    with cell("archivist") as c:
        answered, worst = odd_gets(c.port, ODD_TILE_PATHS)
        for shown, answer in answered:
            assert answer.status in (400, 404, 414, 431), f"{shown}: {answer.status} {answer.body[:200]!r}"
            if answer.status in (400, 404):
                assert_json_error(answer, (400, 404), shown)
        figure(f"12 archivist, {len(ODD_TILE_PATHS)} odd tile paths", f"all 4xx, slowest answer {worst * 1000:.0f} ms")
        assert request(c.port, "GET", "/healthz").status == 200
        assert request(c.port, "GET", "/checkpoint").status == 200
        assert c.proc.poll() is None, "the archivist exited"


# ── 13. the history endpoint: hostile dates, ids and project names ────────

ODD_HISTORY_QUERIES = [
    "/v1/projects/demo/history",
    "/v1/projects/demo/history?before=262143-12-31",
    "/v1/projects/demo/history?before=%2B262143-12-31",
    "/v1/projects/demo/history?before=2026-02-30",
    "/v1/projects/demo/history?before=2026-01-05&before=2027-01-01",
    "/v1/projects/demo/history?before=2026-01-05&since=%00",
    "/v1/projects/demo/history?before=2026-01-05&since=%2B99999-01-01",
    "/v1/projects/demo/history?before=2026-01-05&since=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01",
    "/v1/projects/demo/history?before=2026-01-05&since=" + "a" * 64,
    "/v1/projects/demo/history?before=2026-01-05&since=" + "g" * 64,
    "/v1/projects/demo/history?before=2026-01-05&since=" + "a" * 100_000,
    "/v1/projects/%00/history?before=2026-01-05",
    "/v1/projects/%2e%2e/history?before=2026-01-05",
    "/v1/projects/%FF%FE/history?before=2026-01-05",
    "/v1/projects/" + "x" * 10_000 + "/history?before=2026-01-05",
]


def test_odd_history_queries_get_a_clean_answer_and_the_log_stays_up():
    with cell("archivist") as c:
        answers = {}
        answered, worst = odd_gets(c.port, ODD_HISTORY_QUERIES)
        for shown, answer in answered:
            if answer.status == 200:
                # An unknown project has no history: an empty one, not an error.
                assert answer.json() == {}, f"{shown}: {answer.body[:300]!r}"
            elif answer.status != 414:
                error = assert_json_error(answer, (400, 404), shown)
                assert len(error["message"]) < 400, f"{shown}: the message echoes the input: {error['message'][:120]!r}…"
            answers[answer.status] = answers.get(answer.status, 0) + 1
        # The dates, ids and names that cannot be right are refused by name.
        assert answers.get(400, 0) >= 9, answers
        figure(
            f"13 archivist, {len(ODD_HISTORY_QUERIES)} odd history queries",
            f"{dict(sorted(answers.items()))}, slowest answer {worst * 1000:.0f} ms",
        )
        assert request(c.port, "GET", "/healthz").status == 200
        assert c.proc.poll() is None, "the archivist exited"

"""Every cell's /metrics, read by parsers that are not ours.

The Prometheus project's own Python client ships a parser for the classic
text format (0.0.4) and one for OpenMetrics 1.0; `promtool check metrics`
is the Go implementation's linter. All three must accept what the cells
serve, in the format each one reads.
"""

import subprocess
import urllib.request

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from vpmcells import CELLS, cells

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def fetch(url: str, accept: str | None = None) -> tuple[str, str]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.headers["Content-Type"], r.read().decode()


@pytest.fixture(scope="module")
def urls():
    with cells(extra_env={"VPM_DEBUG_ROUTES": "true"}) as urls:
        # Some traffic, so that every family has samples, exemplars included.
        for url in urls.values():
            for path in ("/healthz", "/readyz", "/nope", "/v1/debug/sleep/1"):
                try:
                    urllib.request.urlopen(
                        urllib.request.Request(url + path, headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}),
                        timeout=5,
                    )
                except urllib.error.HTTPError:
                    pass
        yield urls


@pytest.mark.parametrize("cell", CELLS)
def test_text_format_parses_with_the_official_python_parser(urls, cell):
    ctype, body = fetch(urls[cell] + "/metrics")
    assert ctype == "text/plain; version=0.0.4; charset=utf-8"
    families = {f.name: f for f in parse_text(body)}
    assert families["hello_ai_requests"].type == "counter"
    assert families["hello_ai_request_duration_seconds"].type == "histogram"
    assert families["hello_ai_up"].type == "gauge"
    build = families["hello_ai_build_info"].samples[0]
    assert build.labels["service"] == cell and build.value == 1
    routes = {s.labels["route"] for s in families["hello_ai_requests"].samples}
    assert {"/healthz", "/readyz", "unmatched", "/v1/debug/sleep/{ms}"} <= routes
    assert "process_resident_memory_bytes" in families


@pytest.mark.parametrize("cell", CELLS)
def test_openmetrics_parses_with_the_official_strict_parser(urls, cell):
    ctype, body = fetch(urls[cell] + "/metrics", OPENMETRICS)
    assert ctype.startswith("application/openmetrics-text; version=1.0.0")
    families = {f.name: f for f in parse_openmetrics(body)}
    hist = families["hello_ai_request_duration_seconds"]
    assert hist.type == "histogram"
    exemplars = [s.exemplar for s in hist.samples if s.exemplar is not None]
    assert any(e.labels.get("trace_id") == "0af7651916cd43dd8448eb211c80319c" for e in exemplars)
    les = {s.labels["le"] for s in hist.samples if s.name.endswith("_bucket")}
    assert "1.0" in les and "+Inf" in les


@pytest.mark.parametrize("cell", CELLS)
def test_promtool_check_metrics_is_clean(urls, cell):
    _, body = fetch(urls[cell] + "/metrics")
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stdout + result.stderr

"""The pipeline walked by hand with a CloudEvents library written elsewhere.

The `cloudevents` package from PyPI (the CloudEvents project's Python SDK)
builds the bundle event and parses every reply; each reply must be a valid
CloudEvent of the next type in the chain, and its data is sent on as the
next event — alternately in binary and structured content mode — until the
archivist answers with the receipt, which the archive then verifies.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http

from vpmcells import ROOT, cells

CHAIN = [
    ("curator", "dev.vpm.bundle.v1", "dev.vpm.curated.v1"),
    ("planner", "dev.vpm.curated.v1", "dev.vpm.plan.v1"),
    ("synthesizer", "dev.vpm.plan.v1", "dev.vpm.snapshot.v1"),
    ("archivist", "dev.vpm.snapshot.v1", "dev.vpm.receipt.v1"),
]
TRACEPARENT = "00-5c0f6d9e8b7a41c2a3b4c5d6e7f80912-a1b2c3d4e5f60718-01"


def bundle_of(folder: Path) -> dict:
    """The folder as a bundle_v1, the way the project's files travel over HTTP."""
    wanted = [folder / "project.yaml", folder / "tasks.yaml", folder / "state.md"]
    wanted += sorted((folder / "decisions").glob("*.yaml")) + sorted((folder / "reports").glob("*.md"))
    sources = [{"path": str(p.relative_to(folder)), "content": p.read_text(encoding="utf-8")} for p in wanted if p.exists()]
    return {"schema_version": "bundle_v1", "project_id": "lantern", "sources": sources}


def post(url: str, headers: dict, body: bytes):
    request = urllib.request.Request(url + "/", data=body, method="POST", headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def urls():
    with cells() as urls:
        yield urls


def test_the_chain_walked_with_the_python_sdk_ends_in_a_verified_receipt(urls):
    data = bundle_of(ROOT / "examples" / "lantern")
    for step, (cell, sends, expects) in enumerate(CHAIN):
        event = CloudEvent(
            {"type": sends, "source": "/tests/python", "subject": "lantern", "traceparent": TRACEPARENT, "datacontenttype": "application/json"},
            data,
        )
        # Binary mode on even steps, structured mode on odd ones.
        headers, body = (to_binary if step % 2 == 0 else to_structured)(event)
        status, reply_headers, reply_body = post(urls[cell], headers, body)
        assert status == 200, f"{cell}: {status} {reply_body[:500]!r}"
        reply = from_http(reply_headers, reply_body)
        assert reply["specversion"] == "1.0"
        assert reply["type"] == expects, f"{cell} answered {reply['type']}"
        assert reply["source"] == f"/vpm/{cell}"
        assert reply["id"]
        assert reply.get("subject") == "lantern"
        assert reply.get("traceparent", "").startswith("00-5c0f6d9e8b7a41c2a3b4c5d6e7f80912-"), reply.get("traceparent")
        data = reply.data if isinstance(reply.data, dict) else json.loads(reply.data)

    receipt = data
    assert receipt["tree_size"] >= 1 and receipt["leaf_index"] < receipt["tree_size"]
    with urllib.request.urlopen(f"{urls['archivist']}/v1/records/{receipt['record_id']}/verify", timeout=10) as r:
        verification = json.load(r)
    assert verification["signature_valid"] is True and verification["included"] is True, verification
    with urllib.request.urlopen(f"{urls['archivist']}/v1/records/{receipt['record_id']}", timeout=10) as r:
        record = json.load(r)
    assert record["signed_record"]["record"]["trace_id"] == "5c0f6d9e8b7a41c2a3b4c5d6e7f80912"


def test_a_wrong_event_type_is_a_4xx_that_says_why(urls):
    event = CloudEvent({"type": "dev.vpm.plan.v1", "source": "/tests/python", "datacontenttype": "application/json"}, {"anything": 1})
    headers, body = to_binary(event)
    status, _, reply = post(urls["curator"], headers, body)
    assert status == 422
    error = json.loads(reply)["error"]
    assert error["code"] == "wrong_event_type"
    assert "dev.vpm.bundle.v1" in error["message"] and "dev.vpm.plan.v1" in error["message"]


def test_a_malformed_event_is_a_400(urls):
    status, _, reply = post(urls["planner"], {"content-type": "application/cloudevents+json"}, b'{"specversion": "1.0", "type": ')
    assert status == 400, reply
    # The envelope itself is not JSON: a malformed event, said as such.
    assert json.loads(reply)["error"]["code"] == "malformed_event"


def test_invalid_data_is_a_422_naming_the_field(urls):
    event = CloudEvent({"type": "dev.vpm.curated.v1", "source": "/tests/python", "datacontenttype": "application/json"}, {"curated_set": {"schema_version": "curated_set_v1"}, "activities": []})
    headers, body = to_binary(event)
    status, _, reply = post(urls["planner"], headers, body)
    assert status == 422
    assert "curated_set" in json.loads(reply)["error"]["message"]

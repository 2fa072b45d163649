"""The Eventing pipeline: the Broker feeds bundles to the Sequence, the
Sequence chains the four cells in SYSTEM.md's order, each step's event type
is the one the next step takes, and the receipt goes back to the Broker
without looping into the pipeline."""

from __future__ import annotations

import re

from conftest import CELLS, shared_dir

# The CloudEvent types of the pipeline (the cells' contract).
CHAIN = [
    "dev.vpm.bundle.v1",
    "dev.vpm.curated.v1",
    "dev.vpm.plan.v1",
    "dev.vpm.snapshot.v1",
    "dev.vpm.receipt.v1",
]


def system_order() -> list[str]:
    """The cells in the order of SYSTEM.md's pipeline line
    (`bundle` -> curator -> ... -> archivist -> `receipt`)."""
    text = (shared_dir() / "design" / "SYSTEM.md").read_text()
    line = next(l for l in text.splitlines() if l.startswith("`bundle` → curator"))
    line += next(l for l in text.splitlines()[text.splitlines().index(line) + 1:] if l.strip())
    return [w for w in re.findall(r"\b(\w+)\b", line) if w in CELLS]


def test_the_sequence_chains_the_cells_in_pipeline_order(build):
    (sequence,) = build.of_kind("Sequence")
    steps = sequence["spec"]["steps"]
    names = []
    for step in steps:
        ref = step["ref"]
        assert (ref["apiVersion"], ref["kind"]) == ("serving.knative.dev/v1", "Service")
        build.one("Service", ref["name"], "serving.knative.dev")  # exists in the same build
        assert "namespace" not in ref or ref["namespace"] == sequence["metadata"]["namespace"]
        names.append(ref["name"])
    assert names == system_order() == list(CELLS)


def test_each_step_takes_the_event_the_previous_one_answers_with(build):
    (sequence,) = build.of_kind("Sequence")
    types = [sequence["metadata"]["annotations"]["vpm.dev/consumes"]]
    for step in sequence["spec"]["steps"]:
        ksvc = build.one("Service", step["ref"]["name"], "serving.knative.dev")
        a = ksvc["metadata"]["annotations"]
        assert a["vpm.dev/consumes"] == types[-1], f"{step['ref']['name']} takes {a['vpm.dev/consumes']}, gets {types[-1]}"
        types.append(a["vpm.dev/produces"])
    assert types == CHAIN
    assert sequence["metadata"]["annotations"]["vpm.dev/produces"] == CHAIN[-1]


def test_bundles_enter_through_the_broker_and_receipts_do_not_loop(build):
    (sequence,) = build.of_kind("Sequence")
    triggers = build.of_kind("Trigger")
    feeding = [t for t in triggers if t["spec"]["subscriber"].get("ref", {}).get("name") == sequence["metadata"]["name"]]
    assert len(feeding) == 1
    trigger = feeding[0]["spec"]
    assert trigger["subscriber"]["ref"]["kind"] == "Sequence"
    assert trigger["filter"]["attributes"]["type"] == CHAIN[0]
    build.one("Broker", trigger["broker"])
    reply = sequence["spec"]["reply"]["ref"]
    build.one(reply["kind"], reply["name"])
    # The receipt comes back to the Broker: no Trigger that feeds the
    # Sequence may accept it, or one bundle would run forever.
    for t in triggers:
        if t["spec"]["subscriber"].get("ref", {}).get("kind") == "Sequence":
            assert t["spec"].get("filter", {}).get("attributes", {}).get("type") not in (None, CHAIN[-1])


def test_channels_are_in_memory_only_in_dev(build):
    (sequence,) = build.of_kind("Sequence")
    channel = sequence["spec"]["channelTemplate"]["kind"]
    broker_class = build.one("Broker", "vpm")["metadata"]["annotations"]["eventing.knative.dev/broker.class"]
    if build.name == "dev":
        assert channel == "InMemoryChannel"
    else:
        assert channel != "InMemoryChannel" and broker_class != "MTChannelBasedBroker", "prod must be durable"

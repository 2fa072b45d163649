"""Every resource of every overlay against the schema the API server would
apply: the upstream CRDs in shared/schemas for Knative and Prometheus
Operator kinds, kubernetes-validate for core kinds."""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from conftest import DEPLOY, group_of, shared_dir

# The Kubernetes release core kinds are checked against: the oldest one the
# pinned Knative release supports (docs/deploy.md, "Versions").
KUBERNETES_VERSION = "1.33.0"


def strict(schema: dict) -> dict:
    """The CRD schema as `kubectl apply` with strict field validation (the
    default since Kubernetes 1.27) applies it: an unknown field is an error,
    not silently pruned, except where the schema preserves unknown fields."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if not isinstance(node, dict):
            return
        if node.get("x-kubernetes-int-or-string"):
            node.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
        if node.get("nullable") and "type" in node:
            node["type"] = [node["type"], "null"]
        if (
            "properties" in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
            and "additionalProperties" not in node
        ):
            node["additionalProperties"] = False
        for child in node.get("properties", {}).values():
            walk(child)
        if isinstance(node.get("items"), dict):
            walk(node["items"])
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"])

    # apiVersion, kind and metadata are implicit at the root of every
    # custom resource, whether or not the CRD lists them.
    schema.setdefault("properties", {})
    schema["properties"].setdefault("apiVersion", {"type": "string"})
    schema["properties"].setdefault("kind", {"type": "string"})
    schema["properties"].setdefault("metadata", {"type": "object"})
    walk(schema)
    return schema


@cache
def crd_schemas() -> dict[tuple[str, str, str], dict]:
    """(group, version, kind) -> openAPIV3Schema, for every served version."""
    found = {}
    for path in sorted((shared_dir() / "schemas").rglob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    key = (spec["group"], version["name"], spec["names"]["kind"])
                    found[key] = version["schema"]["openAPIV3Schema"]
    return found


def crd_schema_for(doc: dict) -> dict | None:
    group = group_of(doc)
    version = doc["apiVersion"].split("/")[-1]
    return crd_schemas().get((group, version, doc["kind"]))


def crd_errors(doc: dict) -> list[str]:
    schema = strict(crd_schema_for(doc))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def core_errors(doc: dict) -> list[str]:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'/'.join(map(str, e.path))}: {e.message}"]
    return []


# Label syntax (k8s.io/apimachinery validation): a CRD schema leaves
# metadata as a bare object, so these are checked here for custom resources.
NAME_63 = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def label_errors(labels: dict, where: str) -> list[str]:
    errors = []
    for key, value in (labels or {}).items():
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not re.fullmatch(DNS_SUBDOMAIN, prefix)):
            errors.append(f"{where}: label key prefix {prefix!r} is not a DNS subdomain")
        if not re.fullmatch(NAME_63, name):
            errors.append(f"{where}: label key {key!r} is invalid")
        if not isinstance(value, str) or (value and not re.fullmatch(NAME_63, value)):
            errors.append(f"{where}: label {key}={value!r} is not a valid label value")
    return errors


def metadata_errors(doc: dict) -> list[str]:
    """A custom resource's metadata checked as core ObjectMeta, plus labels."""
    wrapper = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc["metadata"]}
    errors = core_errors(wrapper)
    errors += label_errors(doc["metadata"].get("labels"), "metadata.labels")
    template = doc.get("spec", {}).get("template", {})
    if isinstance(template, dict) and "metadata" in template:
        errors += label_errors(template["metadata"].get("labels"), "spec.template.metadata.labels")
        for key, value in (template["metadata"].get("annotations") or {}).items():
            if not isinstance(value, str):
                errors.append(f"annotation {key} is not a string: {value!r}")
    return errors


def test_every_resource_validates_against_its_schema(build):
    problems = []
    for doc in build.docs:
        what = f"{doc['kind']} {doc['metadata']['name']} ({doc['apiVersion']})"
        if crd_schema_for(doc) is not None:
            errors = crd_errors(doc) + metadata_errors(doc)
        elif group_of(doc) in ("", "apps", "policy", "rbac.authorization.k8s.io", "networking.k8s.io", "batch"):
            errors = core_errors(doc)
        else:
            errors = ["no schema to validate against: add its CRD to shared/schemas"]
        problems += [f"{what}: {e}" for e in errors]
    assert not problems, f"{build.name}:\n" + "\n".join(problems)


def test_the_example_secret_and_the_cluster_manifests_validate():
    docs = [yaml.safe_load((DEPLOY / "base/cells/archivist/secret.example.yaml").read_text())]
    docs += [d for d in yaml.safe_load_all((DEPLOY / "cluster/prometheus.yaml").read_text()) if d]
    problems = []
    for doc in docs:
        if group_of(doc) == "monitoring.coreos.com":
            continue  # the Prometheus CRD is not among the shared schemas
        problems += [f"{doc['kind']} {doc['metadata']['name']}: {e}" for e in core_errors(doc)]
    assert not problems, "\n".join(problems)


def test_strict_validation_rejects_a_misspelt_field(builds):
    """Negative control: the checks above would catch a typo or a wrong type."""
    ksvc = copy.deepcopy(builds["prod"].one("Service", "curator", "serving.knative.dev"))
    ksvc["spec"]["template"]["spec"]["containerConcurency"] = 32
    assert any("containerConcurency" in e for e in crd_errors(ksvc))
    ksvc = copy.deepcopy(builds["prod"].one("Service", "curator", "serving.knative.dev"))
    ksvc["spec"]["template"]["spec"]["containerConcurrency"] = "32"
    assert crd_errors(ksvc)
    metrics = copy.deepcopy(builds["prod"].one("Service", "curator-metrics", ""))
    metrics["spec"]["ports"][0]["targetPot"] = 8002
    assert core_errors(metrics)
    assert label_errors({"app.kubernetes.io/version": "0.2.0+build"}, "x")


# Knative Serving's config-features defaults (pkg/apis/config/features.go):
# of the PodSpec fields its CRD marks "behind a feature flag", only these
# flags are Enabled in a stock install.
FLAGS_ENABLED_BY_DEFAULT = {"kubernetes.podspec-volumes-emptydir"}


def flagged_fields(doc, schema, path="") -> list[tuple[str, str]]:
    """(path, flag) for every field set in doc whose schema says it needs a flag."""
    found = []
    flag = re.search(r"behind a feature flag - (\S+)", schema.get("description", ""))
    if flag:
        found.append((path, flag.group(1)))
    if isinstance(doc, dict):
        for key, value in doc.items():
            child = schema.get("properties", {}).get(key)
            if child is not None:
                found += flagged_fields(value, child, f"{path}/{key}")
    elif isinstance(doc, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(doc):
            found += flagged_fields(item, schema["items"], f"{path}/{i}")
    return found


def test_no_knative_service_needs_a_feature_flag_that_is_off_by_default(build):
    problems = []
    for ksvc in build.ksvcs:
        for path, flag in flagged_fields(ksvc, crd_schema_for(ksvc)):
            if flag not in FLAGS_ENABLED_BY_DEFAULT:
                problems.append(f"{ksvc['metadata']['name']}{path} needs {flag}")
    assert not problems, "\n".join(problems)


def test_the_feature_flag_check_can_fail(builds):
    ksvc = copy.deepcopy(builds["prod"].one("Service", "curator", "serving.knative.dev"))
    ksvc["spec"]["template"]["spec"]["securityContext"] = {"fsGroup": 65532}
    flags = {flag for _, flag in flagged_fields(ksvc, crd_schema_for(ksvc))}
    assert "kubernetes.podspec-securitycontext" in flags


def test_shared_schemas_cover_the_kinds_we_ship():
    kinds = {key[2] for key in crd_schemas()}
    assert {"Service", "Sequence", "Broker", "Trigger", "ServiceMonitor", "PrometheusRule"} <= kinds

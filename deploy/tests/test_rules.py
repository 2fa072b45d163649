"""The PrometheusRules as the operator would load them: promtool check rules
on each one's spec, and promtool test rules on the unit tests in
deploy/tests/rules, which must cover every alert both firing and silent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import require_tool

RULE_TESTS = Path(__file__).parent / "rules"


def extract(build, directory: Path) -> dict[str, Path]:
    """Each PrometheusRule's spec as a plain rule file named after it."""
    files = {}
    for rule in build.of_kind("PrometheusRule"):
        path = directory / f"{rule['metadata']['name']}.rules.yaml"
        path.write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
        files[rule["metadata"]["name"]] = path
    return files


def test_promtool_check_rules(build, tmp_path):
    promtool = require_tool("promtool")
    files = extract(build, tmp_path)
    assert files
    out = subprocess.run([promtool, "check", "rules", *map(str, files.values())], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_promtool_unit_tests(builds, tmp_path):
    """prod carries every rule (dev lacks the presence alert); the tests run
    against the rules exactly as the prod overlay renders them."""
    promtool = require_tool("promtool")
    files = extract(builds["prod"], tmp_path)
    tests = sorted(RULE_TESTS.glob("*.test.yaml"))
    for test in tests:
        shutil.copy(test, tmp_path / test.name)
        for rule_file in yaml.safe_load(test.read_text())["rule_files"]:
            assert (tmp_path / rule_file).exists(), f"{test.name} tests {rule_file}, which no PrometheusRule renders"
    out = subprocess.run([promtool, "test", "rules", *(t.name for t in tests)], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_alert_is_shown_firing_and_silent(builds):
    alerts = {
        rule["alert"]
        for pr in builds["prod"].of_kind("PrometheusRule")
        for group in pr["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    assert {"VpmCellDown", "VpmCellLatencyHigh", "VpmCellErrorRatioHigh",
            "VpmCellErrorBudgetFastBurn", "VpmCellErrorBudgetSlowBurn", "VpmCellAbsent"} <= alerts
    firing, silent = {}, set()
    for test in RULE_TESTS.glob("*.test.yaml"):
        for case in yaml.safe_load(test.read_text())["tests"]:
            healthy_jobs = {
                s["series"].split('job="')[1].split('"')[0] for s in case["input_series"]
            }
            for check in case.get("alert_rule_test", []):
                name = check["alertname"]
                if check["exp_alerts"]:
                    jobs = {a["exp_labels"]["job"] for a in check["exp_alerts"]}
                    firing.setdefault(name, set()).update(jobs)
                    # in the same check, another cell with input series stays silent
                    if healthy_jobs - jobs:
                        silent.add(name)
                else:
                    silent.add(name)
    assert alerts <= set(firing), f"never shown firing: {alerts - set(firing)}"
    assert alerts <= silent, f"never shown silent: {alerts - silent}"


def test_dev_has_no_absence_alert(builds):
    """In dev a cell at zero pods is normal, not an outage."""
    names = {pr["metadata"]["name"] for pr in builds["dev"].of_kind("PrometheusRule")}
    assert "vpm-cells-presence" not in names
    assert "vpm-cells-presence" in {pr["metadata"]["name"] for pr in builds["prod"].of_kind("PrometheusRule")}

"""The alert rules and the dashboard: promtool checks the rules and runs their unit tests, and
every metric they name is one the code exports (a renamed metric would silence an alert).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from observability import metrics
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit
PROMETHEUS = REPO_ROOT / "deploy" / "prometheus"
DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "aiversant.json"
GAUGES_READ_AT_SCRAPE = {"aiversant_queue_length", "aiversant_outbox_messages"}  # tasks/metrics.py


def promtool(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: `make install` installs Debian's prometheus package"
    return subprocess.run([tool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60, check=False)


def exported_series() -> set[str]:
    """Every series name our metrics produce."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    names = set(GAUGES_READ_AT_SCRAPE)
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            base = value._name
            names |= {base + suffix for suffix in suffixes[value._type]}
    return names


def named_series(text: str) -> set[str]:
    return set(re.findall(r"aiversant_[a-z_]+", text))


def test_the_rules_are_valid():
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_fires_when_it_should_and_not_otherwise():
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_unit_test():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"]}
    assert alerts == tested


def test_alerts_and_dashboard_name_only_metrics_the_code_exports():
    exported = exported_series()
    rules = named_series((PROMETHEUS / "alerts.yml").read_text())
    dashboard = json.loads(DASHBOARD.read_text())
    panels = named_series(" ".join(target["expr"] for panel in dashboard["panels"] for target in panel["targets"]))
    assert rules <= exported, rules - exported
    assert panels <= exported, panels - exported
    assert rules <= panels, "every alerted figure has a panel"

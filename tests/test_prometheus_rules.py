"""deploy/prometheus-rules.yaml: valid for Prometheus, alerts that fire when they should
(promtool's unit tests, tests/data/prometheus/rules-test.yaml), on metrics that the agent
and `hotfence serve` serve."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hotfence.agent.core import Agent
from hotfence.agent.metrics import AgentCollector
from hotfence.fleet.metrics import StoreCollector
from hotfence.store import CrashStore

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "deploy" / "prometheus-rules.yaml"
UNIT_TESTS = ROOT / "tests" / "data" / "prometheus" / "rules-test.yaml"
# Series Prometheus itself makes, not the agent.
PROMETHEUS_OWN = {"up"}


def _promtool() -> str:
    # scripts/setup.sh puts it beside the venv's python (extracted from Debian's
    # prometheus package, no server installed).
    beside = Path(sys.executable).with_name("promtool")
    found = str(beside) if beside.exists() else shutil.which("promtool")
    if found is None:
        pytest.skip("promtool not installed (scripts/setup.sh installs it)")
    return found


def _alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for g in groups for rule in g["rules"]]


def test_promtool_accepts_the_rules() -> None:
    out = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in out.stdout


def test_every_alert_fires_when_it_should_and_not_otherwise() -> None:
    tested = set(re.findall(r"alertname: (\w+)", UNIT_TESTS.read_text()))
    assert tested == {a["alert"] for a in _alerts()}, "every alert has a unit test"
    out = subprocess.run(
        [_promtool(), "test", "rules", str(UNIT_TESTS)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_rules_use_only_metrics_hotfence_serves(tmp_path: Path) -> None:
    # The families as collected (an agent with no fence, an empty store: served without
    # samples); a counter's samples are its name with _total.
    with CrashStore.open(str(tmp_path / "crashes.sqlite")) as store:
        families = [
            *AgentCollector(Agent(str(tmp_path), client=None)).collect(),
            *StoreCollector(store).collect(),
        ]
    names = {f.name + "_total" if f.type == "counter" else f.name for f in families}
    # Every series name: the agent's and serve's start with hotfence_.
    used = {name for a in _alerts() for name in re.findall(r"\b(hotfence_\w+|up)\b", a["expr"])}
    assert used, "no metric found in the rules' expressions"
    assert used - PROMETHEUS_OWN <= names, used - PROMETHEUS_OWN - names
    for a in _alerts():
        assert a["labels"]["severity"] in ("critical", "warning"), a["alert"]
        assert a["annotations"]["summary"] and a["annotations"]["description"], a["alert"]

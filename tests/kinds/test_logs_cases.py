"""The aws_logs_integration plan cases are well formed: each loads, its configuration parses
with the kind's model, every raw object normalises, and every prior record is consistent.
(tests/test_plan_cases.py runs them through the planner.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import load_config
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration

CASES_DIR = Path(__file__).parent.parent / "cases" / "aws_logs_integration"
CASES = sorted(CASES_DIR.glob("*.json"))
KINDS = {AwsLogsIntegration.name: AwsLogsIntegration}
ACTIONS = {
    "no-op",
    "create",
    "update",
    "replace",
    "delete",
    "import",
    "import+update",
    "import+replace",
}


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_enough_cases_covering_every_action_this_kind_can_take() -> None:
    assert len(CASES) >= 15
    seen = {a for path in CASES for a in load(path)["expect"]["actions"].values()}
    # No update: this kind has no update operation, so "update" must never be planned.
    assert seen == ACTIONS - {"update", "import+update"}
    assert any(load(p)["expect"].get("unmanaged") for p in CASES)
    assert any(load(p)["expect"].get("drift") for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_is_well_formed(path: Path, tmp_path: Path) -> None:
    case = load(path)
    assert set(case) <= {"description", "config", "env", "observed", "prior", "expect"}
    assert case["description"].endswith(".")
    config_file = tmp_path / "main.toml"
    config_file.write_text(case["config"])
    config = load_config(config_file, KINDS, env=case.get("env", {}))
    kind = AwsLogsIntegration(config.settings, environ={})

    for item in case.get("observed", []):
        observed = kind.normalise(item["raw"], item["scope"])
        assert kind.scope(observed.natural_key) == item["scope"]

    for address, prior in case.get("prior", {}).items():
        assert address.startswith("aws_logs_integration.")
        assert kind.scope(prior["natural_key"]) and prior["natural_key"].endswith(
            "/" + prior["remote_id"]
        )
        assert set(prior["last_applied"]) == {"integration_name", "integration_type", "opensearch"}
        assert "force_delete" not in json.dumps(prior["last_applied"])

    expect = case["expect"]
    assert set(expect["actions"].values()) <= ACTIONS
    declared = set(config.resources)
    assert set(expect["actions"]) == declared | set(case.get("prior", {}))
    for section in ("changes", "forces_replacement", "drift", "reason"):
        assert set(expect.get(section, {})) <= set(expect["actions"]), section


def test_cases_cover_every_write_only_path() -> None:
    replaced = {
        p
        for path in CASES
        for paths in load(path)["expect"].get("forces_replacement", {}).values()
        for p in paths
    }
    for path in (*AwsLogsIntegration.rules.write_only_paths, "opensearch.application_arn"):
        assert path in replaced, path

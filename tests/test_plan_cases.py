"""Runs every plan case in tests/cases/<kind>/*.json through the real planner.

A case is data: configuration + observed raw API objects + prior state -> expected actions,
changed fields, drift and unmanaged objects (format in tests/cases/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import load_config
from reconciler.engine import open_kinds
from reconciler.kinds.base import Observed
from reconciler.model import Action, ResourceChange
from reconciler.planner import build_plan
from reconciler.registry import KINDS
from reconciler.secrets import EnvSecret
from reconciler.state.base import ResourceState, State

CASES = sorted(Path(__file__).parent.glob("cases/*/*.json"))
KEY_HEX = "00" * 32


def _secrets_to_digests(value: Any, key: bytes) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$secret"}:
            return EnvSecret("CASE", value["$secret"]).digest(key)
        return {k: _secrets_to_digests(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [_secrets_to_digests(v, key) for v in value]
    return value


def _label(change: ResourceChange) -> str:
    if change.importing:
        return "import" if change.action is Action.NOOP else f"import+{change.action.value}"
    return change.action.value


def test_there_are_enough_cases() -> None:
    per_kind = {k: len(list((Path(__file__).parent / "cases" / k).glob("*.json"))) for k in KINDS}
    assert sum(per_kind.values()) >= 30, per_kind
    assert all(n >= 10 for n in per_kind.values()), per_kind


@pytest.mark.parametrize("case_path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_plan_case(case_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "DD_SITE", "DD_HOST"):
        monkeypatch.delenv(var, raising=False)
    case = json.loads(case_path.read_text())
    default_kind = case_path.parent.name
    config_file = tmp_path / "main.toml"
    config_file.write_text(case.get("config", ""))
    config = load_config(config_file, KINDS, env=case.get("env", {}))
    kinds = open_kinds(config.settings)
    key = bytes.fromhex(KEY_HEX)
    state = State(lineage="case", serial=1, digest_key=KEY_HEX)
    for address, prior in case.get("prior", {}).items():
        state.resources[address] = ResourceState(
            kind=prior.get("kind", address.split(".", 1)[0]),
            remote_id=prior["remote_id"],
            natural_key=prior["natural_key"],
            last_applied=_secrets_to_digests(prior.get("last_applied", {}), key),
            fingerprint=prior.get("fingerprint", "sha256:prior"),
            options=prior.get("options", {}),
            prevent_destroy=prior.get("prevent_destroy", False),
        )
    observed: dict[str, list[Observed]] = {name: [] for name in kinds}
    for item in case.get("observed", []):
        kind_name = item.get("kind", default_kind)
        observed[kind_name].append(kinds[kind_name].normalise(item["raw"], item.get("scope", "")))

    plan = build_plan(config, observed, state, kinds, replace=case.get("replace", []))
    expect = case["expect"]

    by_address = {c.address: c for c in plan.changes}
    assert {a: _label(c) for a, c in by_address.items()} == expect["actions"], case["description"]
    for address, wanted in expect.get("changes", {}).items():
        got = sorted(c.path for c in by_address[address].changes)
        assert got == sorted(wanted), f"{address}: {case['description']}"
    for address, wanted in expect.get("forces_replacement", {}).items():
        got = sorted(c.path for c in by_address[address].changes if c.forces_replacement)
        assert got == sorted(wanted), f"{address}: {case['description']}"
    for address, wanted in expect.get("moved_from", {}).items():
        assert by_address[address].moved_from == wanted, case["description"]
    for address, wanted in expect.get("reason", {}).items():
        assert wanted in (by_address[address].reason or ""), case["description"]
    drift = {
        d.address: ("gone" if d.gone else sorted(c.path for c in d.changes)) for d in plan.drift
    }
    wanted_drift = {
        a: (v if v == "gone" else sorted(v)) for a, v in expect.get("drift", {}).items()
    }
    assert drift == wanted_drift, case["description"]
    assert sorted(u.natural_key for u in plan.unmanaged) == sorted(expect.get("unmanaged", []))
    # No secret value from the case's env ever reaches the plan.
    dumped = plan.model_dump_json()
    for value in case.get("env", {}).values():
        assert value not in dumped

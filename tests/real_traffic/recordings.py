"""Access to the recorded real Datadog traffic in ``shared/real-traffic`` (read in place, never
copied into the project). Tests that need it skip, saying why, where the folder is absent."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from reconciler.config import load_config
from reconciler.engine import open_kinds
from reconciler.kinds.base import Observed
from reconciler.model import Plan
from reconciler.planner import build_plan
from reconciler.registry import KINDS
from reconciler.state.base import State

FOLDER = Path(
    os.environ.get(
        "RECONCILER_REAL_TRAFFIC", Path(__file__).resolve().parents[3] / "shared" / "real-traffic"
    )
)
ABSENT = not FOLDER.is_dir()
needs_recordings = pytest.mark.skipif(
    ABSENT, reason=f"recorded real traffic not found at {FOLDER} (set RECONCILER_REAL_TRAFFIC)"
)
ACCOUNTS = "/api/v2/integration/aws/accounts"
SECRET_ENV = "RECORDED_SECRET"
SECRET = "recorded-secret-value-0001"


@dataclass(frozen=True)
class Exchange:
    file: str  # the recording's file name, without .json
    index: int  # position in the recording
    recorded_at: str
    request: dict[str, Any]
    response: dict[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def hand_edited_metric_name_filters(self) -> bool:
        """The README: metric_name_filters in the terraform-provider-datadog files was added
        by hand (2026-07), not recorded, and is not real server behaviour."""
        return any("metric_name_filters" in note for note in self.notes)

    @property
    def label(self) -> str:
        return f"{self.file.split('__', 1)[1]}#{self.index}"


@cache
def exchanges() -> tuple[Exchange, ...]:
    if ABSENT:
        return ()
    found: list[Exchange] = []
    for path in sorted(FOLDER.glob("*.json")):
        doc = json.loads(path.read_text())
        for i, item in enumerate(doc["interactions"]):
            found.append(
                Exchange(
                    path.stem,
                    i,
                    doc["source"]["recorded_at"],
                    item["request"],
                    item["response"],
                    tuple(doc.get("notes") or ()),
                )
            )
    return tuple(found)


def is_account_path(path: str) -> bool:
    """/accounts or /accounts/{id}, not their sub-resources (ccm_config)."""
    rest = path[len(ACCOUNTS) :] if path.startswith(ACCOUNTS) else None
    return rest is not None and rest.count("/") <= 1


def account_items(exchange: Exchange) -> list[dict[str, Any]]:
    """The account objects a successful answer carries (one, or a list)."""
    body = exchange.response.get("body")
    if exchange.response["status"] != 200 or not isinstance(body, dict):
        return []
    if not is_account_path(exchange.request["path"]):
        return []
    data = body.get("data")
    items = data if isinstance(data, list) else [data]
    return [i for i in items if isinstance(i, dict) and i.get("type") == "account"]


def without_hand_edits(exchange: Exchange, attributes: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` without what was edited into the recording by hand."""
    out = copy.deepcopy(attributes)
    if exchange.hand_edited_metric_name_filters:
        metrics = out.get("attributes", out).get("metrics_config")
        if isinstance(metrics, dict):
            metrics.pop("metric_name_filters", None)
    return out


def newest(path: str) -> tuple[Exchange, list[str]]:
    """The newest recorded answer of a catalogue endpoint, and its list."""
    found = [e for e in exchanges() if e.request["path"] == path and e.response["status"] == 200]
    latest = max(found, key=lambda e: e.recorded_at[:10])
    values: list[str] = next(iter(latest.response["body"]["data"]["attributes"].values()))
    return latest, values


def as_table(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A request's attributes as a TOML table: empty tables left out (Datadog fills them
    with its defaults, as the model does), a secret as an ${env:...} reference."""
    table = _without_empty(copy.deepcopy(attributes))
    env: dict[str, str] = {}
    auth = table.get("auth_config", {})
    if "secret_access_key" in auth:
        auth["secret_access_key"] = "${env:" + SECRET_ENV + "}"
        env[SECRET_ENV] = SECRET
    return table, env


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v != {}}
    return value


def plan_against(
    table: dict[str, Any], observed_raw: dict[str, Any], tmp_path: Path, env: dict[str, str]
) -> Plan:
    """The plan of a configuration declaring ``table`` against one live object, no state."""
    config_file = tmp_path / "main.toml"
    config_file.write_text(tomlkit.dumps({"datadog_aws_account": {"recorded": table}}))
    config = load_config(config_file, KINDS, env=env)
    kinds = open_kinds(config.settings)
    observed: dict[str, list[Observed]] = {name: [] for name in kinds}
    observed["datadog_aws_account"] = [kinds["datadog_aws_account"].normalise(observed_raw, "")]
    state = State(lineage="recorded", serial=1, digest_key="00" * 32)
    return build_plan(config, observed, state, kinds)

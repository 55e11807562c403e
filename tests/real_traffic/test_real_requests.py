"""Every recorded create and update, declared as TOML, plans empty against what the real API
answered (and against every read of the account that followed, up to the next write).

A PATCH merges into the account (omitted keys kept; sent lists and oneOf blocks replace), so
what declares an account after a PATCH is the create merged with every PATCH since.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from reconciler.model import Action
from tests.real_traffic.recordings import (
    Exchange,
    account_items,
    as_table,
    exchanges,
    is_account_path,
    needs_recordings,
    plan_against,
    without_hand_edits,
)

pytestmark = needs_recordings

ONE_OF = {"aws_regions", "metrics_config.namespace_filters", "traces_config.xray_services"}


def _merge(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out = copy.deepcopy(old)
    for key, value in new.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(out.get(key), dict) and path not in ONE_OF:
            out[key] = _merge(out[key], value, f"{path}.")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _declared_writes() -> list[tuple[Exchange, dict[str, Any], list[dict[str, Any]]]]:
    """(write, the attributes that declare the account after it, the answers to check)."""
    cases: list[tuple[Exchange, dict[str, Any], list[dict[str, Any]]]] = []
    by_file: dict[str, list[Exchange]] = {}
    for e in exchanges():
        by_file.setdefault(e.file, []).append(e)
    for items in by_file.values():
        declared: dict[str, Any] | None = None
        current: tuple[Exchange, dict[str, Any], list[dict[str, Any]]] | None = None
        for e in items:
            method = e.request["method"]
            if not is_account_path(e.request["path"]) or e.response["status"] != 200:
                continue
            body = e.request.get("body") or {}
            attributes = body.get("data", {}).get("attributes")
            answers = [without_hand_edits(e, item) for item in account_items(e)]
            if isinstance(attributes, dict):
                attributes = without_hand_edits(e, attributes)
            if method == "POST" and isinstance(attributes, dict):
                declared = attributes
            elif method == "PATCH" and isinstance(attributes, dict) and declared is not None:
                declared = _merge(declared, attributes)
            elif method == "GET" and current is not None:
                current[2].extend(answers)
                continue
            else:
                continue
            current = (e, declared, answers)
            cases.append(current)
    return cases


WRITES = [
    c
    for c in _declared_writes()
    # 2024-08: the API before its 2024-10 shape (an aws_account wrapper, the account number
    # as the path id, traces_config ignored); the 2024-10 recordings of the same calls
    # supersede it (test_real_accounts checks what those answers hold).
    if c[0].recorded_at >= "2024-10"
]


def test_every_recorded_lifecycle_is_covered() -> None:
    assert sum(1 for e, _, _ in WRITES if e.request["method"] == "POST") >= 15
    assert sum(1 for e, _, _ in WRITES if e.request["method"] == "PATCH") >= 5


@pytest.mark.parametrize(
    ("write", "declared", "answers"), WRITES, ids=[w.label for w, _, _ in WRITES]
)
def test_recorded_write_declared_as_toml_plans_empty(
    write: Exchange, declared: dict[str, Any], answers: list[dict[str, Any]], tmp_path: Path
) -> None:
    table, env = as_table(declared)
    assert answers, "the write was answered with the account"
    for answer in answers:
        plan = plan_against(table, answer, tmp_path, env)
        (change,) = plan.changes
        changed = {c.path for c in change.changes}
        if env:
            # Key-based: the secret is write-only and there is no state to prove it.
            assert changed == {"auth_config.secret_access_key"}, changed
        else:
            assert changed == set(), changed
            assert change.action is Action.NOOP

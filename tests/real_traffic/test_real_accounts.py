"""Every account object the real API has answered with normalises, imports and plans empty.

"Imports": ``spec_table`` of the normalised object validates as a spec. "Plans empty": that
table, as the configuration, planned against the object with no state, is a no-op import
(a key-based account also sends its secret, which the API never returns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import ApiError
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_requests import secret_env_name
from reconciler.model import Action
from reconciler.settings import Settings
from tests.real_traffic.recordings import (
    SECRET,
    Exchange,
    account_items,
    exchanges,
    needs_recordings,
    plan_against,
)

pytestmark = needs_recordings

KIND = DatadogAwsAccount(Settings())


def _accounts() -> list[tuple[Exchange, int, dict[str, Any]]]:
    return [(e, i, item) for e in exchanges() for i, item in enumerate(account_items(e))]


def _wrapped(item: dict[str, Any]) -> bool:
    # 2024-08 answers wrap the object: {"attributes": {"aws_account": {...}}}.
    return "aws_account" in item.get("attributes", {})


ACCOUNTS = _accounts()
CURRENT = [(e, i, item) for e, i, item in ACCOUNTS if not _wrapped(item)]


def test_there_are_recorded_accounts_of_every_era() -> None:
    years = {e.recorded_at[:4] for e, _, _ in CURRENT}
    assert {"2024", "2025", "2026"} <= years
    assert len(CURRENT) >= 60


@pytest.mark.parametrize(
    ("exchange", "n", "item"), CURRENT, ids=[f"{e.label}[{n}]" for e, n, _ in CURRENT]
)
def test_real_account_normalises_imports_and_plans_empty(
    exchange: Exchange, n: int, item: dict[str, Any], tmp_path: Path
) -> None:
    observed = KIND.normalise(item, "")
    assert observed.natural_key == item["attributes"]["aws_account_id"]
    assert observed.unmanageable is None and observed.health is None

    table = KIND.spec_table(observed)
    env = {secret_env_name(observed.natural_key): SECRET}
    KIND.spec.model_validate(table, context={"env": env})  # import writes a valid table

    plan = plan_against(table, item, tmp_path, env)
    (change,) = plan.changes
    assert change.importing
    changed = {c.path for c in change.changes}
    if "access_key_id" in observed.values["auth_config"]:
        # The API never returns the secret, so an import sends it once.
        assert changed == {"auth_config.secret_access_key"}, changed
        assert change.action is Action.UPDATE
    elif exchange.recorded_at < "2024-10":
        # Before its 2024-10 shape the API ignored traces_config and returned none; nothing
        # else differs.
        assert changed <= {"traces_config"}, changed
    else:
        assert changed == set(), changed
        assert change.action is Action.NOOP


def test_the_2024_account_without_extended_collection_stays_as_it_is(tmp_path: Path) -> None:
    old = [
        item
        for _, _, item in CURRENT
        if "extended_collection" not in item["attributes"].get("resources_config", {})
    ]
    assert old, "the recordings hold an account without extended_collection"
    for item in old:
        observed = KIND.normalise(item, "")
        table = KIND.spec_table(observed)
        assert "extended_collection" not in table.get("resources_config", {})
        # Not sent, not compared: reconciler does not turn it on.
        desired = KIND.desired_values(KIND.spec.model_validate(table))
        assert "extended_collection" not in desired["resources_config"]


def test_a_ten_digit_forwarder_arn_is_importable() -> None:
    arns = [
        arn
        for _, _, item in CURRENT
        for arn in item["attributes"]
        .get("logs_config", {})
        .get("lambda_forwarder", {})
        .get("lambdas")
        or []
        if arn.split(":")[4].isdigit() and len(arn.split(":")[4]) != 12
    ]
    assert arns, "the recordings hold a forwarder ARN whose account number is not 12 digits"
    for arn in arns:
        KIND.spec.model_validate(
            {
                "aws_account_id": "123456789012",
                "auth_config": {"role_name": "R"},
                "logs_config": {"lambda_forwarder": {"lambdas": [arn]}},
            }
        )


def test_the_2024_08_wrapped_shape_is_refused_not_read_as_empty() -> None:
    wrapped = [item for _, _, item in ACCOUNTS if _wrapped(item)]
    assert wrapped
    for item in wrapped:
        with pytest.raises(ApiError, match="unexpected answer"):
            KIND.normalise(item, "")

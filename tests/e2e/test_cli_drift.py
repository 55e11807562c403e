"""Drift: an out-of-band change through the official Datadog client is reported by plan and
plan --refresh-only (which writes nothing), and apply puts it back."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import (
    Workspace,
    dd_account,
    dd_accounts,
    dd_create,
    dd_delete,
    dd_update,
    describe,
    summary_line,
)

ACCOUNT = "444455556666"
TOML = f"""
[datadog_aws_account.drifty]
aws_account_id = "{ACCOUNT}"
account_tags = ["env:prod", "team:platform"]
auth_config = {{ role_name = "DatadogIntegrationRole" }}
"""


def drift_section(text: str) -> str:
    assert "Objects changed outside reconciler" in text, text
    start = text.index("Objects changed outside reconciler")
    end = text.find("reconciler will perform the following actions", start)
    return text[start:] if end < 0 else text[start:end]


def test_out_of_band_change_is_drift_and_apply_reverts_it(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(TOML)
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)

    live = dd_account(cloud.url, ACCOUNT)
    dd_update(cloud.url, live["id"], ACCOUNT, account_tags=["env:prod", "changed:by-hand"])
    state_before = ws.state_path.read_bytes()
    backup = ws.state_path.with_name(ws.state_path.name + ".backup")
    backup_before = backup.read_bytes() if backup.exists() else None

    planned = ws.plan("--detailed-exitcode")
    assert planned.returncode == 2, describe(planned)
    drift = drift_section(planned.stdout)
    assert "datadog_aws_account.drifty has changed" in drift
    assert "account_tags" in drift and "changed:by-hand" in drift
    # The change that puts it back is planned as an update of the same field.
    assert "datadog_aws_account.drifty will be updated in-place" in planned.stdout
    assert "Plan: 0 to import, 0 to add, 1 to change, 0 to destroy." in planned.stdout

    refresh = ws.plan("--refresh-only")
    assert refresh.returncode == 2, describe(refresh)
    drift = drift_section(refresh.stdout)
    assert "datadog_aws_account.drifty has changed" in drift
    assert "account_tags" in drift
    assert "will be updated in-place" not in refresh.stdout

    assert ws.state_path.read_bytes() == state_before
    assert (backup.read_bytes() if backup.exists() else None) == backup_before
    assert not ws.state_path.with_name(ws.state_path.name + ".lock").exists()

    fixed = ws.apply()
    assert fixed.returncode == 0, describe(fixed)
    assert "1 succeeded, 0 failed" in fixed.stdout
    tags = dd_account(cloud.url, ACCOUNT)["attributes"]["account_tags"]
    assert sorted(tags) == ["env:prod", "team:platform"]

    after = ws.plan("--detailed-exitcode")
    assert after.returncode == 0, describe(after)
    assert "No changes" in after.stdout


def test_deleted_out_of_band_is_drift_and_apply_recreates_it(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(TOML)
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    dd_delete(cloud.url, dd_account(cloud.url, ACCOUNT)["id"])

    refresh = ws.plan("--refresh-only")
    assert refresh.returncode == 2, describe(refresh)
    assert "datadog_aws_account.drifty has been deleted" in drift_section(refresh.stdout)

    again = ws.apply()
    assert again.returncode == 0, describe(again)
    assert "datadog_aws_account.drifty will be created" in again.stdout
    assert sorted(dd_account(cloud.url, ACCOUNT)["attributes"]["account_tags"]) == [
        "env:prod",
        "team:platform",
    ]
    assert ws.plan("--detailed-exitcode").returncode == 0


def test_unmanaged_objects_are_listed_and_never_touched(ws: Workspace, cloud: Sandbox) -> None:
    foreign = dd_create(cloud.url, "999988887777", account_tags=["owner:someone-else"])
    ws.write(TOML)
    planned = ws.plan()
    assert planned.returncode == 0, describe(planned)
    unmanaged = planned.stdout[planned.stdout.index("Unmanaged objects") :]
    assert f"- datadog_aws_account 999988887777 (id {foreign})" in unmanaged
    assert summary_line(planned.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 0 to destroy."

    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    ids = {a["attributes"]["aws_account_id"]: a["id"] for a in dd_accounts(cloud.url)}
    assert ids["999988887777"] == foreign
    assert sorted(ids) == [ACCOUNT, "999988887777"]
    assert list(ws.read_state()["resources"]) == ["datadog_aws_account.drifty"]

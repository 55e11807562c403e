"""Replacements are shown as such, prevent_destroy holds, and one failed step does not stop
the independent others."""

from __future__ import annotations

import json
import re

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import (
    Workspace,
    assert_one_error,
    dd_accounts,
    describe,
    logs_client,
    summary_line,
)
from tests.toml_blocks import account, logs


def logs_toml(retention_days: int) -> str:
    return logs("vended", "vended-logs", region="eu-west-1", retention_days=retention_days)


def test_retention_change_is_a_replacement_in_human_and_json(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(logs_toml(30))
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)

    ws.write(logs_toml(14))
    human = ws.plan("--detailed-exitcode")
    assert human.returncode == 2, describe(human)
    assert "aws_logs_integration.vended must be replaced" in human.stdout
    assert re.search(
        r"~ opensearch\.retention_days: 30 -> 14 # forces replacement", human.stdout
    ), human.stdout
    assert summary_line(human.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 1 to destroy."

    as_json = ws.plan("--format", "json")
    assert as_json.returncode == 0, describe(as_json)
    changes = json.loads(as_json.stdout)["resource_changes"]
    (change,) = [c for c in changes if c["address"] == "aws_logs_integration.vended"]
    assert change["change"]["actions"] == ["delete", "create"]
    # Planning changed nothing live.
    assert [i["integrationName"] for i in cloud.logs_integrations()] == ["vended-logs"]


PROTECTED = """
[datadog_aws_account.legacy]
aws_account_id = "210987654321"
auth_config = { role_name = "DatadogIntegrationRole" }
lifecycle = { prevent_destroy = true }
"""


def test_prevent_destroy_holds_after_removal_from_the_toml(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(PROTECTED)
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)

    ws.write("# legacy was removed\n")
    planned = ws.plan()
    assert_one_error(planned, "datadog_aws_account.legacy", "prevent_destroy")
    applied = ws.apply()
    assert_one_error(applied, "datadog_aws_account.legacy", "prevent_destroy")
    assert "Apply complete" not in applied.stdout

    assert [a["attributes"]["aws_account_id"] for a in dd_accounts(cloud.url)] == ["210987654321"]
    assert "datadog_aws_account.legacy" in ws.read_state()["resources"]


# The sandbox refuses writes of account "bad" (see REFUSED): the plan cannot foresee it, and
# the create fails with 400.
MIXED = account("good", "123123123123") + account("bad", "456456456456") + logs_toml(30)


def table_row(text: str, address: str) -> str:
    rows = [line for line in text.splitlines() if line.startswith("│ ") and f" {address} " in line]
    assert len(rows) == 1, text
    return rows[0]


REFUSED = ["456456456456"]


def test_one_failed_change_does_not_stop_the_others(ws: Workspace, cloud: Sandbox) -> None:
    cloud.refuse_writes(REFUSED)
    ws.write(MIXED)
    applied = ws.apply()
    assert applied.returncode == 1, describe(applied)
    assert "Apply results" in applied.stdout
    assert "succeeded" in table_row(applied.stdout, "datadog_aws_account.good")
    assert "succeeded" in table_row(applied.stdout, "aws_logs_integration.vended")
    bad = table_row(applied.stdout, "datadog_aws_account.bad")
    assert "failed" in bad and "create" in bad
    assert "Apply complete: 2 succeeded, 1 failed, 0 skipped." in applied.stdout

    assert sorted(ws.read_state()["resources"]) == [
        "aws_logs_integration.vended",
        "datadog_aws_account.good",
    ]
    assert [a["attributes"]["aws_account_id"] for a in dd_accounts(cloud.url)] == ["123123123123"]
    listed = logs_client(cloud.url, "eu-west-1").list_integrations()["integrationSummaries"]
    assert [i["integrationName"] for i in listed] == ["vended-logs"]

    # Only the failed one is left to do.
    again = ws.plan("--detailed-exitcode")
    assert again.returncode == 2, describe(again)
    assert summary_line(again.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 0 to destroy."
    assert "datadog_aws_account.bad will be created" in again.stdout


def test_apply_asks_and_only_yes_approves(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(PROTECTED)
    declined = ws.cli("apply", "infra", input="no\n")
    assert declined.returncode == 0, describe(declined)
    assert "Only 'yes' will be accepted to approve." in declined.stdout
    assert "Apply cancelled." in declined.stdout
    closed = ws.cli("apply", "infra")  # stdin at end of file, as in CI without --auto-approve
    assert_one_error(closed, "standard input is closed", "--auto-approve")
    assert dd_accounts(cloud.url) == []
    assert not ws.state_path.exists()

    approved = ws.cli("apply", "infra", input="yes\n")
    assert approved.returncode == 0, describe(approved)
    assert "Apply complete: 1 succeeded, 0 failed, 0 skipped." in approved.stdout
    assert len(dd_accounts(cloud.url)) == 1


def test_target_and_exclude_limit_plan_and_apply(ws: Workspace, cloud: Sandbox) -> None:
    cloud.refuse_writes(REFUSED)
    ws.write(MIXED)
    only = ws.plan("--target", "datadog_aws_account.good")
    assert only.returncode == 0, describe(only)
    assert "datadog_aws_account.good will be created" in only.stdout
    assert "datadog_aws_account.bad" not in only.stdout
    assert "aws_logs_integration.vended" not in only.stdout
    assert summary_line(only.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 0 to destroy."

    applied = ws.apply("--exclude", "datadog_aws_account.bad")
    assert applied.returncode == 0, describe(applied)
    assert "Apply complete: 2 succeeded, 0 failed, 0 skipped." in applied.stdout
    assert [a["attributes"]["aws_account_id"] for a in dd_accounts(cloud.url)] == ["123123123123"]
    assert sorted(ws.read_state()["resources"]) == [
        "aws_logs_integration.vended",
        "datadog_aws_account.good",
    ]


def test_a_name_the_live_api_no_longer_lists_is_a_plan_error(ws: Workspace, cloud: Sandbox) -> None:
    # AWS/Usage is in the catalogue shipped with reconciler, so validate accepts it; the live
    # Datadog dropped it since: plan reads the live catalogue once and refuses before apply.
    cloud.retire_namespaces(["AWS/Usage"])
    ws.write(
        '[datadog_aws_account.usage]\naws_account_id = "789789789789"\n'
        'auth_config = { role_name = "R" }\n'
        'metrics_config = { namespace_filters = { include_only = ["AWS/Usage"] } }\n'
    )
    assert ws.cli("validate", "infra").returncode == 0
    line = assert_one_error(
        ws.apply(), "datadog_aws_account.usage", "metrics_config.namespace_filters.include_only"
    )
    assert "AWS/Usage" in line and "live" in line
    assert dd_accounts(cloud.url) == []

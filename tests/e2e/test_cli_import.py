"""Adopting what already exists: the import command, and declared objects found live by
their natural key (planned as import, never as a second create)."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests import clouds
from tests.e2e.conftest import (
    Workspace,
    dd_accounts,
    dd_create,
    describe,
    logs_client,
    summary_line,
)
from tests.toml_blocks import account, logs

ROLE_ARN = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER = "arn:aws:iam::123456789012:role/Analysts"


def put_integration(cloud: Sandbox, name: str, region: str) -> None:
    clouds.put_integration(
        logs_client(cloud.url, region),
        name,
        dataSourceRoleArn=ROLE_ARN,
        dashboardViewerPrincipals=[VIEWER],
    )


def test_import_command_writes_toml_that_plans_empty(ws: Workspace, cloud: Sandbox) -> None:
    config_id = dd_create(cloud.url, "999988887777", account_tags=["a:b", "c:d", "e:f"])
    put_integration(cloud, "found-live", "us-east-1")
    ws.write("# empty: everything live is unmanaged\n")

    imported = ws.cli("import", "infra", "--to", "infra/imported.toml")
    assert imported.returncode == 0, describe(imported)
    assert "Imported datadog_aws_account." in imported.stdout
    # A Logs integration's settings cannot be read back, so it cannot be written out.
    assert "found-live" in imported.stdout + imported.stderr
    written = (ws.infra / "imported.toml").read_text()
    assert 'aws_account_id = "999988887777"' in written
    (address,) = ws.read_state()["resources"]
    assert address.startswith("datadog_aws_account.")
    assert ws.read_state()["resources"][address]["remote_id"] == config_id

    planned = ws.plan("--detailed-exitcode")
    assert planned.returncode == 0, describe(planned)
    assert "No changes" in planned.stdout
    # Not listed: the configuration declares no Logs integration, so Logs is not read.
    assert "found-live" not in planned.stdout
    assert [a["id"] for a in dd_accounts(cloud.url)] == [config_id]


FOUND = account("found", "999988887777", account_tags='["env:prod"]') + logs(
    "found", "found-live", region="eu-west-1", role_arn=ROLE_ARN, viewer_arn=VIEWER
)


def test_declared_objects_found_live_are_imported(ws: Workspace, cloud: Sandbox) -> None:
    config_id = dd_create(cloud.url, "999988887777", account_tags=["env:dev"])
    put_integration(cloud, "found-live", "eu-west-1")
    ws.write(FOUND)

    planned = ws.plan("--detailed-exitcode")
    assert planned.returncode == 2, describe(planned)
    assert "datadog_aws_account.found will be imported, then updated in-place" in planned.stdout
    assert "aws_logs_integration.found will be imported" in planned.stdout
    assert "must be replaced" not in planned.stdout
    assert summary_line(planned.stdout) == "Plan: 2 to import, 0 to add, 1 to change, 0 to destroy."

    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    assert "0 failed" in applied.stdout
    (account,) = dd_accounts(cloud.url)
    assert account["id"] == config_id
    assert account["attributes"]["account_tags"] == ["env:prod"]
    listed = logs_client(cloud.url, "eu-west-1").list_integrations()["integrationSummaries"]
    assert [i["integrationName"] for i in listed] == ["found-live"]
    assert sorted(ws.read_state()["resources"]) == [
        "aws_logs_integration.found",
        "datadog_aws_account.found",
    ]

    after = ws.plan("--detailed-exitcode")
    assert after.returncode == 0, describe(after)

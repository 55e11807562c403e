"""CloudWatch Logs integrations through the CLI: unhealthy ones are replaced, and a
replacement never destroys dashboards unless force_delete says so."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, describe, logs_client, summary_line

REGION = "eu-west-1"


def toml(retention_days: int, force_delete: bool) -> str:
    return f"""
[aws_logs_integration.vended]
integration_name = "vended-logs"
region = "{REGION}"
force_delete = {str(force_delete).lower()}

[aws_logs_integration.vended.opensearch]
data_source_role_arn = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/Analysts"]
retention_days = {retention_days}
"""


def live(cloud: Sandbox) -> list[dict[str, object]]:
    listed = logs_client(cloud.url, REGION).list_integrations()["integrationSummaries"]
    return [dict(i) for i in listed]


def test_failed_integration_is_replaced(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(toml(30, force_delete=False))
    assert ws.apply().returncode == 0
    cloud.set_logs_fault("vended-logs", region=REGION, failed=True)

    planned = ws.plan("--detailed-exitcode")
    assert planned.returncode == 2, describe(planned)
    assert "aws_logs_integration.vended must be replaced" in planned.stdout
    assert "FAILED" in planned.stdout
    assert summary_line(planned.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 1 to destroy."

    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    (integration,) = live(cloud)
    assert integration["integrationStatus"] == "ACTIVE"
    assert ws.plan("--detailed-exitcode").returncode == 0


def test_replacement_with_dashboards_needs_force_delete(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(toml(30, force_delete=False))
    assert ws.apply().returncode == 0
    cloud.set_logs_fault("vended-logs", region=REGION, dashboards=True)
    state_before = ws.read_state()

    ws.write(toml(14, force_delete=False))
    refused = ws.apply()
    assert refused.returncode == 1, describe(refused)
    assert "aws_logs_integration.vended" in refused.stdout
    assert "Apply complete: 0 succeeded, 1 failed, 0 skipped." in refused.stdout
    # The delete was refused, so nothing was created and the record is as it was.
    (integration,) = live(cloud)
    assert integration["integrationStatus"] == "ACTIVE"
    assert ws.read_state()["resources"] == state_before["resources"]

    ws.write(toml(14, force_delete=True))
    forced = ws.apply()
    assert forced.returncode == 0, describe(forced)
    assert "Apply complete: 1 succeeded, 0 failed, 0 skipped." in forced.stdout
    (integration,) = live(cloud)
    assert integration["integrationStatus"] == "ACTIVE"
    record = ws.read_state()["resources"]["aws_logs_integration.vended"]
    assert record["last_applied"]["opensearch"]["retention_days"] == 14
    assert ws.plan("--detailed-exitcode").returncode == 0

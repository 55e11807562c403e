"""Configuration tables the end-to-end tests declare, as TOML text. Values are given as TOML
source (``account_tags='["env:prod"]'``), so a test writes exactly what a user would."""

from __future__ import annotations

ROLE = '{ role_name = "DatadogIntegrationRole" }'
LOGS_ROLE_ARN = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER_ARN = "arn:aws:iam::123456789012:role/Analysts"


def _table(header: str, fields: dict[str, str]) -> str:
    return "\n".join([f"[{header}]", *(f"{key} = {value}" for key, value in fields.items())])


def account(name: str, aws_account_id: str, *, auth_config: str = ROLE, **fields: str) -> str:
    """``[datadog_aws_account.NAME]``, its account ID first and an IAM role unless told."""
    values = {"aws_account_id": f'"{aws_account_id}"', **fields, "auth_config": auth_config}
    return "\n" + _table(f"datadog_aws_account.{name}", values) + "\n"


def logs(
    name: str,
    integration_name: str,
    *,
    region: str | None = None,
    retention_days: int = 30,
    role_arn: str = LOGS_ROLE_ARN,
    viewer_arn: str = VIEWER_ARN,
) -> str:
    """``[aws_logs_integration.NAME]`` with its OpenSearch table (the settings' region unless
    ``region`` is given)."""
    head = {"integration_name": f'"{integration_name}"'}
    if region is not None:
        head["region"] = f'"{region}"'
    opensearch = {
        "data_source_role_arn": f'"{role_arn}"',
        "dashboard_viewer_principals": f'["{viewer_arn}"]',
        "retention_days": str(retention_days),
    }
    table = f"aws_logs_integration.{name}"
    return f"\n{_table(table, head)}\n\n{_table(table + '.opensearch', opensearch)}\n"

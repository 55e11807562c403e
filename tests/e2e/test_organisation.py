"""An organisation-sized configuration: one template shared by 300 accounts (at most 4 lines
each), applied and planned empty; and a quota the API enforces, refused before any call."""

from __future__ import annotations

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, assert_one_error
from tests.toml_blocks import logs

TEMPLATE = """
[defaults.datadog_aws_account]
auth_config = { role_name = "DatadogIntegrationRole" }

[templates.standard]
account_tags = ["managed-by:reconciler"]
aws_regions = { include_only = ["us-east-1", "eu-west-1"] }
metrics_config = { collect_custom_metrics = true }
"""


def organisation(accounts: int) -> str:
    blocks = []
    for i in range(accounts):
        lines = [
            f"[datadog_aws_account.a{i:03d}]",
            'template = "standard"',
            f'aws_account_id = "{500000000000 + i}"',
        ]
        if i % 100 == 7:  # a few overrides
            lines.append('account_tags = ["managed-by:reconciler", "tier:gold"]')
        blocks.append("\n".join(lines))
    return TEMPLATE + "\n\n".join(blocks) + "\n"


def test_three_hundred_accounts_from_one_template_plan_empty_after_apply(
    ws: Workspace, cloud: Sandbox
) -> None:
    text = organisation(300)
    body = text[len(TEMPLATE) :].strip().split("\n\n")
    assert len(body) == 300 and max(len(b.splitlines()) for b in body) <= 4
    ws.write(text)
    applied = ws.apply()
    assert applied.code == 0, applied.show()[-3000:]
    assert len(cloud.datadog_accounts()) == 300
    gold = [a for a in cloud.datadog_accounts() if "tier:gold" in a["attributes"]["account_tags"]]
    assert len(gold) == 3
    again = ws.plan("--detailed-exitcode")
    assert again.code == 0, again.show()[-3000:]


def test_two_logs_integrations_in_one_region_are_refused_before_any_call(
    ws: Workspace, cloud: Sandbox
) -> None:
    ws.write(
        logs("first", "first", region="eu-west-1", retention_days=7)
        + logs("second", "second", region="eu-west-1", retention_days=7)
    )
    result = ws.cli("validate", "infra")
    assert_one_error(
        result, "aws_logs_integration.second", "aws_logs_integration.first", "eu-west-1"
    )
    assert cloud.logs_integrations() == []

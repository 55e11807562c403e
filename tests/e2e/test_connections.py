"""Named connections end to end: a role assumed through STS (boto3 against the sandbox), two
Datadog organisations, the errors for a role that cannot be assumed and for a connection
removed while the state holds its objects, and the example organisation in examples/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

from reconciler.sandbox import Sandbox
from reconciler.sandbox.orgs import sandbox_keys
from tests.e2e.conftest import (
    Workspace,
    assert_one_error,
    dd_create,
    logs_client,
    run,
    summary_line,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "organisation"
PROD = "222222222222"
ROLE = f"arn:aws:iam::{PROD}:role/reconciler"
EU_KEYS = {"EU_API_KEY": sandbox_keys("eu")[0], "EU_APP_KEY": sandbox_keys("eu")[1]}


def connections_toml(url: str, *, role: str = ROLE, external_id: str | None = None) -> str:
    lines = [
        "[aws.accounts.prod]",
        f'role_arn = "{role}"',
        'region = "eu-west-1"',
        *([f'external_id = "{external_id}"'] if external_id else []),
        "",
        "[datadog.orgs.eu]",
        f'api_url = "{url}"',
        'api_key = "${env:EU_API_KEY}"',
        'app_key = "${env:EU_APP_KEY}"',
    ]
    return "\n".join(lines) + "\n"


def logs(name: str, **fields: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return (
        f'[aws_logs_integration.{name}]\nintegration_name = "vended"\n{extra}'
        f"[aws_logs_integration.{name}.opensearch]\n"
        f'data_source_role_arn = "arn:aws:iam::{PROD}:role/R"\n'
        f'dashboard_viewer_principals = ["arn:aws:iam::{PROD}:role/A"]\n'
        "retention_days = 7\n"
    )


def datadog(name: str, **fields: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return (
        f'[datadog_aws_account.{name}]\naws_account_id = "{PROD}"\n{extra}'
        'auth_config = { role_name = "DatadogIntegrationRole" }\n'
    )


def workspace(ws: Workspace, cloud: Sandbox, resources: str, **role: Any) -> None:
    ws.aws["sts_endpoint_url"] = cloud.url
    ws.env.update(EU_KEYS)
    ws.write(resources)
    settings = ws.infra / "00-settings.toml"
    settings.write_text(settings.read_text() + "\n" + connections_toml(cloud.url, **role))


Keys = tuple[str, str, str | None]  # access key id, secret, session token


def integrations_seen_by(cloud: Sandbox, keys: Keys, region: str) -> list[str]:
    client = boto3.client(
        "logs",
        endpoint_url=cloud.url,
        region_name=region,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        aws_session_token=keys[2],
    )
    return sorted(i["integrationName"] for i in client.list_integrations()["integrationSummaries"])


def assumed(cloud: Sandbox) -> Keys:
    sts = boto3.client(
        "sts",
        endpoint_url=cloud.url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="test")["Credentials"]
    assert sts.get_caller_identity()["Account"] == "123456789012"
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def test_one_name_in_two_accounts_and_one_account_in_two_orgs(
    ws: Workspace, cloud: Sandbox
) -> None:
    workspace(
        ws,
        cloud,
        logs("here", region="eu-west-1")
        + logs("there", account="prod")
        + datadog("main")
        + datadog("eu", org="eu"),
    )
    applied = ws.apply()
    assert applied.code == 0, applied.show()
    # The same integration name, once in each account: the role's lives in its account.
    base: Keys = ("sandbox", "sandbox", None)
    assert integrations_seen_by(cloud, base, "eu-west-1") == ["vended"]
    accounts = {r["accountId"] for r in cloud.logs_integrations()}
    assert accounts == {"123456789012", PROD}
    role = assumed(cloud)
    sts = boto3.client(
        "sts",
        endpoint_url=cloud.url,
        region_name="us-east-1",
        aws_access_key_id=role[0],
        aws_secret_access_key=role[1],
        aws_session_token=role[2],
    )
    assert sts.get_caller_identity()["Account"] == PROD
    assert integrations_seen_by(cloud, role, "eu-west-1") == ["vended"]
    # One AWS account in both organisations, each org seeing only its own.
    assert [a["attributes"]["aws_account_id"] for a in cloud.datadog_accounts()] == [PROD]
    assert [a["attributes"]["aws_account_id"] for a in cloud.datadog_accounts("eu")] == [PROD]
    state = ws.read_state()["resources"]
    assert state["aws_logs_integration.there"]["natural_key"] == f"prod@{PROD}:eu-west-1/vended"
    assert state["datadog_aws_account.eu"]["natural_key"] == f"eu:{PROD}"

    again = ws.plan("--detailed-exitcode")
    assert again.code == 0, again.show()
    # The organisation's keys are nowhere in what reconciler wrote or printed.
    written = ws.state_path.read_text() + applied.show() + again.show()
    for key in EU_KEYS.values():
        assert key not in written


def test_a_saved_plan_through_named_connections_applies_as_reviewed(
    ws: Workspace, cloud: Sandbox
) -> None:
    workspace(ws, cloud, logs("there", account="prod") + datadog("eu", org="eu"))
    saved = ws.cli("plan", "infra", "--out", "reviewed.plan")
    assert saved.code == 0, saved.show()
    applied = ws.cli("apply", "reviewed.plan")
    assert applied.code == 0, applied.show()
    assert len(cloud.datadog_accounts("eu")) == 1 and cloud.datadog_accounts() == []
    assert [r["accountId"] for r in cloud.logs_integrations()] == [PROD]
    again = ws.plan("--detailed-exitcode")
    assert again.code == 0, again.show()


def test_a_role_that_cannot_be_assumed_stops_the_plan_with_one_error(
    ws: Workspace, cloud: Sandbox
) -> None:
    cloud.register_roles(PROD, {"reconciler": "the-right-id"})
    workspace(ws, cloud, logs("there", account="prod"), external_id="a-wrong-id")
    result = ws.plan()
    assert_one_error(result, "AWS account prod", ROLE, "AccessDenied")
    workspace(ws, cloud, logs("there", account="prod"), role=f"arn:aws:iam::{PROD}:role/unknown")
    result = ws.apply()
    assert_one_error(result, "AWS account prod", "role/unknown", "AccessDenied")
    assert cloud.logs_integrations() == []


def test_removing_a_connection_the_state_still_uses_is_an_error_not_a_destroy(
    ws: Workspace, cloud: Sandbox
) -> None:
    workspace(ws, cloud, logs("there", account="prod") + datadog("eu", org="eu"))
    assert ws.apply().code == 0
    # The resources and their connections go; the state still holds their objects.
    ws.write("")
    result = ws.plan()
    assert result.code == 1, result.show()
    errors = " ".join(result.error_lines())
    assert "[aws.accounts.prod]" in errors or "[datadog.orgs.eu]" in errors
    assert len(cloud.logs_integrations()) == 1
    assert len(cloud.datadog_accounts("eu")) == 1


def test_unmanaged_objects_are_looked_for_only_through_connections_in_use(
    ws: Workspace, cloud: Sandbox
) -> None:
    # Objects in the default organisation and the default account: not this config's.
    dd_create(cloud.url, "333333333333")
    logs_client(cloud.url, "us-east-1").put_integration(
        integrationName="elsewhere",
        integrationType="OPENSEARCH",
        resourceConfig={
            "openSearchResourceConfig": {
                "dataSourceRoleArn": "arn:aws:iam::123456789012:role/R",
                "dashboardViewerPrincipals": ["arn:aws:iam::123456789012:role/A"],
                "retentionDays": 1,
            }
        },
    )
    workspace(ws, cloud, datadog("eu", org="eu"))
    assert ws.apply().code == 0
    # No default Datadog keys and no AWS credentials: neither connection is used.
    result = ws.plan("--detailed-exitcode", env={"DD_API_KEY": None, "AWS_ACCESS_KEY_ID": None})
    assert result.code == 0, result.show()
    assert "333333333333" not in result.stdout and "elsewhere" not in result.stdout


def test_import_finds_objects_through_declared_connections_and_writes_them(
    ws: Workspace, cloud: Sandbox
) -> None:
    dd_create(cloud.url, "444444444444", key=sandbox_keys("eu")[0])
    workspace(ws, cloud, datadog("main"))
    assert ws.apply().code == 0
    imported = ws.cli(
        "import", "infra", "--kind", "datadog_aws_account", "--key", "eu:444444444444"
    )
    assert imported.code == 0, imported.show()
    written = (ws.infra / "imported.toml").read_text()
    assert 'org = "eu"' in written and '"444444444444"' in written
    again = ws.plan("--detailed-exitcode")
    assert again.code == 0, again.show()
    keys = {r["natural_key"] for r in ws.read_state()["resources"].values()}
    assert keys == {PROD, "eu:444444444444"}


def test_import_of_a_named_only_configuration_needs_no_default_keys(
    ws: Workspace, cloud: Sandbox
) -> None:
    dd_create(cloud.url, "555555555555", key=sandbox_keys("eu")[0])
    workspace(ws, cloud, datadog("eu", org="eu"))
    no_defaults: dict[str, str | None] = {"DD_API_KEY": None, "DD_APP_KEY": None}
    assert ws.apply(env=no_defaults).code == 0
    imported = ws.cli("import", "infra", env=no_defaults)
    assert imported.code == 0, imported.show()
    assert '"555555555555"' in (ws.infra / "imported.toml").read_text()


def test_import_never_writes_a_table_the_defaults_turn_into_another_object(
    ws: Workspace, cloud: Sandbox
) -> None:
    workspace(ws, cloud, datadog("home"))  # the default organisation, in the state
    assert ws.apply().code == 0
    dd_create(cloud.url, "666666666666")  # the default organisation
    dd_create(cloud.url, "777777777777", key=sandbox_keys("eu")[0])
    defaults = '[defaults.datadog_aws_account]\norg = "eu"\n\n'
    workspace(ws, cloud, defaults)
    imported = ws.cli("import", "infra")
    assert imported.code == 0, imported.show()
    written = (ws.infra / "imported.toml").read_text()
    # The eu account relies on the default; the default-organisation one cannot be written
    # under these defaults (it would read as an eu account), and the output says so.
    assert '"777777777777"' in written and "org" not in written
    assert '"666666666666"' not in written
    assert "666666666666: not imported" in imported.show()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "org"
    shutil.copytree(EXAMPLE, root / "infra")
    return root


def test_the_example_organisation_validates_applies_and_plans_empty(example: Path) -> None:
    files = sorted((example / "infra").glob("*.toml"))
    text = "\n".join(f.read_text() for f in files)
    assert text.count("[aws.accounts.") >= 3 and text.count("[datadog.orgs.") >= 1
    env: dict[str, str | None] = {"DD_API_KEY": None, "AWS_ACCESS_KEY_ID": None}
    validated = run(["validate", "infra"], example, env)
    assert validated.code == 0, validated.show()
    planned = run(["plan", "--sandbox", "infra"], example, env)
    assert planned.code == 0, planned.show()
    line = summary_line(planned.stdout)
    created = int(line.split(" to add")[0].rsplit(" ", 1)[-1])
    assert created >= 35, line
    assert "(through prod@210987654321: eu-west-1/vended-logs)" in planned.stdout
    applied = run(["apply", "--sandbox", "--auto-approve", "infra"], example, env)
    assert applied.code == 0, applied.show()[-3000:]
    again = run(["plan", "--sandbox", "--detailed-exitcode", "infra"], example, env)
    assert again.code == 0, again.show()[-3000:]
    keys = run(["state", "list", "--sandbox"], example, env)
    assert "aws_logs_integration.staging_eu" in keys.stdout

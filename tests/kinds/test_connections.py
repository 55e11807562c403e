"""Named connections: natural keys, scopes, the scopes refresh reads, the import table, and
the errors for a connection the configuration does not declare. Pure: no API is called."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

from reconciler.clients.aws_roles import check_profile
from reconciler.clients.boto_sessions import new_session
from reconciler.errors import ApiError, ConfigError
from reconciler.kinds import connections
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.base import Observed
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.kinds.logs_spec import AwsLogsIntegrationSpec
from reconciler.settings import Settings

ROLE = "arn:aws:iam::222222222222:role/reconciler"
SETTINGS = Settings.model_validate(
    {
        "aws": {
            "region": "us-east-1",
            "accounts": {
                "prod": {"role_arn": ROLE, "region": "eu-west-1"},
                "staging": {"profile": "staging"},
            },
        },
        "datadog": {
            "orgs": {
                "eu": {
                    "site": "datadoghq.eu",
                    "api_key": "${env:EU_API}",
                    "app_key": "${env:EU_APP}",
                }
            }
        },
    }
)
OPENSEARCH = {
    "data_source_role_arn": "arn:aws:iam::222222222222:role/ds",
    "dashboard_viewer_principals": ["arn:aws:iam::222222222222:role/viewer"],
    "retention_days": 7,
}


def logs_spec(**fields: Any) -> AwsLogsIntegrationSpec:
    return AwsLogsIntegrationSpec.model_validate(
        {"integration_name": "vended", "opensearch": OPENSEARCH, **fields}
    )


def datadog_spec(**fields: Any) -> DatadogAwsAccountSpec:
    return DatadogAwsAccountSpec.model_validate(
        {"aws_account_id": "123456789012", "auth_config": {"role_name": "dd"}, **fields}
    )


def test_split_and_qualify_round_trip() -> None:
    for connection, key in [(None, "eu-west-1/a/b#c"), ("prod", "eu-west-1/x"), ("eu", "1" * 12)]:
        assert connections.split(connections.qualify(connection, key)) == (connection, key)
    # A ":" after the first "/" belongs to the name, never to a connection.
    assert connections.split("eu-west-1/odd:name") == (None, "eu-west-1/odd:name")


def test_default_connection_keeps_todays_keys() -> None:
    logs = AwsLogsIntegration(SETTINGS, environ={})
    datadog = DatadogAwsAccount(SETTINGS)
    assert logs.natural_key(logs_spec()) == "us-east-1/vended"
    assert logs.scope("us-east-1/vended") == "us-east-1"
    assert datadog.natural_key(datadog_spec()) == "123456789012"
    assert datadog.scope("123456789012") == ""


def test_named_connections_are_part_of_the_key() -> None:
    logs = AwsLogsIntegration(SETTINGS, environ={})
    datadog = DatadogAwsAccount(SETTINGS)
    # The account's own region is its resources' default region.
    assert logs.natural_key(logs_spec(account="prod")) == "prod@222222222222:eu-west-1/vended"
    assert logs.natural_key(logs_spec(account="staging")) == "staging:us-east-1/vended"
    assert logs.natural_key(logs_spec(account="prod", region="ap-south-1")) == (
        "prod@222222222222:ap-south-1/vended"
    )
    assert logs.scope("prod@222222222222:eu-west-1/vended") == "prod@222222222222:eu-west-1"
    assert datadog.natural_key(datadog_spec(org="eu")) == "eu:123456789012"
    assert datadog.scope("eu:123456789012") == "eu"
    # Not a value to compare: the connection is identity, not configuration.
    assert "org" not in datadog.desired_values(datadog_spec(org="eu"))
    assert "account" not in logs.desired_values(logs_spec(account="prod"))


def test_unknown_connection_is_a_config_error_with_a_hint() -> None:
    logs = AwsLogsIntegration(SETTINGS, environ={})
    with pytest.raises(ConfigError) as caught:
        logs.natural_key(logs_spec(account="prdo"))
    assert caught.value.field == "account"
    assert "[aws.accounts.prdo]" in caught.value.message
    assert "did you mean prod?" in caught.value.message
    with pytest.raises(ConfigError) as caught:
        DatadogAwsAccount(Settings()).natural_key(datadog_spec(org="eu"))
    assert caught.value.field == "org"
    assert "no [datadog.orgs.<name>] is declared" in caught.value.message


def test_default_scopes_only_through_connections_in_use() -> None:
    logs = AwsLogsIntegration(SETTINGS, environ={})
    datadog = DatadogAwsAccount(SETTINGS)
    # Nothing in use (import): every named account's default region (the default account
    # only when none is named).
    assert sorted(logs.default_scopes([])) == ["prod@222222222222:eu-west-1", "staging:us-east-1"]
    only_default = Settings.model_validate({"aws": {"region": "us-east-1"}})
    assert AwsLogsIntegration(only_default, environ={}).default_scopes([]) == ["us-east-1"]
    # Only the prod account is used: its default region, never the default account's.
    assert logs.default_scopes(["prod@222222222222:ap-south-1"]) == ["prod@222222222222:eu-west-1"]
    assert sorted(logs.default_scopes(["prod@222222222222:ap-south-1", "us-west-2"])) == [
        "prod@222222222222:eu-west-1",
        "us-east-1",
    ]
    assert datadog.default_scopes([]) == ["eu"]
    assert DatadogAwsAccount(Settings()).default_scopes([]) == [""]
    assert datadog.default_scopes(["eu"]) == []


def test_normalise_and_import_table_carry_the_connection() -> None:
    logs = AwsLogsIntegration(SETTINGS, environ={})
    raw = {
        "integrationName": "vended",
        "integrationType": "OPENSEARCH",
        "integrationStatus": "ACTIVE",
    }
    observed = logs.normalise(raw, "prod@222222222222:eu-west-1")
    assert observed.natural_key == "prod@222222222222:eu-west-1/vended"
    table = logs.spec_table(observed)
    assert (table["account"], table["region"]) == ("prod", "eu-west-1")

    datadog = DatadogAwsAccount(SETTINGS)
    item = {
        "id": "c0ffee",
        "type": "account",
        "attributes": {
            "aws_account_id": "123456789012",
            "aws_partition": "aws",
            "auth_config": {"role_name": "dd", "external_id": "x"},
        },
    }
    found = datadog.normalise(item, "eu")
    assert found.natural_key == "eu:123456789012"
    table = datadog.spec_table(found)
    assert (table["org"], table["aws_account_id"]) == ("eu", "123456789012")
    # The table declares the same object: same natural key.
    assert datadog.natural_key(DatadogAwsAccountSpec.model_validate(table)) == found.natural_key


def test_state_in_an_undeclared_connection_is_an_error_not_absent() -> None:
    logs = AwsLogsIntegration(Settings(), environ={})
    datadog = DatadogAwsAccount(Settings())
    with pytest.raises(ConfigError, match=r"AWS account 'gone'.*\[aws\.accounts\.gone\]"):
        asyncio.run(logs.list("gone:eu-west-1"))
    with pytest.raises(ConfigError, match=r"organisation 'old'.*\[datadog\.orgs\.old\]"):
        asyncio.run(datadog.list("old"))


def test_a_connection_now_reaching_another_account_is_refused_not_read() -> None:
    # The state's objects were made through prod's role in 222222222222; prod now assumes a
    # role in 333333333333, where the same integration names are other objects.
    moved = Settings.model_validate(
        {"aws": {"accounts": {"prod": {"role_arn": "arn:aws:iam::333333333333:role/r"}}}}
    )
    logs = AwsLogsIntegration(moved, environ={})
    with pytest.raises(ConfigError) as caught:
        asyncio.run(logs.list("prod@222222222222:eu-west-1"))
    assert "in AWS account 222222222222, but it now reaches AWS account 333333333333" in str(
        caught.value.message
    )
    profile = Settings.model_validate({"aws": {"accounts": {"prod": {"profile": "p"}}}})
    with pytest.raises(ConfigError, match="now reaches the account of its profile"):
        asyncio.run(AwsLogsIntegration(profile, environ={}).list("prod@222222222222:eu-west-1"))


def test_named_org_uses_its_own_keys_and_site_never_dd_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": []})

    monkeypatch.setenv("EU_API", "eu-api-key-value")
    monkeypatch.setenv("EU_APP", "eu-app-key-value")
    monkeypatch.setenv("DD_HOST", "https://default-org.example")
    monkeypatch.setenv("DD_API_KEY", "default-api-key")
    kind = DatadogAwsAccount(SETTINGS, transport=httpx.MockTransport(answer))

    async def listing() -> list[Observed]:
        try:
            return await kind.list("eu")
        finally:
            await kind.aclose()

    assert asyncio.run(listing()) == []
    (request,) = seen
    assert request.url.host == "api.datadoghq.eu"
    assert request.headers["DD-API-KEY"] == "eu-api-key-value"
    assert request.headers["DD-APPLICATION-KEY"] == "eu-app-key-value"


def test_missing_org_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EU_API", raising=False)
    kind = DatadogAwsAccount(SETTINGS)
    with pytest.raises(ConfigError, match=r"EU_API is not set: .* \(\[datadog\.orgs\.eu\]\)"):
        asyncio.run(kind.list("eu"))


class _Session:
    """What check_profile reads of a boto3 session: its resolved credentials."""

    def __init__(self, credentials: Credentials | None) -> None:
        self.credentials = credentials

    def get_credentials(self) -> Credentials | None:
        return self.credentials


def test_a_named_profile_without_credentials_of_its_own_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # boto3 would fall back to the machine's credentials: another account.
    for method in ("container-role", "iam-role"):
        with pytest.raises(ConfigError, match=f"only the machine's \\({method}\\)") as caught:
            check_profile(_Session(Credentials("AKIA", "s", method=method)), "prod", "p")
        assert caught.value.field == "aws.accounts.prod.profile"
    check_profile(_Session(Credentials("AKIA", "s", method="config-file")), "prod", "p")
    # A real session: a profile that holds only a region.
    config = tmp_path / "config"
    config.write_text("[profile empty]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ConfigError, match="gives no credentials of its own \\(none\\)"):
        check_profile(new_session("empty"), "prod", "empty")


def test_an_account_id_that_would_read_as_another_orgs_key_is_an_api_error() -> None:
    item = {
        "id": "c0ffee",
        "type": "account",
        "attributes": {
            "aws_account_id": "eu:123456789012",
            "aws_partition": "aws",
            "auth_config": {"role_name": "dd"},
        },
    }
    with pytest.raises(ApiError, match="holds a ':'"):
        DatadogAwsAccount(SETTINGS).normalise(item, "")

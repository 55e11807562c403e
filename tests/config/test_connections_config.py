"""Named connections in the configuration: what `validate` accepts and refuses (file:line,
address, what to do), before any API call and without credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import assert_one_error, run

SETTINGS = """\
[aws]
region = "us-east-1"

[aws.accounts.prod]
role_arn = "arn:aws:iam::222222222222:role/reconciler"
external_id = "shared-external-id"
region = "eu-west-1"

[aws.accounts.staging]
profile = "staging"

[datadog.orgs.eu]
site = "datadoghq.eu"
api_key = "${env:DD_EU_API_KEY}"
app_key = "${env:DD_EU_APP_KEY}"
"""


def logs(name: str, **fields: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return (
        f'[aws_logs_integration.{name}]\nintegration_name = "vended"\n{extra}'
        f"[aws_logs_integration.{name}.opensearch]\n"
        'data_source_role_arn = "arn:aws:iam::222222222222:role/R"\n'
        'dashboard_viewer_principals = ["arn:aws:iam::222222222222:role/A"]\n'
        "retention_days = 7\n"
    )


def datadog(name: str, account_id: str, **fields: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return (
        f'[datadog_aws_account.{name}]\naws_account_id = "{account_id}"\n{extra}'
        'auth_config = { role_name = "DatadogIntegrationRole" }\n'
    )


def validate(tmp_path: Path, settings: str, resources: str) -> tuple[int, str, list[str]]:
    infra = tmp_path / "infra"
    infra.mkdir(exist_ok=True)
    (infra / "00-settings.toml").write_text(settings)
    (infra / "main.toml").write_text(resources)
    result = run(["validate", "infra"], tmp_path, {"AWS_REGION": None, "AWS_DEFAULT_REGION": None})
    return result.code, result.stdout, result.error_lines()


def test_same_name_in_two_accounts_and_one_account_in_two_orgs_is_valid(tmp_path: Path) -> None:
    resources = (
        logs("default_one")
        + logs("prod_one", account="prod")
        + logs("staging_one", account="staging", region="eu-west-1")
        + datadog("main", "222222222222")
        + datadog("eu", "222222222222", org="eu")
    )
    code, out, errors = validate(tmp_path, SETTINGS, resources)
    assert (code, errors) == (0, []), out
    assert "5 resources" in out


def test_two_integrations_in_one_account_and_region_are_refused(tmp_path: Path) -> None:
    resources = logs("a", account="prod") + logs("b", account="prod", region="eu-west-1")
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "00-settings.toml").write_text(SETTINGS)
    (infra / "main.toml").write_text(resources)
    result = run(["validate", "infra"], tmp_path)
    assert_one_error(
        result,
        "aws_logs_integration.b",
        "aws_logs_integration.a",
        "eu-west-1 through connection prod",
    )


def test_unknown_connection_names_file_line_address_and_the_fix(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "00-settings.toml").write_text(SETTINGS)
    (infra / "main.toml").write_text(datadog("x", "111111111111") + logs("y", account="prdo"))
    result = run(["validate", "infra"], tmp_path)
    line = assert_one_error(
        result, "main.toml:4", "aws_logs_integration.y", "[aws.accounts.prdo]", "did you mean prod?"
    )
    assert "account" in line


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        (
            '[aws.accounts.prod]\nrole_arn = "arn:aws:iam::2222:role/r"\n',
            "12 digits",
        ),
        ('[aws.accounts.prod]\nregion = "eu-west-1"\n', "set profile, role_arn"),
        (
            '[aws.accounts.prod]\nprofile = "p"\nexternal_id = "abc"\n',
            "role_arn, which is not set",
        ),
        ('[aws.accounts."bad:name"]\nprofile = "p"\n', "connection name"),
        (
            '[datadog.orgs.eu]\napi_key = "0123456789abcdef"\napp_key = "${env:K}"\n',
            "${env:NAME}",
        ),
        ('[datadog.orgs.eu]\napi_key = "${env:A}"\n', "app_key"),
        # The default organisation's keys, or another organisation's, would be sent away.
        (
            '[datadog.orgs.eu]\napi_key = "${env:DD_API_KEY}"\napp_key = "${env:K}"\n',
            "DD_API_KEY belongs to the default connection",
        ),
        (
            '[datadog.orgs.eu]\napi_key = "${env:A}"\napp_key = "${env:A}"\n',
            "api_key and app_key name the same variable",
        ),
        (
            '[datadog.orgs.eu]\napi_key = "${env:A}"\napp_key = "${env:B}"\n'
            '[datadog.orgs.us]\napi_key = "${env:C}"\napp_key = "${env:B}"\n',
            "datadog.orgs.eu and datadog.orgs.us both read B",
        ),
        (  # named as written, not sorted (the fast TOML parser sorts keys)
            '[datadog.orgs.zeta]\napi_key = "${env:A}"\napp_key = "${env:B}"\n'
            '[datadog.orgs.alpha]\napi_key = "${env:C}"\napp_key = "${env:B}"\n',
            "datadog.orgs.zeta and datadog.orgs.alpha both read B",
        ),
        (
            '[aws.accounts.a]\nrole_arn = "arn:aws:iam::222222222222:role/x"\n'
            '[aws.accounts.b]\nrole_arn = "arn:aws:iam::222222222222:role/y"\n',
            "both assume a role in AWS account 222222222222",
        ),
        (
            '[datadog.orgs.eu]\nsite = "datadoghq.ue"\n'
            'api_key = "${env:A}"\napp_key = "${env:B}"\n',
            "unknown Datadog site",
        ),
    ],
)
def test_bad_connection_tables_are_one_error_at_their_line(
    tmp_path: Path, table: str, fragment: str
) -> None:
    code, _, errors = validate(tmp_path, '[state]\nbackend = "local"\n\n' + table, "")
    assert code == 1
    assert len(errors) == 1, errors
    assert "00-settings.toml:" in errors[0] and fragment in errors[0], errors[0]
    assert "0123456789abcdef" not in errors[0]  # a literal key is never echoed

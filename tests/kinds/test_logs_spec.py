"""Validation of [aws_logs_integration.*]: one test per rule, through the real loader so the
messages are checked in the form users see (file:line: address: field: message)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ConfigError, ConfigErrors
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.logs_spec import AwsLogsIntegrationSpec

KINDS = {AwsLogsIntegration.name: AwsLogsIntegration}
ROLE = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER = "arn:aws:iam::123456789012:role/Analysts"


def toml(top: str = "", opensearch: str = "") -> str:
    top = top or 'integration_name = "vended-logs"\nregion = "eu-west-1"'
    opensearch = opensearch or (
        f'data_source_role_arn = "{ROLE}"\n'
        f'dashboard_viewer_principals = ["{VIEWER}"]\n'
        "retention_days = 30"
    )
    return (
        f"[aws_logs_integration.vended]\n{top}\n"
        f"[aws_logs_integration.vended.opensearch]\n{opensearch}\n"
    )


def errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "main.toml"
    path.write_text(text)
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        load_config(path, KINDS, env={})
    if isinstance(info.value, ConfigErrors):
        return [str(e) for e in info.value.errors]
    return [str(info.value)]


def one_error(tmp_path: Path, text: str) -> str:
    found = errors(tmp_path, text)
    assert len(found) == 1, found
    return found[0]


def opensearch_with(**fields: object) -> str:
    base: dict[str, object] = {
        "data_source_role_arn": ROLE,
        "dashboard_viewer_principals": [VIEWER],
        "retention_days": 30,
    }
    base.update(fields)
    return "\n".join(f"{k} = {json.dumps(v)}" for k, v in base.items() if v is not None)


def test_full_example_loads(tmp_path: Path) -> None:
    text = toml(
        'integration_name = "vended-logs"\nregion = "eu-west-1"\n'
        'integration_type = "OPENSEARCH"\nforce_delete = true',
        opensearch_with(
            kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            application_arn="arn:aws:opensearch:eu-west-1:123456789012:application/abc123",
            dashboard_viewer_principals=[
                VIEWER,
                "arn:aws:iam::123456789012:user/ops/alice",
                "arn:aws:iam::123456789012:root",
            ],
        ),
    )
    path = tmp_path / "main.toml"
    path.write_text(text)
    spec = load_config(path, KINDS, env={}).resources["aws_logs_integration.vended"].spec
    assert isinstance(spec, AwsLogsIntegrationSpec)
    assert spec.force_delete is True
    assert spec.opensearch.retention_days == 30
    assert len(spec.opensearch.dashboard_viewer_principals) == 3


def test_message_names_file_line_address_and_field(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(retention_days=31)))
    assert msg.startswith(
        f"{tmp_path / 'main.toml'}:7: aws_logs_integration.vended: opensearch.retention_days: "
    )


def test_name_longer_than_50(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml(f'integration_name = "{"a" * 51}"\nregion = "eu-west-1"'))
    assert "integration_name: must be 1 to 50 characters, not 51" in msg


def test_name_of_50_is_fine() -> None:
    AwsLogsIntegrationSpec.model_validate(
        {
            "integration_name": "a" * 50,
            "opensearch": {
                "data_source_role_arn": ROLE,
                "dashboard_viewer_principals": [VIEWER],
                "retention_days": 1,
            },
        }
    )


def test_name_empty(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml('integration_name = ""\nregion = "eu-west-1"'))
    assert "must be 1 to 50 characters, not 0" in msg


@pytest.mark.parametrize("name", ["vended logs", "vended:logs", "véndéd", "a\nb"])
def test_name_pattern_is_a_full_match(tmp_path: Path, name: str) -> None:
    msg = one_error(tmp_path, toml(f'integration_name = {json.dumps(name)}\nregion = "eu-west-1"'))
    assert "integration_name: may only contain letters, digits and . - _ / #" in msg


def test_integration_type_only_opensearch(tmp_path: Path) -> None:
    msg = one_error(
        tmp_path,
        toml('integration_name = "x"\nregion = "eu-west-1"\nintegration_type = "S3TABLES"'),
    )
    assert "integration_type: must be OPENSEARCH" in msg


@pytest.mark.parametrize("days", [0, 31, 3650])
def test_retention_days_1_to_30(tmp_path: Path, days: int) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(retention_days=days)))
    assert "must be 1 to 30 days (the PutIntegration limit; CloudFormation's 3650" in msg
    assert msg.endswith(f"not {days}")


def test_retention_days_must_be_an_integer(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(retention_days="30")))
    assert "retention_days: must be a whole number of days" in msg


def test_principals_not_empty(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(dashboard_viewer_principals=[])))
    assert "dashboard_viewer_principals: must list at least one IAM principal ARN" in msg


def test_principals_no_duplicates(tmp_path: Path) -> None:
    msg = one_error(
        tmp_path, toml(opensearch=opensearch_with(dashboard_viewer_principals=[VIEWER, VIEWER]))
    )
    assert f"{VIEWER} is listed twice" in msg


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:group/Analysts",
        "arn:aws:iam::123456789012:policy/P",
        "arn:aws:iam::123456789012:role/",
    ],
)
def test_principals_are_roles_users_or_root(tmp_path: Path, arn: str) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(dashboard_viewer_principals=[arn])))
    assert "expected an IAM role, user or root ARN" in msg


def test_role_arn_must_be_a_role(tmp_path: Path) -> None:
    msg = one_error(
        tmp_path,
        toml(opensearch=opensearch_with(data_source_role_arn="arn:aws:iam::123456789012:user/u")),
    )
    assert "data_source_role_arn: expected an IAM role ARN like arn:aws:iam::" in msg


def test_role_arn_service(tmp_path: Path) -> None:
    msg = one_error(
        tmp_path, toml(opensearch=opensearch_with(data_source_role_arn="arn:aws:s3:::bucket"))
    )
    assert "expected an IAM ARN like" in msg
    assert "not an ARN of service 's3'" in msg


def test_role_arn_has_no_region(tmp_path: Path) -> None:
    msg = one_error(
        tmp_path,
        toml(
            opensearch=opensearch_with(
                data_source_role_arn="arn:aws:iam:eu-west-1:123456789012:role/r"
            )
        ),
    )
    assert "IAM ARNs have no region" in msg


def test_not_an_arn(tmp_path: Path) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(data_source_role_arn="LogsRole")))
    assert "data_source_role_arn: expected an ARN like arn:aws:iam::123456789012:role/NAME" in msg


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "12345678901x", ""])
def test_account_id_is_12_digits(tmp_path: Path, account: str) -> None:
    arn = f"arn:aws:iam::{account}:role/r"
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(data_source_role_arn=arn)))
    assert f"account id in the ARN must be 12 digits, not '{account}'" in msg


def test_partition(tmp_path: Path) -> None:
    arn = "arn:aws-iso:iam::123456789012:role/r"
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(data_source_role_arn=arn)))
    assert "ARN partition must be aws, aws-cn or aws-us-gov, not 'aws-iso'" in msg


def test_partition_must_match_region(tmp_path: Path) -> None:
    arn = "arn:aws-cn:iam::123456789012:role/r"
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(data_source_role_arn=arn)))
    assert (
        "opensearch.data_source_role_arn is in partition aws-cn, but region eu-west-1 is in aws"
        in msg
    )


def test_china_region_with_china_arns(tmp_path: Path) -> None:
    path = tmp_path / "main.toml"
    path.write_text(
        toml(
            'integration_name = "x"\nregion = "cn-north-1"',
            opensearch_with(
                data_source_role_arn="arn:aws-cn:iam::123456789012:role/r",
                dashboard_viewer_principals=["arn:aws-cn:iam::123456789012:root"],
            ),
        )
    )
    assert load_config(path, KINDS, env={}).resources


@pytest.mark.parametrize("region", ["eu_west_1", "EU-WEST-1", "europe", "eu-west"])
def test_region_shape(tmp_path: Path, region: str) -> None:
    msg = one_error(tmp_path, toml(f'integration_name = "x"\nregion = "{region}"'))
    assert f"region: '{region}' is not an AWS region name like us-east-1" in msg


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:eu-west-1:123456789012:alias/logs/opensearch",
    ],
)
def test_kms_key_or_alias_arn_accepted(arn: str) -> None:
    spec = AwsLogsIntegrationSpec.model_validate(
        {
            "integration_name": "x",
            "opensearch": {
                "data_source_role_arn": ROLE,
                "dashboard_viewer_principals": [VIEWER],
                "retention_days": 7,
                "kms_key_arn": arn,
            },
        }
    )
    assert spec.opensearch.kms_key_arn == arn


@pytest.mark.parametrize(
    ("field", "arn", "expected"),
    [
        (
            "kms_key_arn",
            "arn:aws:kms:eu-west-1:123456789012:key/abc",
            "expected a KMS key or alias ARN",
        ),
        ("kms_key_arn", "arn:aws:kms::123456789012:alias/a", "ARN region '' is not a region name"),
        ("kms_key_arn", "arn:aws:iam::123456789012:role/r", "expected a KMS ARN like"),
        (
            "application_arn",
            "arn:aws:opensearch:eu-west-1:123456789012:domain/d",
            "expected an OpenSearch application",
        ),
        (
            "application_arn",
            "arn:aws:es:eu-west-1:123456789012:application/a",
            "expected an OpenSearch ARN like",
        ),
        (
            "application_arn",
            "arn:aws:opensearch:eu-west-1:123456789012:application/",
            "expected an OpenSearch",
        ),
    ],
)
def test_kms_and_application_arn_rejected(
    tmp_path: Path, field: str, arn: str, expected: str
) -> None:
    msg = one_error(tmp_path, toml(opensearch=opensearch_with(**{field: arn})))
    assert f"opensearch.{field}: " in msg
    assert expected in msg


def test_required_opensearch_members(tmp_path: Path) -> None:
    found = errors(tmp_path, toml(opensearch="retention_days = 30"))
    assert len(found) == 2
    assert any("opensearch.data_source_role_arn: required" in e for e in found)
    assert any("opensearch.dashboard_viewer_principals: required" in e for e in found)


def test_unknown_key_has_a_hint(tmp_path: Path) -> None:
    found = errors(
        tmp_path, toml(opensearch=opensearch_with(retention_day=30, retention_days=None))
    )
    assert any("unknown key retention_day; did you mean retention_days?" in e for e in found)


def test_json_schema_has_a_description_on_every_field() -> None:
    schema = AwsLogsIntegrationSpec.model_json_schema()
    assert schema["properties"]["opensearch"]["description"]
    models = [schema, *schema["$defs"].values()]
    for model in models:
        for name, prop in model["properties"].items():
            if name == "lifecycle":  # shared by every kind, described in reconciler.kinds.base
                continue
            assert prop.get("description"), name
    os_props = schema["$defs"]["OpenSearchConfig"]["properties"]
    assert os_props["retention_days"]["maximum"] == 30
    assert schema["properties"]["integration_name"]["maxLength"] == 50

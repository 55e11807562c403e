from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.config import load_config
from reconciler.errors import ConfigErrors
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.registry import KINDS
from reconciler.settings import Settings

ENV = {"LEGACY_AWS_SECRET": "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"}


def base(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "aws_account_id": "123456789012",
        "auth_config": {"role_name": "DatadogIntegrationRole"},
    }
    spec.update(overrides)
    return spec


def only_error(data: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as info:
        DatadogAwsAccountSpec.model_validate(data, context={"env": ENV})
    errors = info.value.errors()
    assert len(errors) == 1, errors
    return tuple(errors[0]["loc"]), errors[0]["msg"]


def test_minimal_spec_is_valid() -> None:
    spec = DatadogAwsAccountSpec.model_validate(base())
    assert spec.aws_partition == "aws"


def test_default_tables_are_shared_not_copied_and_values_stay_separate() -> None:
    # A configuration of thousands of accounts leaves these tables out: one default instance
    # serves them all (no deep copy per resource), and the values the planner gets are still
    # each resource's own.
    first = DatadogAwsAccountSpec.model_validate(base())
    second = DatadogAwsAccountSpec.model_validate(base(aws_account_id="210987654321"))
    assert first.metrics_config is second.metrics_config
    assert first.logs_config is second.logs_config
    # Shared because they hash (pydantic deep-copies a default it cannot hash), and equal
    # tables hash alike although they hold lists.
    tags = {"namespace": "AWS/EC2", "tags": ["a:b"]}
    one, other = (base(metrics_config={"tag_filters": [tags]}) for _ in range(2))
    left, right = (DatadogAwsAccountSpec.model_validate(s).metrics_config for s in (one, other))
    assert left is not right and left == right and hash(left) == hash(right)
    assert len({left, right, first.metrics_config}) == 2
    kind = KINDS["datadog_aws_account"](Settings())
    mine = kind.desired_values(first)
    mine["metrics_config"]["namespace_filters"]["exclude_only"].append("AWS/EC2")
    theirs = kind.desired_values(second)
    assert "AWS/EC2" not in theirs["metrics_config"]["namespace_filters"]["exclude_only"]
    assert "AWS/EC2" not in first.metrics_config.namespace_filters.exclude_only  # type: ignore[operator]


def test_integer_account_id_gets_a_hint_to_quote_it() -> None:
    loc, msg = only_error(base(aws_account_id=123456789012))
    assert loc == ("aws_account_id",)
    assert msg == 'must be a quoted string: aws_account_id = "123456789012"'


@pytest.mark.parametrize(
    "value",
    ["12345678901", "1234567890123", "12345678901a", "", "123456789012\n", "\u0661" * 12],
)
def test_account_id_must_be_12_digits(value: str) -> None:
    # ASCII digits only (Arabic-Indic digits are \d too); a newline is echoed written out.
    loc, msg = only_error(base(aws_account_id=value))
    assert loc == ("aws_account_id",)
    shown = value.replace("\n", "\\n")
    assert msg == f"'{shown}' is not an AWS account ID (12 digits)"


def test_partition_enum() -> None:
    loc, msg = only_error(base(aws_partition="aws-invalid"))
    assert loc == ("aws_partition",)
    assert "'aws', 'aws-cn' or 'aws-us-gov'" in msg


SECRET_REF = "${env:LEGACY_AWS_SECRET}"


@pytest.mark.parametrize(
    ("field", "value", "loc", "expected"),
    [
        pytest.param(
            "auth_config",
            {},
            ("auth_config",),
            "set exactly one of role_name or access_key_id (got neither)",
            id="auth-needs-one",
        ),
        pytest.param(
            "auth_config",
            {"role_name": "R", "access_key_id": "AKIAEXAMPLE", "secret_access_key": SECRET_REF},
            ("auth_config",),
            "set exactly one of role_name or access_key_id (got both)",
            id="auth-refuses-both",
        ),
        pytest.param(
            "auth_config",
            {"access_key_id": "AKIAEXAMPLE"},
            ("auth_config",),
            "access_key_id requires secret_access_key",
            id="auth-access-key-needs-secret",
        ),
        pytest.param(
            "auth_config",
            {"role_name": "R", "secret_access_key": SECRET_REF},
            ("auth_config",),
            "secret_access_key requires access_key_id",
            id="auth-secret-needs-access-key",
        ),
        pytest.param(
            "auth_config",
            {
                "access_key_id": "AKIAEXAMPLE",
                "secret_access_key": SECRET_REF,
                "external_id": "0123456789abcdef0123456789abcdef",
            },
            ("auth_config",),
            "external_id is only used with role_name",
            id="auth-external-id-only-with-role",
        ),
        pytest.param(
            "aws_regions",
            {"include_all": True, "include_only": ["us-east-1"]},
            ("aws_regions",),
            "set exactly one of include_all or include_only (got both)",
            id="regions-need-one-branch",
        ),
        pytest.param(
            "aws_regions",
            {"include_all": False},
            ("aws_regions", "include_all"),
            "include_all can only be true; use include_only to list regions",
            id="include-all-must-be-true",
        ),
        pytest.param(
            "metrics_config",
            {"metric_name_filters": [{"namespace": "AWS/EC2"}]},
            ("metrics_config", "metric_name_filters", 0),
            "set exactly one of include_only or exclude_only (got neither)",
            id="metric-name-filter-needs-one-branch",
        ),
        pytest.param(
            "resources_config",
            {"cloud_security_posture_management_collection": True, "extended_collection": False},
            ("resources_config",),
            "cloud_security_posture_management_collection requires extended_collection = true",
            id="cspm-requires-extended-collection",
        ),
    ],
)
def test_cross_field_rules(
    field: str, value: dict[str, Any], loc: tuple[str | int, ...], expected: str
) -> None:
    assert only_error(base(**{field: value})) == (loc, expected)


def test_literal_secret_is_refused_without_echoing_it() -> None:
    secret = ENV["LEGACY_AWS_SECRET"]
    auth = {"access_key_id": "AKIAEXAMPLE", "secret_access_key": secret}
    loc, msg = only_error(base(auth_config=auth))
    assert loc == ("auth_config", "secret_access_key")
    assert "env:NAME" in msg
    assert secret not in msg


@pytest.mark.parametrize("length, ok", [(0, False), (1, True), (576, True), (577, False)])
def test_role_name_length(length: int, ok: bool) -> None:
    data = base(auth_config={"role_name": "r" * length})
    if ok:
        DatadogAwsAccountSpec.model_validate(data)
    else:
        loc, msg = only_error(data)
        assert loc == ("auth_config", "role_name")
        assert "576" in msg or "at least 1" in msg


def test_xray_include_all_must_be_true() -> None:
    loc, msg = only_error(base(traces_config={"xray_services": {"include_all": False}}))
    assert loc == ("traces_config", "xray_services", "include_all")
    assert "use include_only = [] to collect no services" in msg


@pytest.mark.parametrize(
    "region",
    ["us-east-1", "eu-central-2", "ap-southeast-5", "il-central-1", "mx-central-1", "ca-west-1"],
)
def test_real_regions_are_accepted(region: str) -> None:
    DatadogAwsAccountSpec.model_validate(base(aws_regions={"include_only": [region]}))


@pytest.mark.parametrize("region", ["us-east", "US-EAST-1", "useast1", "us-east-1a"])
def test_region_shape(region: str) -> None:
    loc, msg = only_error(base(aws_regions={"include_only": ["eu-west-1", region]}))
    assert loc == ("aws_regions", "include_only", 1)
    assert msg == f"'{region}' is not an AWS region name like us-east-1"


def test_region_must_be_in_the_partition() -> None:
    loc, msg = only_error(base(aws_regions={"include_only": ["cn-north-1"]}))
    assert loc == ("aws_regions",)
    assert msg == (
        "region cn-north-1 is not in partition aws; set aws_partition, "
        "or use a region of aws (such as us-east-1)"
    )
    DatadogAwsAccountSpec.model_validate(
        base(aws_partition="aws-us-gov", aws_regions={"include_only": ["us-gov-west-1"]})
    )


def test_lambda_arn_shape() -> None:
    good = "arn:aws:lambda:us-east-1:123456789012:function:DatadogForwarder"
    versioned = good + ":7"
    lambdas = [good, versioned, "arn:aws:lambda:us-east-1:123456789012:DatadogForwarder"]
    data = base(logs_config={"lambda_forwarder": {"lambdas": lambdas}})
    loc, msg = only_error(data)
    assert loc == ("logs_config", "lambda_forwarder", "lambdas", 2)
    assert msg.startswith("'arn:aws:lambda:us-east-1:123456789012:DatadogForwarder' is not a")


def test_lambda_arn_with_a_trailing_newline_is_refused() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:DatadogForwarder\n"
    loc, msg = only_error(base(logs_config={"lambda_forwarder": {"lambdas": [arn]}}))
    assert loc == ("logs_config", "lambda_forwarder", "lambdas", 0)
    # Echoed with the newline written out, so it cannot forge another line of output.
    shown = arn.replace("\n", "\\n")
    assert msg.startswith(f"'{shown}' is not a Lambda function ARN")


def test_lambda_arn_partition_matches_the_account() -> None:
    arn = "arn:aws-cn:lambda:cn-north-1:123456789012:function:fwd"
    loc, msg = only_error(base(logs_config={"lambda_forwarder": {"lambdas": [arn]}}))
    assert loc == ("logs_config",)
    assert msg == f"{arn} is not in partition aws"


def test_namespace_filters_need_one_branch() -> None:
    metrics = {"namespace_filters": {"include_only": ["AWS/EC2"], "exclude_only": ["AWS/SQS"]}}
    assert only_error(base(metrics_config=metrics)) == (
        ("metrics_config", "namespace_filters"),
        "set exactly one of exclude_only or include_only (got both)",
    )


@pytest.mark.parametrize(
    "where, metrics",
    [
        (
            ("namespace_filters", "include_only", 0),
            {"namespace_filters": {"include_only": ["EC2"]}},
        ),
        (("tag_filters", 0, "namespace"), {"tag_filters": [{"namespace": "EC2", "tags": []}]}),
        (
            ("metric_name_filters", 0, "namespace"),
            {"metric_name_filters": [{"namespace": "EC2", "include_only": ["x"]}]},
        ),
    ],
)
def test_namespaces_come_from_the_catalogue(
    where: tuple[str | int, ...], metrics: dict[str, Any]
) -> None:
    loc, msg = only_error(base(metrics_config=metrics))
    assert loc == ("metrics_config", *where)
    assert msg == "'EC2' is not a namespace Datadog accepts; did you mean AWS/EC2?"


def test_unknown_key_is_refused() -> None:
    loc, _ = only_error(base(metrics_config={"enable": True}))
    assert loc == ("metrics_config", "enable")


def test_json_schema_has_descriptions() -> None:
    schema = DatadogAwsAccountSpec.model_json_schema()
    props = schema["properties"]
    assert props["aws_partition"]["enum"] == ["aws", "aws-cn", "aws-us-gov"]
    for name, prop in props.items():
        if name != "lifecycle":  # shared by every kind, defined in kinds.base
            assert prop.get("description"), name
    for name, definition in schema["$defs"].items():
        if name == "Lifecycle":
            continue
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"


def test_errors_reach_the_user_as_one_line_each(tmp_path: Path) -> None:
    config = tmp_path / "main.toml"
    config.write_text(
        "[datadog_aws_account.prod]\n"
        "aws_account_id = 123456789012\n"
        'auth_config = { role_name = "R" }\n'
        "[datadog_aws_account.prod.resources_config]\n"
        "cloud_security_posture_management_collection = true\n"
        "extended_collection = false\n"
    )
    with pytest.raises(ConfigErrors) as info:
        load_config(config, KINDS, env={})
    lines = str(info.value).splitlines()
    assert len(lines) == 2, lines
    assert any(
        "datadog_aws_account.prod: aws_account_id:" in line and "quoted string" in line
        for line in lines
    )
    assert any("requires extended_collection = true" in line for line in lines)
    assert all(line.startswith(f"{config}:") for line in lines)

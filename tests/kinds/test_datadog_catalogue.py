"""Names checked against Datadog's own catalogues, regions per partition, and what this version
does not know about a live object (unmanageable, never overwritten)."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from reconciler.clients.datadog_http import DatadogClient
from reconciler.config import load_config
from reconciler.engine import open_kinds
from reconciler.errors import ApiError, ReconcilerError
from reconciler.kinds.catalogue_check import catalogue_problems
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_catalogue import CONTEXT_KEY, SHIPPED, Catalogue
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.planner import build_plan
from reconciler.registry import KINDS
from reconciler.settings import DatadogSettings, Settings
from reconciler.state.base import State
from tests.cli_runner import invoke

KIND = DatadogAwsAccount(Settings())


def base(**extra: Any) -> dict[str, Any]:
    return {"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}, **extra}


def errors(data: dict[str, Any], context: dict[str, Any] | None = None) -> list[tuple[Any, str]]:
    with pytest.raises(ValidationError) as info:
        DatadogAwsAccountSpec.model_validate(data, context=context)
    return [(e["loc"], str(e["msg"])) for e in info.value.errors()]


@pytest.mark.parametrize(
    "name", ["Glue", "WAF", "AmazonMWAA", "/aws/sagemaker/Endpoints", "AWS/Network Manager"]
)
def test_real_namespaces_without_the_aws_prefix_are_accepted(name: str) -> None:
    metrics = {
        "namespace_filters": {"include_only": [name]},
        "tag_filters": [{"namespace": name, "tags": ["a:b"]}],
    }
    DatadogAwsAccountSpec.model_validate(base(metrics_config=metrics))


def test_a_name_the_real_api_refused_is_refused() -> None:
    # terraform-provider-datadog #3961: a 400 "invalid namespaces: [AWS/Bedrock/Guardrails]".
    metrics = {"namespace_filters": {"exclude_only": ["AWS/Bedrock/Guardrails"]}}
    ((loc, msg),) = errors(base(metrics_config=metrics))
    assert loc == ("metrics_config", "namespace_filters", "exclude_only", 0)
    assert msg.startswith("'AWS/Bedrock/Guardrails' is not a namespace Datadog accepts; ")


def test_no_far_fetched_suggestion_for_an_invented_namespace() -> None:
    metrics = {"namespace_filters": {"exclude_only": ["AWS/NotARealNamespace"]}}
    ((_, msg),) = errors(base(metrics_config=metrics))
    assert "did you mean" not in msg
    assert "docs/datadog_aws_account.md" in msg


def test_log_sources_come_from_the_catalogue() -> None:
    forwarder = {
        "sources": ["s3", "cloudtrail", "lambda-edge"],
        "log_source_config": {"tag_filters": [{"source": "S3", "tags": []}]},
    }
    ((loc, msg),) = errors(base(logs_config={"lambda_forwarder": forwarder}))
    assert loc == (
        "logs_config",
        "lambda_forwarder",
        "log_source_config",
        "tag_filters",
        0,
        "source",
    )
    assert msg == "'S3' is not a log source Datadog accepts; did you mean s3?"


def test_a_catalogue_passed_in_the_context_replaces_the_shipped_one() -> None:
    live = Catalogue(
        namespaces=SHIPPED.namespaces | {"AWS/Brand/New"},
        log_sources=SHIPPED.log_sources,
        source="live",
    )
    metrics = {"namespace_filters": {"include_only": ["AWS/Brand/New"]}}
    DatadogAwsAccountSpec.model_validate(base(metrics_config=metrics), context={CONTEXT_KEY: live})
    assert errors(base(metrics_config=metrics))  # not in the shipped catalogue


def test_catalogue_problems_names_every_field_the_live_catalogue_refuses() -> None:
    spec = DatadogAwsAccountSpec.model_validate(
        base(
            metrics_config={
                "namespace_filters": {"exclude_only": ["AWS/SQS", "AWS/Usage"]},
                "tag_filters": [{"namespace": "AWS/Usage", "tags": []}],
                "metric_name_filters": [{"namespace": "AWS/EC2", "include_only": ["x"]}],
            },
            logs_config={"lambda_forwarder": {"sources": ["s3", "ssm"]}},
        )
    )
    live = Catalogue(
        namespaces=SHIPPED.namespaces - {"AWS/Usage"},
        log_sources=SHIPPED.log_sources - {"ssm"},
        source="Datadog's live lists",
    )
    problems = catalogue_problems(spec, live)
    assert [path for path, _ in problems] == [
        "metrics_config.namespace_filters.exclude_only[1]",
        "metrics_config.tag_filters[0].namespace",
        "logs_config.lambda_forwarder.sources[1]",
    ]
    assert all("Datadog accepts" in message for _, message in problems)
    assert catalogue_problems(spec, SHIPPED) == []


def _kind_with(handler: Any) -> DatadogAwsAccount:
    client = DatadogClient(
        DatadogSettings(api_url="https://dd.test", max_retries=0, timeout_seconds=2),
        env={"DD_API_KEY": "k", "DD_APP_KEY": "a"},
        transport=httpx.MockTransport(handler),
    )
    return DatadogAwsAccount(Settings(), client=client)


def _answer(kind: str, key: str, names: Any) -> httpx.Response:
    body = {"data": {"id": kind, "type": kind, "attributes": {key: names}}}
    return httpx.Response(200, json=body)


def test_the_live_catalogue_is_read_from_the_api() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/available_namespaces"):
            return _answer("namespaces", "namespaces", ["AWS/EC2", "Glue"])
        return _answer("logs_services", "logs_services", ["s3"])

    kind = _kind_with(handler)

    async def run() -> Catalogue:
        try:
            return await kind.catalogue()
        finally:
            await kind.aclose()

    live = asyncio.run(run())
    assert live.namespaces == {"AWS/EC2", "Glue"}
    assert live.log_sources == {"s3"}


@pytest.mark.parametrize("names", [None, [], "AWS/EC2", [1]])
def test_a_live_catalogue_that_cannot_be_read_is_an_error_not_empty(names: Any) -> None:
    kind = _kind_with(lambda request: _answer("namespaces", "namespaces", names))

    async def run() -> Catalogue:
        try:
            return await kind.catalogue()
        finally:
            await kind.aclose()

    with pytest.raises(ApiError, match="available_namespaces: unexpected answer"):
        asyncio.run(run())


@pytest.mark.parametrize("region", ["us-east-1", "ap-southeast-7", "mx-central-1"])
def test_known_regions_are_accepted(region: str) -> None:
    DatadogAwsAccountSpec.model_validate(base(aws_regions={"include_only": [region]}))


def test_a_region_typo_is_refused_with_a_suggestion() -> None:
    ((loc, msg),) = errors(base(aws_regions={"include_only": ["us-east-1", "eu-wst-1"]}))
    assert loc == ("aws_regions", "include_only", 1)
    assert msg == "'eu-wst-1' is not an AWS region; did you mean eu-west-1?"


def test_a_duplicated_region_is_refused() -> None:
    ((loc, msg),) = errors(base(aws_regions={"include_only": ["us-east-1", "us-east-1"]}))
    assert loc == ("aws_regions", "include_only")
    assert msg == "us-east-1 is listed twice; list each region once"


def test_a_ten_digit_forwarder_account_is_accepted_a_nine_digit_one_is_not() -> None:
    arn = "arn:aws:lambda:us-east-1:{}:function:datadog-forwarder-Forwarder"
    ok = {"lambda_forwarder": {"lambdas": [arn.format("1234567890")]}}
    DatadogAwsAccountSpec.model_validate(base(logs_config=ok))
    bad = {"lambda_forwarder": {"lambdas": [arn.format("123456789")]}}
    assert errors(base(logs_config=bad))


def test_validate_refuses_each_with_file_line_and_a_hint(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text(
        "[datadog_aws_account.prod]\n"  # 1
        'aws_account_id = "123456789012"\n'  # 2
        'auth_config = { role_name = "R" }\n'  # 3
        'aws_regions = { include_only = ["us-east-1", "eu-wst-1"] }\n'  # 4
        "[datadog_aws_account.prod.metrics_config]\n"  # 5
        'namespace_filters = { exclude_only = ["AWS/NotARealNamespace"] }\n'  # 6
        "[datadog_aws_account.prod.logs_config.lambda_forwarder]\n"  # 7
        'sources = ["s3", "cloudtrial"]\n'  # 8
        "[datadog_aws_account.dup]\n"  # 9
        'aws_account_id = "123456789013"\n'  # 10
        'auth_config = { role_name = "R" }\n'  # 11
        'aws_regions = { include_only = ["us-east-1", "us-east-1"] }\n'  # 12
    )
    result = invoke(["validate", "."], cwd=tmp_path)
    assert result.code == 1
    lines = result.err.splitlines()
    assert "Traceback" not in result.err

    def line_of(fragment: str) -> str:
        (found,) = [line for line in lines if fragment in line]
        return found

    assert line_of("eu-wst-1").startswith("Error: main.toml:4: datadog_aws_account.prod: ")
    assert line_of("eu-wst-1").endswith("did you mean eu-west-1?")
    assert line_of("NotARealNamespace").startswith("Error: main.toml:6: ")
    assert "docs/datadog_aws_account.md" in line_of("NotARealNamespace")
    assert line_of("cloudtrial").startswith("Error: main.toml:8: ")
    assert line_of("cloudtrial").endswith("did you mean cloudtrail?")
    assert line_of("listed twice").startswith("Error: main.toml:12: datadog_aws_account.dup: ")


UNKNOWN_MEMBER: dict[str, Any] = {
    "id": "c2a1a7b6-5d4e-4c1e-9f3e-5f2b3b7c8d90",
    "type": "account",
    "attributes": {
        "aws_account_id": "123456789012",
        "aws_partition": "aws",
        "auth_config": {"role_name": "R", "external_id": "0" * 32},
        "aws_regions": {"exclude_only": ["ap-east-1"]},
    },
}


def test_an_unknown_one_of_member_makes_the_object_unmanageable() -> None:
    observed = KIND.normalise(UNKNOWN_MEMBER, "")
    assert observed.unmanageable == (
        "it uses aws_regions.exclude_only, which this version of reconciler does not manage"
    )
    with pytest.raises(ReconcilerError, match=r"aws_regions\.exclude_only"):
        KIND.spec_table(observed)


def test_a_new_setting_beside_a_known_auth_member_is_not_unmanageable() -> None:
    raw = copy.deepcopy(UNKNOWN_MEMBER)
    raw["attributes"]["aws_regions"] = {"include_all": True}
    raw["attributes"]["auth_config"]["role_arn"] = "arn:aws:iam::123456789012:role/R"
    assert KIND.normalise(raw, "").unmanageable is None
    raw["attributes"]["auth_config"] = {"oidc_provider": "x"}  # no known auth member at all
    assert KIND.normalise(raw, "").unmanageable == (
        "it uses auth_config.oidc_provider, which this version of reconciler does not manage"
    )


def test_an_unknown_member_inside_a_list_is_named_with_its_index() -> None:
    raw = copy.deepcopy(UNKNOWN_MEMBER)
    raw["attributes"]["aws_regions"] = {"include_all": True}
    raw["attributes"]["metrics_config"] = {
        "metric_name_filters": [
            {"namespace": "AWS/EC2", "include_only": ["CPU*"]},
            {"namespace": "AWS/S3", "regex_only": "^Bucket"},
        ]
    }
    assert KIND.normalise(raw, "").unmanageable == (
        "it uses metrics_config.metric_name_filters[1].regex_only, which this version of "
        "reconciler does not manage"
    )


def test_plan_refuses_an_address_whose_live_object_is_unmanageable(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text(
        '[datadog_aws_account.prod]\naws_account_id = "123456789012"\n'
        'auth_config = { role_name = "R" }\n'
    )
    config = load_config(tmp_path / "main.toml", KINDS, env={})
    kinds = open_kinds(config.settings)
    observed: dict[str, Any] = {name: [] for name in kinds}
    observed["datadog_aws_account"] = [KIND.normalise(UNKNOWN_MEMBER, "")]
    state = State(lineage="t", serial=1, digest_key="00" * 32)
    with pytest.raises(ReconcilerError) as info:
        build_plan(config, observed, state, kinds)
    assert "the live object cannot be planned: it uses aws_regions.exclude_only" in str(info.value)
    assert "--exclude" in str(info.value)

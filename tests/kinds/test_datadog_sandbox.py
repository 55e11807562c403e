"""The kind against the local sandbox server (a real HTTP server on 127.0.0.1 that shuffles
lists like Datadog): plan, create, read back, plan is empty, update, plan is empty, delete."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from reconciler import diff
from reconciler.clients.datadog_http import DatadogClient
from reconciler.errors import ApiError
from reconciler.kinds.base import Observed
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.settings import DatadogSettings, Settings

SECRET = "sandbox-secret-for-the-kind-test"
RICH: dict[str, Any] = {
    "aws_account_id": "123456789012",
    "account_tags": ["env:prod", "team:platform", "cost:shared"],
    "auth_config": {"role_name": "DatadogIntegrationRole"},
    "aws_regions": {"include_only": ["us-east-1", "eu-west-1", "ap-southeast-2"]},
    "logs_config": {
        "lambda_forwarder": {
            "lambdas": ["arn:aws:lambda:us-east-1:123456789012:function:DatadogForwarder"],
            "sources": ["s3", "elbv2", "cloudfront"],
            "log_source_config": {"tag_filters": [{"source": "s3", "tags": ["env:prod"]}]},
        }
    },
    "metrics_config": {
        "namespace_filters": {"include_only": ["AWS/EC2", "AWS/RDS", "AWS/Lambda"]},
        "tag_filters": [{"namespace": "AWS/EC2", "tags": ["datadog:true", "env:prod"]}],
    },
    "traces_config": {"xray_services": {"include_only": ["AWS/AppSync", "AWS/Lambda"]}},
}


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    sb = Sandbox(SandboxOptions(data_dir=tmp_path / "data", shuffle_lists=True)).start()
    yield sb
    sb.stop()


def kind_for(sb: Sandbox, *, retries: int = 2) -> DatadogAwsAccount:
    settings = Settings(
        datadog=DatadogSettings(api_url=sb.url, timeout_seconds=5, max_retries=retries)
    )
    client = DatadogClient(
        settings.datadog,
        env={"DD_API_KEY": "sandbox-api-key", "DD_APP_KEY": "sandbox-app-key"},
        backoff_seconds=0.01,
    )
    return DatadogAwsAccount(settings, client=client)


def spec(data: dict[str, Any]) -> DatadogAwsAccountSpec:
    return DatadogAwsAccountSpec.model_validate(data, context={"env": {"DD_SECRET": SECRET}})


def settled(kind: DatadogAwsAccount, observed: Observed, s: DatadogAwsAccountSpec) -> bool:
    desired = diff.readable(kind.desired_values(s), kind.rules)
    return diff.compare(observed.values, desired, kind.rules) == []


def test_lifecycle_settles_every_step(sandbox: Sandbox) -> None:
    kind = kind_for(sandbox)
    first = spec(RICH)
    second = spec({**RICH, "account_tags": ["env:prod"], "aws_regions": {"include_all": True}})

    async def lifecycle() -> None:
        try:
            assert await kind.list("") == []
            created = await kind.create(first, lambda _: None)
            (listed,) = await kind.list("")
            assert listed.remote_id == created.remote_id
            assert settled(kind, listed, first)
            updated = await kind.update(second, listed, lambda _: None)
            assert updated.values["auth_config"].get("external_id") == listed.values[
                "auth_config"
            ].get("external_id")
            got = await kind.get(second.aws_account_id, updated.remote_id)
            assert got is not None and settled(kind, got, second)
            await kind.delete(second.aws_account_id, updated.remote_id, {}, lambda _: None)
            await kind.delete(second.aws_account_id, updated.remote_id, {}, lambda _: None)
            assert await kind.get(second.aws_account_id, updated.remote_id) is None
            assert await kind.list("") == []
        finally:
            await kind.aclose()

    asyncio.run(lifecycle())


def test_key_account_and_adoption(sandbox: Sandbox) -> None:
    kind = kind_for(sandbox)
    auth = {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "${env:DD_SECRET}"}
    keys = spec({"aws_account_id": "210987654321", "auth_config": auth})
    tagged = spec({"aws_account_id": "210987654321", "auth_config": auth, "account_tags": ["x:y"]})
    progress: list[str] = []

    async def run() -> tuple[Observed, Observed]:
        try:
            created = await kind.create(keys, progress.append)
            # A second create of the same account adopts it instead of failing.
            adopted = await kind.create(tagged, progress.append)
            return created, adopted
        finally:
            await kind.aclose()

    created, adopted = asyncio.run(run())
    assert adopted.remote_id == created.remote_id
    assert adopted.values["account_tags"] == ["x:y"]
    assert "secret_access_key" not in adopted.values["auth_config"]
    assert any("adopting" in line for line in progress)
    assert all(SECRET not in line for line in progress)


def test_switching_auth_by_patch_is_refused_with_datadogs_reason(sandbox: Sandbox) -> None:
    kind = kind_for(sandbox)
    role = spec({"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}})
    keys = spec(
        {
            "aws_account_id": "123456789012",
            "auth_config": {
                "access_key_id": "AKIAEXAMPLE",
                "secret_access_key": "${env:DD_SECRET}",
            },
        }
    )

    async def run() -> None:
        try:
            created = await kind.create(role, lambda _: None)
            await kind.update(keys, created, lambda _: None)
        finally:
            await kind.aclose()

    with pytest.raises(ApiError) as info:
        asyncio.run(run())
    assert info.value.status == 400
    assert "PATCH /api/v2/integration/aws/accounts/" in str(info.value)
    assert SECRET not in str(info.value)


def test_retries_through_throttling_and_server_errors(tmp_path: Path) -> None:
    options = SandboxOptions(
        data_dir=tmp_path / "data", throttle_rate=0.2, error_rate=0.2, rate_period=1, seed=7
    )
    sb = Sandbox(options).start()
    try:
        kind = kind_for(sb, retries=5)
        s = spec(RICH)
        retried: list[str] = []

        async def run() -> list[Observed]:
            try:
                for _ in range(3):  # enough writes that the seeded faults hit some of them
                    created = await kind.create(s, retried.append)
                    await kind.update(s, created, retried.append)
                return await kind.list("")
            finally:
                await kind.aclose()

        (listed,) = asyncio.run(run())
        assert settled(kind, listed, s)
        assert any("HTTP 429" in line for line in retried), retried
        assert any("HTTP 5" in line for line in retried), retried
    finally:
        sb.stop()

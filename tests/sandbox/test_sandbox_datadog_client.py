"""The official datadog-api-client, unchanged, through a full lifecycle against the sandbox."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.aws_integration_api import AWSIntegrationApi
from datadog_api_client.v2.api.aws_logs_integration_api import AWSLogsIntegrationApi
from datadog_api_client.v2.model.aws_auth_config_keys import AWSAuthConfigKeys
from datadog_api_client.v2.model.aws_metrics_config import AWSMetricsConfig
from datadog_api_client.v2.model.aws_namespace_filters_include_only import (
    AWSNamespaceFiltersIncludeOnly,
)
from datadog_api_client.v2.model.aws_regions_include_only import AWSRegionsIncludeOnly

from reconciler.sandbox import Sandbox
from tests.clouds import create_request, update_request
from tests.loopback import HTTP
from tests.sandbox.conftest import SandboxFactory

KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}


def client(url: str, *, keys: bool = True, retry: bool = False) -> ApiClient:
    cfg = Configuration(host=url)  # type: ignore[no-untyped-call]
    if keys:
        cfg.api_key["apiKeyAuth"] = "sandbox-api-key"
        cfg.api_key["appKeyAuth"] = "sandbox-app-key"
    cfg.enable_retry = retry
    return ApiClient(cfg)


def aws_api(c: ApiClient) -> AWSIntegrationApi:
    return AWSIntegrationApi(c)  # type: ignore[no-untyped-call]


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[AWSIntegrationApi]:
    with client(sandbox.url) as c:
        yield aws_api(c)


def test_create_fills_server_defaults_and_generates_external_id(api: AWSIntegrationApi) -> None:
    created = api.create_aws_account(create_request("123456789012")).data
    attrs = created.attributes
    assert attrs.aws_regions.include_all is True
    # As recorded (2026-02-02, 2026-05-21): the create answer echoes [] as null, reads say [].
    assert attrs.account_tags is None
    assert api.get_aws_account(created.id).data.attributes.account_tags == []
    assert attrs.metrics_config.enabled is True
    assert attrs.metrics_config.automute_enabled is True
    assert attrs.metrics_config.collect_custom_metrics is False
    # The recorded default (2024-10, 2025-08), not the documented three names.
    assert sorted(attrs.metrics_config.namespace_filters.exclude_only) == [
        "AWS/ElasticMapReduce",
        "AWS/SQS",
    ]
    assert attrs.resources_config.extended_collection is True
    assert attrs.traces_config.xray_services.include_only == []
    assert attrs.logs_config.lambda_forwarder.lambdas == []
    external_id = attrs.auth_config.external_id
    assert len(external_id) == 32 and int(external_id, 16) >= 0


def test_lifecycle_list_filter_get_patch_delete(api: AWSIntegrationApi) -> None:
    first = api.create_aws_account(create_request("123456789012")).data
    second = api.create_aws_account(
        create_request(
            "210987654321",
            auth_config=AWSAuthConfigKeys(access_key_id="AKIAEXAMPLE", secret_access_key="s3cr3t"),
        )
    ).data

    assert {a.id for a in api.list_aws_accounts().data} == {first.id, second.id}
    only = api.list_aws_accounts(aws_account_id="210987654321").data
    assert [a.id for a in only] == [second.id]
    assert api.list_aws_accounts(aws_account_id="999999999999").data == []

    got = api.get_aws_account(second.id).data
    assert got.attributes.auth_config.access_key_id == "AKIAEXAMPLE"
    assert "secret_access_key" not in got.attributes.auth_config.to_dict()

    patched = api.update_aws_account(
        first.id,
        update_request(
            "123456789012",
            aws_regions=AWSRegionsIncludeOnly(include_only=["us-east-1", "eu-west-1"]),
            metrics_config=AWSMetricsConfig(
                collect_custom_metrics=True,
                namespace_filters=AWSNamespaceFiltersIncludeOnly(include_only=["AWS/EC2"]),
            ),
        ),
    ).data
    assert sorted(patched.attributes.aws_regions.include_only) == ["eu-west-1", "us-east-1"]
    metrics = patched.attributes.metrics_config
    assert metrics.collect_custom_metrics is True
    assert metrics.automute_enabled is True  # omitted keys survive the merge
    assert metrics.namespace_filters.include_only == ["AWS/EC2"]
    assert "exclude_only" not in metrics.namespace_filters.to_dict()  # the oneOf was replaced
    # the generated external_id survives a PATCH that does not send auth_config
    assert (
        api.get_aws_account(first.id).data.attributes.auth_config.external_id
        == first.attributes.auth_config.external_id
    )

    api.delete_aws_account(first.id)
    with pytest.raises(NotFoundException):
        api.get_aws_account(first.id)
    assert [a.id for a in api.list_aws_accounts().data] == [second.id]


def test_conflict_not_found_and_bad_requests(api: AWSIntegrationApi) -> None:
    created = api.create_aws_account(create_request("123456789012")).data
    with pytest.raises(ApiException) as conflict:
        api.create_aws_account(create_request("123456789012"))
    assert conflict.value.status == 409
    assert conflict.value.body["errors"][0]["title"] == "Account already exists"

    missing = "0b6ac2a4-5a3e-4c2c-9d71-2a0c2a1f0e11"
    with pytest.raises(NotFoundException) as nf:
        api.get_aws_account(missing)
    assert nf.value.body["errors"][0]["detail"] == "AWS account with provided id is not integrated"
    with pytest.raises(NotFoundException):
        api.delete_aws_account(missing)

    with pytest.raises(ApiException) as not_uuid:
        api.get_aws_account("not-a-uuid")
    assert not_uuid.value.status == 400
    assert not_uuid.value.body["errors"][0]["title"] == "Invalid Parameter"

    with pytest.raises(ApiException) as namespace:
        api.create_aws_account(
            create_request(
                "111111111111",
                metrics_config=AWSMetricsConfig(
                    namespace_filters=AWSNamespaceFiltersIncludeOnly(
                        include_only=["AWS/EC2", "AWS/Bedrock/Guardrails"]
                    )
                ),
            )
        )
    assert namespace.value.status == 400
    assert namespace.value.body["errors"][0]["meta"] == {
        "metrics_config.namespace_filters.include_only": (
            "invalid namespaces: [AWS/Bedrock/Guardrails]"
        )
    }

    with pytest.raises(ApiException) as switch:
        api.update_aws_account(
            created.id,
            update_request("123456789012", auth_config=AWSAuthConfigKeys(access_key_id="AKIAX")),
        )
    assert switch.value.status == 400
    assert switch.value.body == {
        "errors": [
            {"title": "Generic Error", "detail": "cannot switch between role and key based auth"}
        ]
    }


def test_quoted_config_id_is_accepted(sandbox: Sandbox, api: AWSIntegrationApi) -> None:
    created = api.create_aws_account(create_request("123456789012")).data
    url = f"{sandbox.url}/api/v2/integration/aws/accounts/%22{created.id}%22"
    assert HTTP.get(url, headers=KEYS).json()["data"]["id"] == created.id
    assert HTTP.delete(url, headers=KEYS).status_code == 204
    assert sandbox.datadog_accounts() == []


def test_bad_partition_is_400_with_meta(sandbox: Sandbox) -> None:
    # The client refuses an unknown enum value itself, so this one goes over plain HTTP.
    body = {
        "data": {
            "type": "account",
            "attributes": {
                "aws_account_id": "123456789012",
                "aws_partition": "aws-invalid",
                "auth_config": {"role_name": "R"},
            },
        }
    }
    r = HTTP.post(f"{sandbox.url}/api/v2/integration/aws/accounts", headers=KEYS, json=body)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/vnd.api+json"
    assert r.json()["errors"][0]["meta"] == {"aws_partition": "invalid partition: aws-invalid"}


@pytest.mark.parametrize("account_id", ["12345678901", "123456789012\n", "12345678901a"])
def test_account_id_not_exactly_12_digits_is_400(sandbox: Sandbox, account_id: str) -> None:
    body = {
        "data": {
            "type": "account",
            "attributes": {"aws_account_id": account_id, "auth_config": {"role_name": "R"}},
        }
    }
    r = HTTP.post(f"{sandbox.url}/api/v2/integration/aws/accounts", headers=KEYS, json=body)
    assert r.status_code == 400
    assert sandbox.datadog_accounts() == []


def test_missing_keys_is_403(sandbox: Sandbox) -> None:
    with client(sandbox.url, keys=False) as c, pytest.raises(ForbiddenException) as exc:
        aws_api(c).list_aws_accounts()
    assert exc.value.status == 403
    assert exc.value.body["errors"][0]["status"] == "403"
    only_api_key = {"DD-API-KEY": "k"}
    r = HTTP.get(f"{sandbox.url}/api/v2/integration/aws/accounts", headers=only_api_key)
    assert r.status_code == 403


def test_secret_is_never_returned_or_stored(sandbox: Sandbox, api: AWSIntegrationApi) -> None:
    secret = "wJalrXUtnFEMI-sandbox-secret-value"
    api.create_aws_account(
        create_request(
            "123456789012",
            auth_config=AWSAuthConfigKeys(access_key_id="AKIAEXAMPLE", secret_access_key=secret),
        )
    )
    listed = HTTP.get(f"{sandbox.url}/api/v2/integration/aws/accounts", headers=KEYS)
    assert secret not in listed.text
    assert secret not in sandbox.store.path.read_text()


def test_lists_come_back_reordered_unless_disabled(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
    tags = ["env:prod", "team:core", "cost:center"]
    for shuffle in (True, False):
        sb = make_sandbox(shuffle_lists=shuffle, data_dir=tmp_path / str(shuffle))
        with client(sb.url) as c:
            attrs = (
                aws_api(c)
                .create_aws_account(
                    create_request(
                        "123456789012",
                        account_tags=tags,
                        aws_regions=AWSRegionsIncludeOnly(include_only=regions),
                    )
                )
                .data.attributes
            )
        got_regions, got_tags = attrs.aws_regions.include_only, attrs.account_tags
        assert sorted(got_regions) == sorted(regions) and sorted(got_tags) == sorted(tags)
        if shuffle:
            assert got_regions != regions and got_tags != tags
        else:
            assert got_regions == regions and got_tags == tags


def test_catalog_endpoints(api: AWSIntegrationApi, sandbox: Sandbox) -> None:
    assert "AWS/EC2" in api.list_aws_namespaces().data.attributes.namespaces
    assert len(api.create_new_aws_external_id().data.attributes.external_id) == 32
    assert api.get_aws_integration_iam_permissions().data.attributes.permissions
    with client(sandbox.url) as c:
        logs_api = AWSLogsIntegrationApi(c)  # type: ignore[no-untyped-call]
        services = logs_api.list_aws_logs_services().data.attributes
    assert "s3" in services.logs_services


def statuses(caplog: pytest.LogCaptureFixture) -> list[int]:
    """The status of every request, from the sandbox's one-line-per-request log."""
    found = (re.search(r'" (\d{3}) ', r.getMessage()) for r in caplog.records)
    return [int(m.group(1)) for m in found if m]


def test_rate_limit_429_then_retry(
    make_sandbox: SandboxFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reconciler.sandbox")
    sb = make_sandbox(rate_limit=2, rate_period=1)
    with client(sb.url, retry=True) as c:
        api = aws_api(c)
        # Calls until one is refused (the third in a 1 s period, or a later one if the calls
        # straddle a period): the client then waits X-RateLimit-Reset and tries again. Every
        # call succeeds in the end.
        for _ in range(10):
            api.list_aws_accounts()
            if 429 in statuses(caplog):
                break
    seen = statuses(caplog)
    assert 429 in seen, seen
    assert seen[-1] == 200 and seen[seen.index(429) + 1] == 200, seen

    headers: Any = None
    with client(sb.url) as c:
        api = aws_api(c)
        for _ in range(10):
            try:
                api.list_aws_accounts()
            except ApiException as exc:
                assert exc.status == 429
                headers = exc.headers
                break
    assert headers is not None, "no call was refused"
    assert headers["X-RateLimit-Limit"] == "2"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Period"] == "1"
    assert headers["X-RateLimit-Reset"] == "1"
    assert headers["X-RateLimit-Name"]


def test_concurrent_creates_one_wins_per_account(sandbox: Sandbox) -> None:
    def create(account_id: str) -> int:
        body = {
            "data": {
                "type": "account",
                "attributes": {
                    "aws_account_id": account_id,
                    "aws_partition": "aws",
                    "auth_config": {"role_name": "R"},
                },
            }
        }
        return http.post("/api/v2/integration/aws/accounts", json=body).status_code

    ids = ["111111111111"] * 8 + [f"2000000000{i:02d}" for i in range(8)]
    with (
        httpx.Client(base_url=sandbox.url, headers=KEYS) as http,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        statuses = list(pool.map(create, ids))
    assert statuses[:8].count(200) == 1 and statuses[:8].count(409) == 7
    assert statuses[8:] == [200] * 8
    assert len(sandbox.datadog_accounts()) == 9

"""Several Datadog organisations in one sandbox, one per key pair: none sees another's accounts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ForbiddenException, NotFoundException
from datadog_api_client.v2.api.aws_integration_api import AWSIntegrationApi
from datadog_api_client.v2.model.aws_account_create_request import AWSAccountCreateRequest
from datadog_api_client.v2.model.aws_account_create_request_attributes import (
    AWSAccountCreateRequestAttributes,
)
from datadog_api_client.v2.model.aws_account_create_request_data import (
    AWSAccountCreateRequestData,
)
from datadog_api_client.v2.model.aws_account_partition import AWSAccountPartition
from datadog_api_client.v2.model.aws_account_type import AWSAccountType
from datadog_api_client.v2.model.aws_account_update_request import AWSAccountUpdateRequest
from datadog_api_client.v2.model.aws_account_update_request_attributes import (
    AWSAccountUpdateRequestAttributes,
)
from datadog_api_client.v2.model.aws_account_update_request_data import (
    AWSAccountUpdateRequestData,
)
from datadog_api_client.v2.model.aws_auth_config_role import AWSAuthConfigRole

from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.sandbox.orgs import DEFAULT_ORG, org_of, sandbox_keys
from tests.sandbox.conftest import SandboxFactory

ACCOUNTS = "/api/v2/integration/aws/accounts"
ACCOUNT = "111122223333"


def api_for(url: str, org: str) -> AWSIntegrationApi:
    cfg = Configuration(host=url)  # type: ignore[no-untyped-call]
    cfg.api_key["apiKeyAuth"], cfg.api_key["appKeyAuth"] = sandbox_keys(org)
    cfg.enable_retry = False
    return AWSIntegrationApi(ApiClient(cfg))  # type: ignore[no-untyped-call]


def create(api: AWSIntegrationApi, account: str, tag: str) -> str:
    body = AWSAccountCreateRequest(
        data=AWSAccountCreateRequestData(
            type=AWSAccountType.ACCOUNT,
            attributes=AWSAccountCreateRequestAttributes(
                aws_account_id=account,
                aws_partition=AWSAccountPartition.AWS,
                auth_config=AWSAuthConfigRole(role_name="DatadogIntegrationRole"),
                account_tags=[tag],
            ),
        )
    )
    return str(api.create_aws_account(body).data.id)


def update(api: AWSIntegrationApi, config_id: str, account: str, tag: str) -> None:
    body = AWSAccountUpdateRequest(
        data=AWSAccountUpdateRequestData(
            type=AWSAccountType.ACCOUNT,
            attributes=AWSAccountUpdateRequestAttributes(
                aws_account_id=account, account_tags=[tag]
            ),
        )
    )
    api.update_aws_account(config_id, body)


def tags(api: AWSIntegrationApi) -> list[tuple[str, list[str]]]:
    return [
        (a.attributes.aws_account_id, list(a.attributes.account_tags))
        for a in api.list_aws_accounts().data
    ]


def test_the_default_org_has_the_default_keys_and_named_ones_their_own() -> None:
    assert sandbox_keys(DEFAULT_ORG) == ("sandbox-api-key", "sandbox-app-key")
    assert sandbox_keys("eu") == ("sandbox-api-key@eu", "sandbox-app-key@eu")
    assert sandbox_keys("eu") == sandbox_keys("eu")
    for name in ("eu", "prod/eu", "a@b", "Zürich org", "%41", DEFAULT_ORG):
        assert org_of(*sandbox_keys(name)) == name
    assert sandbox_keys("prod/eu") != sandbox_keys("prod-eu")
    assert org_of("any-key", "any-app-key") == DEFAULT_ORG
    assert org_of(sandbox_keys("eu")[0], sandbox_keys("us")[1]) is None
    assert org_of(sandbox_keys("eu")[0], "sandbox-app-key") is None
    with pytest.raises(ValueError, match="must not be empty"):
        sandbox_keys("")


def test_the_keys_module_imports_nothing_heavy() -> None:
    code = "import sys, reconciler.sandbox.orgs; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "reconciler.sandbox.orgs" in loaded
    heavy = {"http.server", "reconciler.sandbox.server", "reconciler.sandbox.store", "httpx"}
    assert loaded.isdisjoint(heavy), sorted(loaded & heavy)


def test_two_key_pairs_see_two_separate_orgs(sandbox: Sandbox) -> None:
    default, eu = api_for(sandbox.url, DEFAULT_ORG), api_for(sandbox.url, "eu")
    # The same AWS account, integrated once in each organisation.
    home_id = create(default, ACCOUNT, "org:default")
    eu_id = create(eu, ACCOUNT, "org:eu")
    assert home_id != eu_id
    assert tags(default) == [(ACCOUNT, ["org:default"])]
    assert tags(eu) == [(ACCOUNT, ["org:eu"])]
    assert len(eu.list_aws_accounts(aws_account_id=ACCOUNT).data) == 1
    # A second one in the same organisation is still a conflict.
    with pytest.raises(Exception, match="409"):
        create(eu, ACCOUNT, "again")
    # Another organisation's id does not exist: get, update and delete are 404s.
    for call in (
        lambda: eu.get_aws_account(home_id),
        lambda: update(eu, home_id, ACCOUNT, "stolen"),
        lambda: eu.delete_aws_account(home_id),
    ):
        with pytest.raises(NotFoundException):
            call()
    update(eu, eu_id, ACCOUNT, "org:eu-2")
    assert tags(default) == [(ACCOUNT, ["org:default"])]
    eu.delete_aws_account(eu_id)
    assert tags(eu) == []
    assert tags(default) == [(ACCOUNT, ["org:default"])]
    # Made-up keys act on the default organisation, as they always did.
    made_up = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
    listed = httpx.get(f"{sandbox.url}{ACCOUNTS}", headers=made_up).json()["data"]
    assert [a["id"] for a in listed] == [home_id]


def test_keys_of_two_orgs_together_are_refused(sandbox: Sandbox) -> None:
    mixed = {"DD-API-KEY": sandbox_keys("eu")[0], "DD-APPLICATION-KEY": sandbox_keys("us")[1]}
    r = httpx.get(f"{sandbox.url}{ACCOUNTS}", headers=mixed)
    assert r.status_code == 403
    assert "different organisations" in r.json()["errors"][0]["detail"]
    cfg = Configuration(host=sandbox.url)  # type: ignore[no-untyped-call]
    cfg.api_key["apiKeyAuth"] = sandbox_keys("eu")[0]
    cfg.api_key["appKeyAuth"] = "sandbox-app-key"
    with ApiClient(cfg) as c, pytest.raises(ForbiddenException):
        AWSIntegrationApi(c).list_aws_accounts()  # type: ignore[no-untyped-call]


def test_inspection_and_controls_take_an_org(sandbox: Sandbox) -> None:
    eu = api_for(sandbox.url, "eu")
    create(eu, ACCOUNT, "org:eu")
    assert sandbox.datadog_accounts() == []
    [record] = sandbox.datadog_accounts("eu")
    assert record["org"] == "eu"
    assert record["attributes"]["aws_account_id"] == ACCOUNT
    over_http = httpx.get(f"{sandbox.url}/_sandbox/datadog/accounts", params={"org": "eu"})
    assert over_http.json()["data"] == [record]
    assert httpx.get(f"{sandbox.url}/_sandbox/datadog/accounts").json()["data"] == []
    # Refused writes are per organisation.
    answer = httpx.post(
        f"{sandbox.url}/_sandbox/datadog/refuse_writes",
        json={"aws_account_ids": ["444455556666"], "org": "eu"},
    )
    assert answer.json() == {"org": "eu", "refused_accounts": ["444455556666"]}
    with pytest.raises(Exception, match="400"):
        create(eu, "444455556666", "refused")
    create(api_for(sandbox.url, DEFAULT_ORG), "444455556666", "allowed")
    sandbox.refuse_writes([ACCOUNT])
    with pytest.raises(Exception, match="400"):
        create(api_for(sandbox.url, DEFAULT_ORG), ACCOUNT, "refused")
    bad = httpx.post(
        f"{sandbox.url}/_sandbox/datadog/refuse_writes", json={"aws_account_ids": [], "org": 3}
    )
    assert bad.status_code == 400


def test_rate_limits_are_counted_per_org(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(rate_limit=2, rate_period=3600)
    eu = {"DD-API-KEY": sandbox_keys("eu")[0], "DD-APPLICATION-KEY": sandbox_keys("eu")[1]}
    home = {"DD-API-KEY": "sandbox-api-key", "DD-APPLICATION-KEY": "sandbox-app-key"}
    codes = [httpx.get(f"{sandbox.url}{ACCOUNTS}", headers=eu).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    answer = httpx.get(f"{sandbox.url}{ACCOUNTS}", headers=home)
    assert answer.status_code == 200
    assert answer.headers["X-RateLimit-Remaining"] == "1"


def test_data_stored_before_orgs_belongs_to_the_default_org(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    old = {
        "id": "0b7a3d4e-6c1f-4f53-9d1e-2f0f6c0b1a11",
        "attributes": {"aws_account_id": ACCOUNT, "aws_partition": "aws", "account_tags": []},
        "created_ns": 1_700_000_000_000_000_000,
        "modified_ns": 1_700_000_000_000_000_000,
    }
    doc = {
        "version": 1,
        "datadog": {"accounts": {old["id"]: old}, "controls": {}},
        "logs": {"integrations": {}},
    }
    (data / "sandbox.json").write_text(json.dumps(doc))
    with Sandbox(SandboxOptions(data_dir=data)) as sandbox:
        assert [a.id for a in api_for(sandbox.url, DEFAULT_ORG).list_aws_accounts().data] == [
            old["id"]
        ]
        assert api_for(sandbox.url, "eu").list_aws_accounts().data == []
        # The index knows the old record: a second create of it in the default org is a 409.
        with pytest.raises(Exception, match="409"):
            create(api_for(sandbox.url, DEFAULT_ORG), ACCOUNT, "again")
        create(api_for(sandbox.url, "eu"), ACCOUNT, "org:eu")
    with Sandbox(SandboxOptions(data_dir=data)) as again:
        assert [r["id"] for r in again.datadog_accounts()] == [old["id"]]
        assert [r["org"] for r in again.datadog_accounts("eu")] == ["eu"]

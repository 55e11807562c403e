"""A field a live account lacks never becomes a change the TOML did not ask for, and a new
account still gets Datadog's documented default."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from reconciler import diff
from reconciler.clients.datadog_http import DatadogClient
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.settings import DatadogSettings, Settings

KIND = DatadogAwsAccount(Settings())
OLD_ACCOUNT: dict[str, Any] = {
    "id": "89a9dae5-cbe3-4fba-b1b2-aae8775ed319",
    "type": "account",
    "attributes": {
        "aws_account_id": "001725901256",
        "aws_partition": "aws",
        "account_tags": [],
        "auth_config": {"role_name": "R", "external_id": "e" * 32},
        "aws_regions": {"include_all": True},
        # As recorded 2024-10-28 for an account made in 2024-09: no extended_collection.
        "resources_config": {"cloud_security_posture_management_collection": False},
    },
}


def _spec(**extra: Any) -> DatadogAwsAccountSpec:
    return DatadogAwsAccountSpec.model_validate(
        {"aws_account_id": "001725901256", "auth_config": {"role_name": "R"}, **extra}
    )


def test_an_absent_extended_collection_is_not_turned_on() -> None:
    observed = KIND.normalise(OLD_ACCOUNT, "")
    assert "extended_collection" not in observed.values["resources_config"]
    changes = diff.compare(observed.values, KIND.desired_values(_spec()), KIND.rules)
    # (The other blocks are left out of this object; only resources_config is the point.)
    assert [c.path for c in changes if c.path.startswith("resources_config")] == []


def test_a_written_extended_collection_is_compared_and_enforced() -> None:
    observed = KIND.normalise(OLD_ACCOUNT, "")
    desired = KIND.desired_values(_spec(resources_config={"extended_collection": True}))
    changes = diff.compare(observed.values, desired, KIND.rules)
    assert [c.path for c in changes if c.path.startswith("resources_config")] == [
        "resources_config.extended_collection"
    ]


def _created_body(spec: DatadogAwsAccountSpec) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent.append(body)
        data = {"id": "c2a1a7b6-5d4e-4c1e-9f3e-5f2b3b7c8d90", **body["data"]}
        return httpx.Response(200, json={"data": data})

    client = DatadogClient(
        DatadogSettings(api_url="https://dd.test", max_retries=0, timeout_seconds=2),
        env={"DD_API_KEY": "k", "DD_APP_KEY": "a"},
        transport=httpx.MockTransport(handler),
    )
    kind = DatadogAwsAccount(Settings(), client=client)

    async def run() -> None:
        try:
            await kind.create(spec, lambda _: None)
        finally:
            await kind.aclose()

    asyncio.run(run())
    (body,) = sent
    return body


def test_a_new_account_is_sent_the_documented_default_unless_written() -> None:
    default = _created_body(_spec())["data"]["attributes"]["resources_config"]
    assert default == {
        "cloud_security_posture_management_collection": False,
        "extended_collection": True,
    }
    written = _spec(resources_config={"extended_collection": False})
    sent = _created_body(written)["data"]["attributes"]["resources_config"]
    assert sent["extended_collection"] is False


def test_null_xray_services_is_no_services_not_an_absent_setting() -> None:
    raw: dict[str, Any] = {
        **OLD_ACCOUNT,
        "attributes": {**OLD_ACCOUNT["attributes"], "traces_config": {"xray_services": None}},
    }
    values = KIND.normalise(raw, "").values
    assert values["traces_config"] == {"xray_services": {"include_only": []}}
    changes = diff.compare(values, KIND.desired_values(_spec()), KIND.rules)
    assert [c.path for c in changes if c.path.startswith("traces_config")] == []

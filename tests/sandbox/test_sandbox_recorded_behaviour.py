"""The sandbox answers as the recorded real API does: catalogues, external IDs, defaults."""

from __future__ import annotations

import httpx

from reconciler.kinds.datadog_catalogue import LOG_SOURCES, NAMESPACES
from reconciler.sandbox import Sandbox
from tests.loopback import HTTP

KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
API = "/api/v2/integration/aws"


def _create(sandbox: Sandbox, account: str, namespaces: list[str]) -> httpx.Response:
    attributes = {
        "aws_account_id": account,
        "aws_partition": "aws",
        "auth_config": {"role_name": "R"},
        "metrics_config": {"namespace_filters": {"include_only": namespaces}},
    }
    body = {"data": {"type": "account", "attributes": attributes}}
    return HTTP.post(f"{sandbox.url}{API}/accounts", headers=KEYS, json=body)


def test_the_sandbox_accepts_exactly_the_real_namespace_catalogue(sandbox: Sandbox) -> None:
    listed = HTTP.get(f"{sandbox.url}{API}/available_namespaces", headers=KEYS).json()
    assert listed["data"]["attributes"]["namespaces"] == list(NAMESPACES)

    every = _create(sandbox, "123456789012", list(NAMESPACES))
    assert every.status_code == 200, every.text
    # Names the old sandbox accepted but the real catalogue does not list.
    for name in ("AWS/GatewayELB", "AWS/MWAA", "CWAgent", "AWS/Bedrock/Guardrails"):
        refused = _create(sandbox, "210987654321", [name])
        assert refused.status_code == 400
        assert name in refused.text


def test_log_services_are_the_real_catalogue(sandbox: Sandbox) -> None:
    listed = HTTP.get(f"{sandbox.url}{API}/logs/services", headers=KEYS).json()
    assert listed["data"]["attributes"]["logs_services"] == list(LOG_SOURCES)


def test_a_new_external_id_is_also_the_answer_id(sandbox: Sandbox) -> None:
    first = HTTP.post(f"{sandbox.url}{API}/generate_new_external_id", headers=KEYS).json()
    second = HTTP.post(f"{sandbox.url}{API}/generate_new_external_id", headers=KEYS).json()
    external_id = first["data"]["attributes"]["external_id"]
    assert first["data"]["id"] == external_id
    assert first["data"]["type"] == "external_id"
    assert second["data"]["id"] != external_id


def test_lists_come_back_in_the_order_sent_unless_the_fault_is_on(sandbox: Sandbox) -> None:
    names = ["AWS/SQS", "AWS/EC2", "AWS/Lambda"]
    created = _create(sandbox, "123456789012", names).json()
    assert created["data"]["attributes"]["metrics_config"]["namespace_filters"] == {
        "include_only": names
    }


def test_a_retired_namespace_is_unlisted_and_refused_until_restored(sandbox: Sandbox) -> None:
    assert sandbox.retire_namespaces(["AWS/Usage"]) == ["AWS/Usage"]
    listed = HTTP.get(f"{sandbox.url}{API}/available_namespaces", headers=KEYS).json()
    assert "AWS/Usage" not in listed["data"]["attributes"]["namespaces"]
    refused = _create(sandbox, "123456789012", ["AWS/EC2", "AWS/Usage"])
    assert refused.status_code == 400
    meta = refused.json()["errors"][0]["meta"]
    assert meta == {
        "metrics_config.namespace_filters.include_only": "invalid namespaces: [AWS/Usage]"
    }

    control = HTTP.post(
        f"{sandbox.url}/_sandbox/datadog/retire_namespaces", json={"namespaces": []}
    )
    assert control.json() == {"retired_namespaces": []}
    assert _create(sandbox, "123456789012", ["AWS/Usage"]).status_code == 200


def test_only_catalogue_names_can_be_retired(sandbox: Sandbox) -> None:
    bad = HTTP.post(
        f"{sandbox.url}/_sandbox/datadog/retire_namespaces", json={"namespaces": ["AWS/Nope"]}
    )
    assert bad.status_code == 400
    assert "not in the namespace catalogue" in bad.json()["error"]
    garbled = HTTP.post(f"{sandbox.url}/_sandbox/datadog/retire_namespaces", json=["x"])
    assert garbled.status_code == 400

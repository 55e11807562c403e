"""boto3, unchanged, through the CloudWatch Logs integration lifecycle against the sandbox."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, SandboxControlError
from tests.clouds import opensearch_config as opensearch
from tests.clouds import put_integration as put
from tests.loopback import HTTP
from tests.sandbox.conftest import SandboxFactory, logs_client

ROLE = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER = "arn:aws:iam::123456789012:role/Analysts"


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_put_get_list_delete(sandbox: Sandbox) -> None:
    logs = logs_client(sandbox.url, region="eu-west-1")
    created = put(logs, "vended-logs")
    assert created["integrationName"] == "vended-logs"
    assert created["integrationStatus"] == "PROVISIONING"

    got = logs.get_integration(integrationName="vended-logs")
    assert got["integrationType"] == "OPENSEARCH"
    assert got["integrationStatus"] == "ACTIVE"  # provisioning_seconds=0
    details = got["integrationDetails"]["openSearchIntegrationDetails"]
    assert set(details) == {
        "dataSource",
        "application",
        "collection",
        "workspace",
        "encryptionPolicy",
        "networkPolicy",
        "accessPolicy",
        "lifecyclePolicy",
    }
    app_arn = details["application"]["applicationArn"]
    assert app_arn.startswith("arn:aws:opensearch:eu-west-1:123456789012:application/")
    assert details["collection"]["collectionEndpoint"].endswith(".com")
    assert all(part["status"]["status"] == "ACTIVE" for part in details.values())

    summaries = logs.list_integrations()["integrationSummaries"]
    assert summaries == [
        {
            "integrationName": "vended-logs",
            "integrationType": "OPENSEARCH",
            "integrationStatus": "ACTIVE",
        }
    ]
    assert logs.list_integrations(integrationNamePrefix="vended")["integrationSummaries"]
    assert logs.list_integrations(integrationNamePrefix="other")["integrationSummaries"] == []
    assert logs.list_integrations(integrationType="OPENSEARCH")["integrationSummaries"]
    assert logs.list_integrations(integrationStatus="ACTIVE")["integrationSummaries"]
    assert logs.list_integrations(integrationStatus="FAILED")["integrationSummaries"] == []

    logs.delete_integration(integrationName="vended-logs")
    with pytest.raises(ClientError) as gone:
        logs.get_integration(integrationName="vended-logs")
    assert error_code(gone) == "ResourceNotFoundException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_integration(integrationName="vended-logs")


def test_given_application_arn_is_reported_back(sandbox: Sandbox) -> None:
    logs = logs_client(sandbox.url)
    arn = "arn:aws:opensearch:us-east-1:123456789012:application/existing-app"
    put(logs, "with-app", applicationArn=arn, kmsKeyArn="arn:aws:kms:us-east-1:123456789012:key/k")
    application = logs.get_integration(integrationName="with-app")["integrationDetails"][
        "openSearchIntegrationDetails"
    ]["application"]
    assert application["applicationArn"] == arn
    assert application["applicationId"] == "existing-app"


@pytest.mark.parametrize(
    ("name", "overrides", "code", "fragment"),
    [
        ("x" * 51, {}, "ValidationException", "length less than or equal to 50"),
        ("bad name!", {}, "ValidationException", "regular expression pattern"),
        ("ok", {"retentionDays": 31}, "ValidationException", "less than or equal to 30"),
        ("ok", {"dataSourceRoleArn": "not-an-arn"}, "InvalidParameterException", "not a valid ARN"),
    ],
)
def test_put_validation(
    sandbox: Sandbox, name: str, overrides: dict[str, Any], code: str, fragment: str
) -> None:
    logs = logs_client(sandbox.url)
    with pytest.raises(ClientError) as exc:
        put(logs, name, **overrides)
    assert error_code(exc) == code
    assert fragment in exc.value.response["Error"]["Message"]
    assert sandbox.logs_integrations() == []


def test_put_bad_type_and_list_bad_filter(sandbox: Sandbox) -> None:
    logs = logs_client(sandbox.url)
    with pytest.raises(logs.exceptions.ValidationException) as exc:
        logs.put_integration(
            integrationName="x", integrationType="ELASTIC", resourceConfig=opensearch()
        )
    assert "enum value set: [OPENSEARCH]" in str(exc.value)
    with pytest.raises(logs.exceptions.ValidationException):
        logs.list_integrations(integrationStatus="BOGUS")


def test_one_integration_per_account_and_region(sandbox: Sandbox) -> None:
    east = logs_client(sandbox.url, region="us-east-1")
    put(east, "first")
    with pytest.raises(east.exceptions.ValidationException) as same_name:
        put(east, "first")
    assert "already exists" in str(same_name.value)
    with pytest.raises(east.exceptions.LimitExceededException):
        put(east, "second")
    # Another region, or another account (from the access key), is another scope.
    put(logs_client(sandbox.url, region="eu-west-1"), "second")
    other_account = logs_client(sandbox.url, region="us-east-1", access_key="210987654321")
    put(other_account, "third")
    assert [i["integrationName"] for i in east.list_integrations()["integrationSummaries"]] == [
        "first"
    ]
    scopes = {(i["accountId"], i["region"]) for i in sandbox.logs_integrations()}
    assert scopes == {
        ("123456789012", "us-east-1"),
        ("123456789012", "eu-west-1"),
        ("210987654321", "us-east-1"),
    }


def test_dashboards_need_force(sandbox: Sandbox) -> None:
    logs = logs_client(sandbox.url)
    put(logs, "dash")
    sandbox.set_logs_fault("dash", region="us-east-1", dashboards=True)
    with pytest.raises(logs.exceptions.ValidationException) as exc:
        logs.delete_integration(integrationName="dash")
    assert "force" in str(exc.value)
    assert len(sandbox.logs_integrations()) == 1
    logs.delete_integration(integrationName="dash", force=True)
    assert sandbox.logs_integrations() == []


def test_status_lifecycle(make_sandbox: SandboxFactory) -> None:
    sb = make_sandbox(provisioning_seconds=0.4)
    logs = logs_client(sb.url)
    put(logs, "slow")
    assert logs.get_integration(integrationName="slow")["integrationStatus"] == "PROVISIONING"
    assert logs.list_integrations(integrationStatus="PROVISIONING")["integrationSummaries"]
    time.sleep(0.5)
    assert logs.get_integration(integrationName="slow")["integrationStatus"] == "ACTIVE"

    sb.set_logs_fault("slow", region="us-east-1", failed=True)
    failed = logs.get_integration(integrationName="slow")
    assert failed["integrationStatus"] == "FAILED"
    collection = failed["integrationDetails"]["openSearchIntegrationDetails"]["collection"]
    assert collection["status"]["status"] == "ERROR"


def test_sub_resource_not_found_through_admin_endpoint(sandbox: Sandbox) -> None:
    logs = logs_client(sandbox.url)
    put(logs, "drifted")
    r = HTTP.post(
        f"{sandbox.url}/_sandbox/logs/fault",
        json={"integrationName": "drifted", "region": "us-east-1", "notFound": ["collection"]},
    )
    assert r.status_code == 200
    assert r.json()["notFound"] == ["collection"]
    details = logs.get_integration(integrationName="drifted")["integrationDetails"]
    assert details["openSearchIntegrationDetails"]["collection"]["status"]["status"] == "NOT_FOUND"
    assert details["openSearchIntegrationDetails"]["workspace"]["status"]["status"] == "ACTIVE"

    unknown = HTTP.post(
        f"{sandbox.url}/_sandbox/logs/fault",
        json={"integrationName": "nope", "region": "us-east-1", "failed": True},
    )
    assert unknown.status_code == 404
    with pytest.raises(SandboxControlError, match="unknown sub-resource 'bogus'"):
        sandbox.set_logs_fault("drifted", region="us-east-1", not_found=["bogus"])


@pytest.mark.parametrize("not_found", [[{"a": 1}], [1, "collection"], "collection"])
def test_admin_endpoint_rejects_malformed_not_found(sandbox: Sandbox, not_found: object) -> None:
    put(logs_client(sandbox.url), "typed")
    r = HTTP.post(
        f"{sandbox.url}/_sandbox/logs/fault",
        json={"integrationName": "typed", "region": "us-east-1", "notFound": not_found},
    )
    assert r.status_code == 400
    assert "notFound" in r.json()["error"]


def test_error_wire_format(sandbox: Sandbox) -> None:
    r = HTTP.post(
        sandbox.url + "/",
        headers={
            "X-Amz-Target": "Logs_20140328.GetIntegration",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/logs/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
        content=b'{"integrationName": "missing"}',
    )
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/x-amz-json-1.1"
    assert r.headers["x-amzn-requestid"]
    assert r.json()["__type"] == "ResourceNotFoundException"
    assert r.json()["message"]


def raw_put(sandbox: Sandbox, body: bytes) -> httpx.Response:
    # botocore refuses these requests itself, so they go over plain HTTP.
    return HTTP.post(
        sandbox.url + "/",
        headers={
            "X-Amz-Target": "Logs_20140328.PutIntegration",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/logs/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
        content=body,
    )


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (b'{"integrationName": "x", "integrationType": "OPENSEARCH"}', "ValidationException",
         "Value null at 'resourceConfig'"),
        (b'{"integrationName": "x", "integrationType": "OPENSEARCH", "resourceConfig": {}}',
         "InvalidParameterException", "exactly one member"),
        (b'{"integrationName": "x", "integrationType": "OPENSEARCH", "resourceConfig": '
         b'{"openSearchResourceConfig": {"dataSourceRoleArn": "arn:aws:iam::1:role/r", '
         b'"retentionDays": 0}}}', "ValidationException", "2 validation errors detected"),
        (b"not json", "SerializationException", "not valid JSON"),
    ],
)  # fmt: skip
def test_put_rejections_botocore_would_not_send(
    sandbox: Sandbox, body: bytes, code: str, fragment: str
) -> None:
    r = raw_put(sandbox, body)
    assert r.status_code == 400
    assert r.json()["__type"] == code
    assert fragment in r.json()["message"]


def test_unsigned_and_unknown_operations(sandbox: Sandbox) -> None:
    unsigned = HTTP.post(
        sandbox.url + "/", headers={"X-Amz-Target": "Logs_20140328.ListIntegrations"}, content=b"{}"
    )
    assert unsigned.json()["__type"] == "MissingAuthenticationTokenException"
    unknown = HTTP.post(
        sandbox.url + "/",
        headers={"X-Amz-Target": "Logs_20140328.UpdateIntegration"},
        content=b"{}",
    )
    assert unknown.json()["__type"] == "UnknownOperationException"


SHAPES = json.loads(
    (Path(__file__).parent / "specs" / "cloudwatch-logs-integrations.shapes.json").read_text()
)["shapes"]


def conforms(value: Any, shape_name: str) -> None:
    """Check a response value against the botocore shape: members, enums, lengths, patterns
    (which AWS applies to the whole value)."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict)
        assert set(value) <= set(shape["members"]), (shape_name, set(value))
        if shape.get("union"):
            assert len(value) == 1, shape_name
        for key, member in value.items():
            conforms(member, shape["members"][key]["shape"])
    elif kind == "list":
        assert isinstance(value, list)
        for item in value:
            conforms(item, shape["member"]["shape"])
    elif kind == "string":
        assert isinstance(value, str)
        assert shape.get("min", 0) <= len(value) <= shape.get("max", 10**9), (shape_name, value)
        if "pattern" in shape:
            assert re.fullmatch(shape["pattern"], value), (shape_name, value)
        if "enum" in shape:
            assert value in shape["enum"], (shape_name, value)


@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "us-gov-west-1"])
def test_responses_conform_to_the_botocore_shapes(sandbox: Sandbox, region: str) -> None:
    logs = logs_client(sandbox.url, region=region)
    sent = {"integrationName": "shape.check_#1", "integrationType": "OPENSEARCH"}
    created = logs.put_integration(**sent, resourceConfig=opensearch())
    created.pop("ResponseMetadata")
    conforms(created, "PutIntegrationResponse")
    sandbox.set_logs_fault("shape.check_#1", region=region, not_found=["workspace"])
    got = logs.get_integration(integrationName="shape.check_#1")
    got.pop("ResponseMetadata")
    conforms(got, "GetIntegrationResponse")
    listed = logs.list_integrations()
    listed.pop("ResponseMetadata")
    conforms(listed, "ListIntegrationsResponse")

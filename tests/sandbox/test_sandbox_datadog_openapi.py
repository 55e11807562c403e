"""Every Datadog success response the sandbox sends validates against the shared OpenAPI text.

The real API (and so the sandbox) answers ``application/vnd.api+json`` while the spec declares
``application/json``; the body is validated under the declared media type. Error bodies are
not validated: the spec's ``APIErrorResponse`` (a list of strings) differs from the JSON:API
error objects the real API sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import InvalidData

from reconciler.sandbox import Sandbox
from tests.loopback import HTTP

# A copy of the project's shared OpenAPI text, kept beside the tests so they run anywhere.
SPEC = Path(__file__).parent / "specs" / "datadog-aws-integration-v2.openapi.yaml"
KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
HOST = "https://api.datadoghq.com"


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC))


def call(
    openapi: OpenAPI,
    sandbox: Sandbox,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
) -> httpx.Response:
    r = HTTP.request(method, sandbox.url + path, headers=KEYS, json=body, params=query)
    assert r.status_code in (200, 204), r.text
    assert r.headers["X-RateLimit-Limit"]
    if r.status_code == 200:
        assert r.headers["content-type"] == "application/vnd.api+json"
    request = MockRequest(
        HOST,
        method.lower(),
        path,
        args=query or {},
        headers=KEYS,
        data=r.request.content or None,
    )
    response = MockResponse(r.content, status_code=r.status_code, content_type="application/json")
    openapi.validate_response(request, response)  # raises on any mismatch
    return r


FULL = {
    "aws_account_id": "123456789012",
    "aws_partition": "aws",
    "account_tags": ["env:prod", "team:core"],
    "auth_config": {"role_name": "DatadogIntegrationRole"},
    "aws_regions": {"include_only": ["us-east-1", "eu-west-1"]},
    "logs_config": {
        "lambda_forwarder": {
            "lambdas": ["arn:aws:lambda:us-east-1:123456789012:function:Forwarder"],
            "sources": ["s3", "lambda"],
            "log_source_config": {"tag_filters": [{"source": "s3", "tags": ["env:prod"]}]},
        }
    },
    "metrics_config": {
        "automute_enabled": False,
        "collect_cloudwatch_alarms": True,
        "collect_custom_metrics": True,
        "enabled": True,
        "namespace_filters": {"include_only": ["AWS/EC2", "AWS/S3"]},
        "tag_filters": [{"namespace": "AWS/EC2", "tags": None}],
    },
    "resources_config": {
        "cloud_security_posture_management_collection": True,
        "extended_collection": True,
    },
    "traces_config": {"xray_services": {"include_all": True}},
}


def test_account_endpoints_validate(openapi: OpenAPI, sandbox: Sandbox) -> None:
    base = "/api/v2/integration/aws/accounts"
    call(openapi, sandbox, "GET", base)  # empty list
    full = call(
        openapi, sandbox, "POST", base, body={"data": {"type": "account", "attributes": FULL}}
    )
    keys_attrs = {
        "aws_account_id": "210987654321",
        "aws_partition": "aws-us-gov",
        "auth_config": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "s"},
    }
    call(
        openapi, sandbox, "POST", base, body={"data": {"type": "account", "attributes": keys_attrs}}
    )
    config_id = full.json()["data"]["id"]
    listed = call(openapi, sandbox, "GET", base)
    assert len(listed.json()["data"]) == 2
    call(openapi, sandbox, "GET", base, query={"aws_account_id": "210987654321"})
    call(openapi, sandbox, "GET", base, query={"aws_account_id": "000000000000"})
    call(openapi, sandbox, "GET", f"{base}/{config_id}")
    patch = {
        "data": {
            "type": "account",
            "id": config_id,
            "attributes": {
                "aws_account_id": "123456789012",
                "metrics_config": {"namespace_filters": {"exclude_only": ["AWS/SQS"]}},
                "traces_config": {},
            },
        }
    }
    patched = call(openapi, sandbox, "PATCH", f"{base}/{config_id}", body=patch)
    assert patched.json()["data"]["attributes"]["traces_config"] == {
        "xray_services": {"include_all": True}
    }
    call(openapi, sandbox, "DELETE", f"{base}/{config_id}")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/integration/aws/available_namespaces"),
        ("POST", "/api/v2/integration/aws/generate_new_external_id"),
        ("GET", "/api/v2/integration/aws/logs/services"),
        ("GET", "/api/v2/integration/aws/iam_permissions"),
        ("GET", "/api/v2/integration/aws/iam_permissions/standard"),
        ("GET", "/api/v2/integration/aws/iam_permissions/resource_collection"),
    ],
)
def test_catalog_endpoints_validate(
    openapi: OpenAPI, sandbox: Sandbox, method: str, path: str
) -> None:
    data = call(openapi, sandbox, method, path).json()["data"]
    assert data["attributes"]


def test_spec_rejects_a_wrong_body(openapi: OpenAPI) -> None:
    # Guards the test above against validating nothing.
    request = MockRequest(HOST, "get", "/api/v2/integration/aws/accounts/x")
    wrong = b'{"data": {"id": "x", "type": "account", "attributes": {"aws_regions": 1}}}'
    with pytest.raises(InvalidData):
        openapi.validate_response(request, MockResponse(wrong))


def test_timestamps_nanoseconds_on_write_microseconds_on_read(sandbox: Sandbox) -> None:
    base = f"{sandbox.url}/api/v2/integration/aws/accounts"
    body = {"data": {"type": "account", "attributes": FULL}}
    created = HTTP.post(base, headers=KEYS, json=body).json()["data"]
    got = HTTP.get(f"{base}/{created['id']}", headers=KEYS).json()["data"]
    write_ts, read_ts = created["attributes"]["created_at"], got["attributes"]["created_at"]
    # Trailing zeros are trimmed (as recorded), so these are upper bounds.
    write_frac = write_ts.split(".")[1] if "." in write_ts else "Z"
    read_frac = read_ts.split(".")[1] if "." in read_ts else "Z"
    assert len(write_frac) <= len("123456789Z") and not write_frac.endswith("0Z")
    assert len(read_frac) <= len("123456Z") and not read_frac.endswith("0Z")
    assert write_ts.startswith(read_ts[:-1])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/v2/integration/aws/available_namespaces", 405),
        ("PUT", "/api/v2/integration/aws/accounts", 405),
        ("GET", "/api/v2/integration/aws/iam_permissions/other", 404),
        ("GET", "/api/v2/integration/aws/event_bridge", 404),
    ],
)
def test_unknown_routes_and_methods(sandbox: Sandbox, method: str, path: str, status: int) -> None:
    r = HTTP.request(method, sandbox.url + path, headers=KEYS)
    assert r.status_code == status
    assert r.json()["errors"][0]["status"] == str(status)

"""The clouds tests point the CLI at, and the official clients a test reaches them with: sandboxes
started in the test process, moto's S3 server, boto3's CloudWatch Logs client and the Datadog
API client (what a colleague would use to change things behind the CLI's back)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from datadog_api_client import ApiClient, Configuration
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

REGION = "us-east-1"

SandboxFactory = Callable[..., Sandbox]


@contextmanager
def sandboxes(data_dir: Path, **defaults: Any) -> Iterator[SandboxFactory]:
    """A factory of started sandboxes (``SandboxOptions`` keywords over ``defaults``, data
    under ``data_dir`` unless told otherwise), all stopped on the way out."""
    started: list[Sandbox] = []

    def make(**overrides: Any) -> Sandbox:
        options = {"data_dir": data_dir, **defaults, **overrides}
        sandbox = Sandbox(SandboxOptions(**options)).start()
        started.append(sandbox)
        return sandbox

    try:
        yield make
    finally:
        for sandbox in started:
            sandbox.stop()


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 server over HTTP on a free loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def logs_client(
    url: str,
    region: str = REGION,
    *,
    access_key: str = "sandbox",
    secret_key: str = "sandbox",
    attempts: int = 1,
) -> Any:
    """boto3's CloudWatch Logs client for ``url``: one attempt unless told, short timeouts."""
    return boto3.client(
        "logs",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=2,
            read_timeout=5,
        ),
    )


def opensearch_config(**overrides: Any) -> dict[str, Any]:
    """A PutIntegration ``resourceConfig`` (OpenSearch), with ``overrides`` among its members."""
    config: dict[str, Any] = {
        "dataSourceRoleArn": "arn:aws:iam::123456789012:role/LogsToOpenSearch",
        "dashboardViewerPrincipals": ["arn:aws:iam::123456789012:role/Analysts"],
        "retentionDays": 30,
        **overrides,
    }
    return {"openSearchResourceConfig": config}


def put_integration(client: Any, name: str, **overrides: Any) -> dict[str, Any]:
    """Create the OpenSearch integration ``name`` through boto3 ``client`` (out of band)."""
    result: dict[str, Any] = client.put_integration(
        integrationName=name,
        integrationType="OPENSEARCH",
        resourceConfig=opensearch_config(**overrides),
    )
    return result


@contextmanager
def datadog_api(url: str, key: str) -> Iterator[Any]:
    """The official client's ``AWSIntegrationApi`` for ``url`` (no retries), ``key`` as both
    the API key and the application key."""
    cfg = Configuration(host=url)  # type: ignore[no-untyped-call]
    cfg.api_key["apiKeyAuth"] = key
    cfg.api_key["appKeyAuth"] = key
    cfg.enable_retry = False
    with ApiClient(cfg) as client:
        yield AWSIntegrationApi(client)  # type: ignore[no-untyped-call]


def create_request(aws_account_id: str, **attrs: Any) -> AWSAccountCreateRequest:
    """A create request for ``aws_account_id`` (a role unless ``auth_config`` is given)."""
    attrs.setdefault("auth_config", AWSAuthConfigRole(role_name="DatadogIntegrationRole"))
    return AWSAccountCreateRequest(
        data=AWSAccountCreateRequestData(
            type=AWSAccountType.ACCOUNT,
            attributes=AWSAccountCreateRequestAttributes(
                aws_account_id=aws_account_id, aws_partition=AWSAccountPartition.AWS, **attrs
            ),
        )
    )


def update_request(aws_account_id: str, **attrs: Any) -> AWSAccountUpdateRequest:
    """An update request (a PATCH as the Datadog UI sends it) for ``aws_account_id``."""
    return AWSAccountUpdateRequest(
        data=AWSAccountUpdateRequestData(
            type=AWSAccountType.ACCOUNT,
            attributes=AWSAccountUpdateRequestAttributes(aws_account_id=aws_account_id, **attrs),
        )
    )

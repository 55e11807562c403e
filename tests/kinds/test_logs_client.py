"""The boto3 side of aws_logs_integration: the kind and its client against botocore's Stubber,
and, where retries, endpoints and credentials matter, against a small local HTTP server."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.clients.logs_boto import LogsApiError, LogsClient
from reconciler.errors import ApiError, ConfigError, ReconcilerError
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.base import Observed
from reconciler.kinds.logs_spec import AwsLogsIntegrationSpec
from reconciler.settings import AwsSettings, Settings
from tests.clouds import opensearch_config
from tests.loopback import AWS_JSON, send, serving

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET"
NAME = "vended-logs"
ROLE = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER = "arn:aws:iam::123456789012:role/Analysts"
APP_ARN = "arn:aws:opensearch:eu-west-1:123456789012:application/abc123"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Nothing from the machine's AWS setup may leak in, and nothing may reach real AWS.
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDLOCALTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def get_response(status: str = "ACTIVE", **components: dict[str, str]) -> dict[str, Any]:
    details: dict[str, Any] = {
        "application": {"applicationArn": APP_ARN, "status": {"status": "ACTIVE"}},
        "collection": {"status": {"status": "ACTIVE"}},
    }
    for name, component_status in components.items():
        details[name] = {"status": component_status}
    return {
        "integrationName": NAME,
        "integrationType": "OPENSEARCH",
        "integrationStatus": status,
        "integrationDetails": {"openSearchIntegrationDetails": details},
    }


class Stubs:
    """One Stubber-wrapped boto3 client per region, handed to LogsClient as its factory."""

    def __init__(self) -> None:
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}
        self.built: list[tuple[str, int]] = []

    def __call__(self, region: str, attempts: int) -> Any:
        self.built.append((region, attempts))
        return self.client(region)

    def client(self, region: str) -> Any:
        if region not in self.clients:
            client = boto3.session.Session().client(
                "logs", region_name=region, endpoint_url="http://127.0.0.1:9"
            )
            stubber = Stubber(client)
            stubber.activate()
            self.clients[region], self.stubbers[region] = client, stubber
        return self.clients[region]

    def on(self, region: str = "eu-west-1") -> Stubber:
        self.client(region)
        return self.stubbers[region]

    def done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def stubs() -> Stubs:
    return Stubs()


PROVISIONING = {"integrationName": NAME, "integrationStatus": "PROVISIONING"}


def put_params(**resource: Any) -> dict[str, Any]:
    """The PutIntegration request for ``make_spec()``, with ``resource``'s extra members."""
    return {
        "integrationName": NAME,
        "integrationType": "OPENSEARCH",
        "resourceConfig": opensearch_config(
            dataSourceRoleArn=ROLE, dashboardViewerPrincipals=[VIEWER], **resource
        ),
    }


def make_kind(stubs: Stubs, **aws: Any) -> AwsLogsIntegration:
    settings = Settings(
        aws=AwsSettings(
            **{
                "region": "eu-west-1",
                "poll_interval_seconds": 0.001,
                "wait_timeout_seconds": 5.0,
                **aws,
            }
        )
    )
    client = LogsClient(settings.aws, factory=stubs, put_backoff_seconds=0.001)
    return AwsLogsIntegration(settings, client=client, environ={})


def make_spec(**opensearch: Any) -> AwsLogsIntegrationSpec:
    return AwsLogsIntegrationSpec.model_validate(
        {
            "integration_name": NAME,
            "opensearch": {
                "data_source_role_arn": ROLE,
                "dashboard_viewer_principals": [VIEWER],
                "retention_days": 30,
                **opensearch,
            },
        }
    )


def not_found(stubber: Stubber, operation: str) -> None:
    stubber.add_client_error(
        operation,
        service_error_code="ResourceNotFoundException",
        service_message="Integration not found",
        http_status_code=400,
    )


class Progress:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)


# -- list / get ------------------------------------------------------------------------------


def test_list_then_get(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response(
        "list_integrations",
        {"integrationSummaries": [{"integrationName": NAME, "integrationStatus": "ACTIVE"}]},
        {},
    )
    s.add_response("get_integration", get_response(), {"integrationName": NAME})
    found = asyncio.run(make_kind(stubs).list("eu-west-1"))
    assert [(o.natural_key, o.remote_id, o.health) for o in found] == [
        ("eu-west-1/vended-logs", NAME, None)
    ]
    assert found[0].values["opensearch"] == {"application_arn": APP_ARN}
    stubs.done()


def test_list_of_an_empty_region(stubs: Stubs) -> None:
    stubs.on().add_response("list_integrations", {}, {})  # the key is absent, not []
    assert asyncio.run(make_kind(stubs).list("eu-west-1")) == []
    stubs.done()


def test_listed_but_not_found_is_an_error_not_absent(stubs: Stubs) -> None:
    # Deleted between the list and the get, or a Get lagging behind: "absent" would plan a
    # create that then fails; the listing cannot be planned from.
    s = stubs.on()
    s.add_response("list_integrations", {"integrationSummaries": [{"integrationName": NAME}]}, {})
    not_found(s, "get_integration")
    with pytest.raises(ApiError, match="GetIntegration did not find"):
        asyncio.run(make_kind(stubs).list("eu-west-1"))
    stubs.done()


def test_two_regions_are_listed_with_one_client_each(stubs: Stubs) -> None:
    for region in ("eu-west-1", "us-east-1"):
        stubs.on(region).add_response("list_integrations", {}, {})
    kind = make_kind(stubs)

    async def both() -> list[list[Observed]]:
        return list(await asyncio.gather(kind.list("eu-west-1"), kind.list("us-east-1")))

    assert asyncio.run(both()) == [[], []]
    assert sorted(stubs.built) == [("eu-west-1", 5), ("us-east-1", 5)]
    stubs.done()


def test_get_found_and_not_found(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("get_integration", get_response(collection={"status": "NOT_FOUND"}))
    not_found(s, "get_integration")
    kind = make_kind(stubs)
    observed = asyncio.run(kind.get("eu-west-1/vended-logs", NAME))
    assert observed is not None and observed.health == "collection NOT_FOUND"
    assert asyncio.run(kind.get("eu-west-1/vended-logs", NAME)) is None
    stubs.done()


def test_other_errors_are_one_line_api_errors(stubs: Stubs) -> None:
    stubs.on().add_client_error("get_integration", "InvalidParameterException", "bad\nname", 400)
    with pytest.raises(ApiError) as info:
        asyncio.run(make_kind(stubs).get("eu-west-1/vended-logs", NAME))
    assert str(info.value) == (
        "AWS CloudWatch Logs: InvalidParameterException: bad name (GetIntegration in eu-west-1)"
    )
    assert info.value.status == 400
    assert info.value.retryable is False


# -- create ------------------------------------------------------------------------------------


def test_create_sends_put_and_waits_until_active(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("put_integration", PROVISIONING, put_params())
    s.add_response("get_integration", PROVISIONING)
    s.add_response("get_integration", get_response("PROVISIONING"))
    s.add_response("get_integration", get_response("ACTIVE"))
    progress = Progress()
    observed = asyncio.run(make_kind(stubs).create(make_spec(), progress))
    assert observed.natural_key == "eu-west-1/vended-logs"
    assert observed.health is None
    assert observed.values["opensearch"]["application_arn"] == APP_ARN
    assert sum("still PROVISIONING" in line for line in progress.lines) == 2
    stubs.done()


def test_create_sends_the_optional_members_when_set(stubs: Stubs) -> None:
    kms = "arn:aws:kms:eu-west-1:123456789012:alias/logs"
    s = stubs.on()
    s.add_response(
        "put_integration", PROVISIONING, put_params(kmsKeyArn=kms, applicationArn=APP_ARN)
    )
    s.add_response("get_integration", get_response())
    spec = make_spec(kms_key_arn=kms, application_arn=APP_ARN)
    assert asyncio.run(make_kind(stubs).create(spec, Progress())).health is None
    stubs.done()


def test_create_tolerates_get_lagging_behind_put(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("put_integration", PROVISIONING)
    not_found(s, "get_integration")
    s.add_response("get_integration", get_response())
    progress = Progress()
    asyncio.run(make_kind(stubs).create(make_spec(), progress))
    assert any("still not visible yet" in line for line in progress.lines)
    stubs.done()


def test_create_failed_is_an_error(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("put_integration", PROVISIONING)
    s.add_response(
        "get_integration",
        get_response("FAILED", collection={"status": "ERROR", "statusMessage": "quota reached"}),
    )
    with pytest.raises(ApiError) as info:
        asyncio.run(make_kind(stubs).create(make_spec(), Progress()))
    assert "integration vended-logs in eu-west-1 FAILED while being created" in str(info.value)
    assert "collection ERROR: quota reached" in str(info.value)


def test_create_times_out(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("put_integration", PROVISIONING)
    for _ in range(200):
        s.add_response("get_integration", get_response("PROVISIONING"))
    kind = make_kind(stubs, poll_interval_seconds=0.01, wait_timeout_seconds=0.05)
    with pytest.raises(ApiError) as info:
        asyncio.run(kind.create(make_spec(), Progress()))
    assert "is not ACTIVE after the 0.05s wait timeout" in str(info.value)
    assert "still PROVISIONING" in str(info.value)


def test_put_limit_exceeded_is_a_quota_error(stubs: Stubs) -> None:
    stubs.on().add_client_error(
        "put_integration",
        "LimitExceededException",
        "You have reached the maximum number of resources",
        400,
    )
    with pytest.raises(LogsApiError) as info:
        asyncio.run(make_kind(stubs).create(make_spec(), Progress()))
    assert "one integration per account and region" in str(info.value)
    stubs.done()


def test_put_throttling_is_retried(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_client_error("put_integration", "ThrottlingException", "slow down", 400)
    s.add_response("put_integration", PROVISIONING)
    s.add_response("get_integration", get_response())
    assert asyncio.run(make_kind(stubs).create(make_spec(), Progress())).health is None
    stubs.done()


def test_update_is_never_valid(stubs: Stubs) -> None:
    kind = make_kind(stubs)
    observed = kind.normalise(get_response(), "eu-west-1")
    with pytest.raises(ReconcilerError, match="cannot be updated in place"):
        asyncio.run(kind.update(make_spec(), observed, Progress()))


# -- delete ------------------------------------------------------------------------------------


def test_delete_without_force_leaves_force_out_and_waits(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("delete_integration", {}, {"integrationName": NAME})
    s.add_response("get_integration", get_response())
    not_found(s, "get_integration")
    progress = Progress()
    asyncio.run(make_kind(stubs).delete("eu-west-1/vended-logs", NAME, {}, progress))
    assert any("still being deleted" in line for line in progress.lines)
    stubs.done()


def test_delete_with_force_only_when_asked(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("delete_integration", {}, {"integrationName": NAME, "force": True})
    not_found(s, "get_integration")
    s.add_response("delete_integration", {}, {"integrationName": NAME})
    not_found(s, "get_integration")
    kind = make_kind(stubs)
    asyncio.run(kind.delete("eu-west-1/vended-logs", NAME, {"force_delete": True}, Progress()))
    asyncio.run(kind.delete("eu-west-1/vended-logs", NAME, {"force_delete": False}, Progress()))
    stubs.done()


def test_delete_of_what_is_gone_is_success(stubs: Stubs) -> None:
    not_found(stubs.on(), "delete_integration")
    progress = Progress()
    asyncio.run(make_kind(stubs).delete("eu-west-1/vended-logs", NAME, {}, progress))
    assert progress.lines == ["vended-logs: already gone from eu-west-1"]
    stubs.done()  # and no GetIntegration was needed


def test_delete_refused_without_force_suggests_force_delete(stubs: Stubs) -> None:
    stubs.on().add_client_error(
        "delete_integration", "ValidationException", "Integration has active dashboards", 400
    )
    with pytest.raises(LogsApiError) as info:
        asyncio.run(make_kind(stubs).delete("eu-west-1/vended-logs", NAME, {}, Progress()))
    message = str(info.value)
    assert message.startswith("AWS CloudWatch Logs: ValidationException: Integration has active")
    assert "set force_delete = true" in message
    assert message.count("AWS CloudWatch Logs") == 1


def test_delete_wait_times_out(stubs: Stubs) -> None:
    s = stubs.on()
    s.add_response("delete_integration", {}, {"integrationName": NAME})
    for _ in range(200):
        s.add_response("get_integration", get_response())
    kind = make_kind(stubs, poll_interval_seconds=0.01, wait_timeout_seconds=0.05)
    with pytest.raises(ApiError, match=r"still exists 0\.05s after DeleteIntegration"):
        asyncio.run(kind.delete("eu-west-1/vended-logs", NAME, {}, Progress()))


def test_aclose_closes_the_clients(stubs: Stubs) -> None:
    stubs.on().add_response("list_integrations", {}, {})
    kind = make_kind(stubs)
    asyncio.run(kind.list("eu-west-1"))
    asyncio.run(kind.aclose())
    stubs.on().add_response("list_integrations", {}, {})
    asyncio.run(kind.list("eu-west-1"))  # a new client is built on the next use
    assert stubs.built == [("eu-west-1", 5), ("eu-west-1", 5)]


# -- a real local endpoint ---------------------------------------------------------------------


class FakeLogs:
    """A tiny CloudWatch Logs endpoint: routes on X-Amz-Target, replies from a script."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: dict[str, tuple[int, dict[str, Any]]] = {}
        self.barrier: threading.Barrier | None = None  # hold requests until N arrive together
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").split(".")[-1]
                length = int(self.headers.get("Content-Length", "0"))
                fake.requests.append((operation, json.loads(self.rfile.read(length) or b"{}")))
                if fake.barrier is not None:
                    fake.barrier.wait()
                status, body = fake.replies.get(operation, (200, {}))
                send(self, status, json.dumps(body).encode(), AWS_JSON)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def error(self, operation: str, code: str, status: int = 400) -> None:
        self.replies[operation] = (status, {"__type": code, "message": f"{code} from fake"})

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.requests if op == operation)


@pytest.fixture
def fake() -> Iterator[FakeLogs]:
    server = FakeLogs()
    with serving(server.server, poll_interval=0.01):
        yield server


def real_kind(**aws: Any) -> AwsLogsIntegration:
    settings = Settings(
        aws=AwsSettings(
            **{"region": "eu-west-1", "poll_interval_seconds": 0.01, "max_attempts": 3, **aws}
        )
    )
    return AwsLogsIntegration(settings, environ={})


def run_and_close(kind: AwsLogsIntegration, coro: Any) -> Any:
    async def go() -> Any:
        try:
            return await coro
        finally:
            await kind.aclose()

    return asyncio.run(go())


def test_real_client_round_trip(fake: FakeLogs) -> None:
    fake.replies["ListIntegrations"] = (200, {"integrationSummaries": [{"integrationName": NAME}]})
    fake.replies["GetIntegration"] = (200, get_response())
    kind = real_kind(endpoint_url=fake.url)
    found = run_and_close(kind, kind.list("eu-west-1"))
    assert [o.natural_key for o in found] == ["eu-west-1/vended-logs"]
    assert fake.requests == [
        ("ListIntegrations", {}),
        ("GetIntegration", {"integrationName": NAME}),
    ]


def test_regions_are_read_at_the_same_time(fake: FakeLogs) -> None:
    # Each request is held until the other region's arrives: sequential calls would break
    # the barrier (after its timeout) and fail.
    fake.barrier = threading.Barrier(2, timeout=5)
    kind = real_kind(endpoint_url=fake.url, max_attempts=1)

    async def both() -> list[list[Observed]]:
        return list(await asyncio.gather(kind.list("eu-west-1"), kind.list("us-east-1")))

    assert run_and_close(kind, both()) == [[], []]
    assert fake.count("ListIntegrations") == 2


def test_limit_exceeded_on_put_is_not_retried(fake: FakeLogs) -> None:
    # botocore's standard mode would send this 3 times: it counts LimitExceededException as
    # throttling, but for PutIntegration it means the quota is reached.
    fake.error("PutIntegration", "LimitExceededException")
    kind = real_kind(endpoint_url=fake.url, max_attempts=3)
    with pytest.raises(LogsApiError, match="LimitExceededException"):
        run_and_close(kind, kind.create(make_spec(), Progress()))
    assert fake.count("PutIntegration") == 1


def test_reads_use_standard_retries_up_to_max_attempts(fake: FakeLogs) -> None:
    fake.error("GetIntegration", "ServiceUnavailableException", status=500)
    kind = real_kind(endpoint_url=fake.url, max_attempts=2)
    with pytest.raises(LogsApiError) as info:
        run_and_close(kind, kind.get("eu-west-1/vended-logs", NAME))
    assert fake.count("GetIntegration") == 2
    assert info.value.status == 500
    assert info.value.retryable is True


def test_endpoint_from_the_service_specific_env_var(
    fake: FakeLogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", fake.url)
    kind = real_kind()
    assert run_and_close(kind, kind.list("eu-west-1")) == []
    assert fake.count("ListIntegrations") == 1


def test_unreachable_endpoint() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kind = real_kind(endpoint_url=f"http://127.0.0.1:{port}", max_attempts=1)
    with pytest.raises(ApiError) as info:
        run_and_close(kind, kind.list("eu-west-1"))
    url = f"http://127.0.0.1:{port}/"
    assert str(info.value) == (
        f"AWS CloudWatch Logs: cannot reach {url} (ListIntegrations in eu-west-1)"
    )


def test_no_credentials_is_a_config_error(fake: FakeLogs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    kind = real_kind(endpoint_url=fake.url)
    with pytest.raises(ConfigError, match="no AWS credentials found"):
        run_and_close(kind, kind.list("eu-west-1"))
    assert fake.requests == []


def test_unknown_profile_is_a_config_error(fake: FakeLogs) -> None:
    kind = real_kind(endpoint_url=fake.url, profile="nope")
    with pytest.raises(ConfigError) as info:
        run_and_close(kind, kind.list("eu-west-1"))
    assert "nope" in str(info.value)
    assert info.value.field == "aws.profile"


def test_errors_never_show_the_credentials(fake: FakeLogs) -> None:
    fake.error("GetIntegration", "UnrecognizedClientException")
    fake.error("PutIntegration", "AccessDeniedException")
    kind = real_kind(endpoint_url=fake.url, max_attempts=1)
    messages = []
    for call in (kind.get("eu-west-1/x", "x"), kind.create(make_spec(), Progress())):
        with pytest.raises(ReconcilerError) as info:
            run_and_close(kind, call)
        messages.append(f"{info.value} {info.value!r}")
    assert all(SECRET_KEY not in m for m in messages)
    assert all("AKIDLOCALTEST" not in m for m in messages)


def test_a_role_that_cannot_be_assumed_is_asked_for_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each region's client needs the account's session: one refusal answers them all, not
    # one more STS call (with its retries and timeouts) per region.
    from reconciler.clients import aws_roles

    asked: list[str] = []

    def refuse(session: Any, role: aws_roles.AssumedRole, region: str, aws: Any) -> None:
        asked.append(region)
        raise ApiError(
            f"AWS account prod: cannot assume {role.role_arn}: AccessDenied: no",
            service=aws_roles.SERVICE,
        )

    monkeypatch.setattr(aws_roles, "assume", refuse)
    role = aws_roles.AssumedRole(
        connection="prod",
        role_arn="arn:aws:iam::210987654321:role/Reconciler",
        external_id=None,
        session_name="reconciler",
        endpoint_url=None,
    )
    client = LogsClient(AwsSettings(), role=role, connection="prod")
    for region in ("eu-west-1", "us-east-1", "eu-west-1"):
        with pytest.raises(ApiError, match="cannot assume"):
            asyncio.run(client.list_integrations(region))
    assert asked == ["eu-west-1"]

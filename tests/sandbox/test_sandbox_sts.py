"""boto3's ``sts`` client against the sandbox: who is calling, and roles assumed across
accounts, whose credentials then act in the role's account on every API of the sandbox."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.sandbox import Sandbox, SandboxOptions
from tests.sandbox.conftest import SandboxFactory, logs_client

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222233334444"
ROLE_B = f"arn:aws:iam::{ACCOUNT_B}:role/Reconciler"
NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/sts/aws4_request, "
    "SignedHeaders=host, Signature=0",
    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
}


def sts_client(url: str, access_key: str = "sandbox") -> Any:
    return boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="sandbox-secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def as_role(url: str, credentials: dict[str, Any]) -> dict[str, Any]:
    """Client arguments that sign with credentials from AssumeRole."""
    return {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
        "config": Config(retries={"mode": "standard", "total_max_attempts": 1}),
    }


def put(logs: Any, name: str) -> None:
    logs.put_integration(
        integrationName=name,
        integrationType="OPENSEARCH",
        resourceConfig={
            "openSearchResourceConfig": {
                "dataSourceRoleArn": f"arn:aws:iam::{ACCOUNT_B}:role/r",
                "dashboardViewerPrincipals": [f"arn:aws:iam::{ACCOUNT_B}:role/v"],
                "retentionDays": 7,
            }
        },
    )


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def raw(sandbox: Sandbox, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(
        f"{sandbox.url}/", content=body, headers=SIGNED if headers is None else headers
    )


def test_get_caller_identity_with_long_term_keys(sandbox: Sandbox) -> None:
    me = sts_client(sandbox.url).get_caller_identity()
    assert me["Account"] == "123456789012"
    assert me["Arn"] == "arn:aws:iam::123456789012:user/sandbox"
    assert me["UserId"].startswith("AIDA") and len(me["UserId"]) == 21
    other = sts_client(sandbox.url, ACCOUNT_A).get_caller_identity()
    assert (other["Account"], other["Arn"]) == (ACCOUNT_A, f"arn:aws:iam::{ACCOUNT_A}:user/sandbox")


def test_a_role_assumed_from_account_a_acts_in_account_b(sandbox: Sandbox) -> None:
    answer = sts_client(sandbox.url, ACCOUNT_A).assume_role(
        RoleArn=ROLE_B, RoleSessionName="reconciler-run", DurationSeconds=900
    )
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{ACCOUNT_B}:assumed-role/Reconciler/reconciler-run"
    )
    assert answer["AssumedRoleUser"]["AssumedRoleId"].endswith(":reconciler-run")
    me = boto3.client("sts", **as_role(sandbox.url, credentials)).get_caller_identity()
    assert me["Account"] == ACCOUNT_B
    assert me["Arn"] == answer["AssumedRoleUser"]["Arn"]
    assert me["UserId"] == answer["AssumedRoleUser"]["AssumedRoleId"]
    put(boto3.client("logs", **as_role(sandbox.url, credentials)), "vended-in-b")
    [stored] = sandbox.logs_integrations()
    assert (stored["integrationName"], stored["accountId"]) == ("vended-in-b", ACCOUNT_B)
    in_a = logs_client(sandbox.url, access_key=ACCOUNT_A).list_integrations()
    assert in_a["integrationSummaries"] == []
    in_b = logs_client(sandbox.url, access_key=ACCOUNT_B).list_integrations()
    assert [s["integrationName"] for s in in_b["integrationSummaries"]] == ["vended-in-b"]
    # The session is stored without its secrets.
    with sandbox.store.view() as doc:
        text = str(doc)
    assert credentials["AccessKeyId"] in text
    assert credentials["SecretAccessKey"] not in text
    assert credentials["SessionToken"] not in text


def test_expiration_is_the_requested_duration_and_defaults_to_an_hour(sandbox: Sandbox) -> None:
    sts = sts_client(sandbox.url)
    short = sts.assume_role(RoleArn=ROLE_B, RoleSessionName="s1", DurationSeconds=900)
    default = sts.assume_role(RoleArn=ROLE_B, RoleSessionName="s2")
    gap = default["Credentials"]["Expiration"] - short["Credentials"]["Expiration"]
    assert 2699 <= gap.total_seconds() <= 2701 + 60


def test_botocores_assume_role_provider_works_through_a_profile(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.register_roles(ACCOUNT_B, {"Reconciler": "datadog-ext-1"})
    (tmp_path / "config").write_text(
        "[profile base]\nregion = eu-west-1\n\n"
        f"[profile target]\nregion = eu-west-1\nrole_arn = {ROLE_B}\nsource_profile = base\n"
        "external_id = datadog-ext-1\nrole_session_name = from-profile\n"
    )
    (tmp_path / "credentials").write_text(
        f"[base]\naws_access_key_id = {ACCOUNT_A}\naws_secret_access_key = base-secret\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sandbox.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", sandbox.url)
    session = boto3.Session(profile_name="target")
    me = session.client("sts").get_caller_identity()
    assert me["Account"] == ACCOUNT_B
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_B}:assumed-role/Reconciler/from-profile"
    put(session.client("logs"), "from-profile")
    assert [(i["accountId"], i["region"]) for i in sandbox.logs_integrations()] == [
        (ACCOUNT_B, "eu-west-1")
    ]


def test_registered_roles_and_external_ids_refuse_everything_else(sandbox: Sandbox) -> None:
    sts = sts_client(sandbox.url, ACCOUNT_A)
    assert sandbox.register_roles(ACCOUNT_B, {"Reconciler": "ext-123", "ReadOnly": None}) == {
        "accountId": ACCOUNT_B,
        "roles": [
            {"roleName": "ReadOnly", "externalId": None},
            {"roleName": "Reconciler", "externalId": "ext-123"},
        ],
    }
    denied = (
        f"User: arn:aws:iam::{ACCOUNT_A}:user/sandbox is not authorized to perform: "
        "sts:AssumeRole on resource: "
    )
    for arn, external_id in (
        (f"arn:aws:iam::{ACCOUNT_B}:role/Unknown", None),
        (ROLE_B, None),
        (ROLE_B, "ext-wrong"),
    ):
        extra = {} if external_id is None else {"ExternalId": external_id}
        with pytest.raises(ClientError) as exc:
            sts.assume_role(RoleArn=arn, RoleSessionName="s1", **extra)
        assert error_of(exc) == (403, "AccessDenied", denied + arn)
    sts.assume_role(RoleArn=ROLE_B, RoleSessionName="s1", ExternalId="ext-123")
    sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/ReadOnly", RoleSessionName="s1")
    # Other accounts still let any role be assumed; [] lifts the restriction.
    sts.assume_role(RoleArn="arn:aws:iam::999988887777:role/Anything", RoleSessionName="s1")
    over_http = httpx.post(
        f"{sandbox.url}/_sandbox/sts/roles", json={"accountId": ACCOUNT_B, "roles": []}
    )
    assert over_http.json() == {"accountId": ACCOUNT_B, "roles": []}
    sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/Unknown", RoleSessionName="s1")


def test_the_roles_control_over_http_checks_its_input_and_persists(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    url = f"{sandbox.url}/_sandbox/sts/roles"
    ok = httpx.post(
        url,
        json={"accountId": ACCOUNT_B, "roles": [{"roleName": "Reconciler", "externalId": "e-1"}]},
    )
    assert ok.status_code == 200
    for body in (
        {"accountId": "12", "roles": []},
        {"accountId": ACCOUNT_B, "roles": [{"roleName": "bad name"}]},
        {"accountId": ACCOUNT_B, "roles": [{"roleName": "R", "externalId": "has space"}]},
        {"accountId": ACCOUNT_B},
        ["not", "an", "object"],
    ):
        answer = httpx.post(url, json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]
    sandbox.stop()
    with Sandbox(SandboxOptions(data_dir=tmp_path / "data")) as again:
        with pytest.raises(ClientError) as exc:
            sts_client(again.url).assume_role(RoleArn=ROLE_B, RoleSessionName="s1")
        assert error_of(exc)[:2] == (403, "AccessDenied")
        sts_client(again.url).assume_role(RoleArn=ROLE_B, RoleSessionName="s1", ExternalId="e-1")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"RoleArn": "arn:aws:iam::12345:role/too-short-account", "RoleSessionName": "s1"},
            "Request ARN is invalid",
        ),
        (
            {"RoleArn": "arn:aws:s3:::not-a-role-but-long-enough", "RoleSessionName": "s1"},
            "Request ARN is invalid",
        ),
        (
            {"RoleArn": ROLE_B, "RoleSessionName": "has space"},
            "1 validation error detected: Value 'has space' at 'roleSessionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ),
        (
            {"RoleArn": ROLE_B, "RoleSessionName": "s1", "ExternalId": "bad id!"},
            "1 validation error detected: Value 'bad id!' at 'externalId' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@:/-]*",
        ),
        (
            {"RoleArn": ROLE_B, "RoleSessionName": "s1", "DurationSeconds": 43201},
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
        ),
    ],
)
def test_malformed_assume_role_requests_are_validation_errors(
    sandbox: Sandbox, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as exc:
        sts_client(sandbox.url).assume_role(**params)
    assert error_of(exc) == (400, "ValidationError", message)


def test_checks_botocore_makes_itself_are_made_by_the_sandbox_too(sandbox: Sandbox) -> None:
    cases = {
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws&RoleSessionName=x": [
            "Value 'arn:aws' at 'roleArn' failed to satisfy constraint: Member must have length "
            "less than or equal to 2048 and greater than or equal to 20",
            "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have "
            "length less than or equal to 64 and greater than or equal to 2",
        ],
        f"Action=AssumeRole&Version=2011-06-15&RoleArn={ROLE_B}&RoleSessionName=ok"
        "&DurationSeconds=899": [
            "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have "
            "value greater than or equal to 900"
        ],
        "Action=AssumeRole&Version=2011-06-15": [
            "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
            "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
        ],
    }
    for body, problems in cases.items():
        answer = raw(sandbox, body)
        assert answer.status_code == 400
        error = ET.fromstring(answer.content).find(f"{NS}Error")
        assert error is not None
        assert error.findtext(f"{NS}Type") == "Sender"
        assert error.findtext(f"{NS}Code") == "ValidationError"
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        assert error.findtext(f"{NS}Message") == count + "; ".join(problems)


def test_errors_are_the_query_protocols_xml(sandbox: Sandbox) -> None:
    unknown = raw(sandbox, "Action=GetSessionToken&Version=2011-06-15")
    root = ET.fromstring(unknown.content)
    assert unknown.status_code == 400
    assert unknown.headers["content-type"] == "text/xml"
    assert root.tag == f"{NS}ErrorResponse"
    assert root.findtext(f"{NS}Error/{NS}Code") == "InvalidAction"
    assert root.findtext(f"{NS}RequestId") == unknown.headers["x-amzn-requestid"]
    unsigned = raw(
        sandbox,
        "Action=GetCallerIdentity&Version=2011-06-15",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in unsigned.content
    forged = sts_client(sandbox.url, "ASIA" + ACCOUNT_B + "A" * 16)
    with pytest.raises(ClientError) as exc:
        forged.get_caller_identity()
    assert error_of(exc)[:2] == (403, "InvalidClientTokenId")


def test_an_expired_session_and_a_long_chained_one_are_refused(sandbox: Sandbox) -> None:
    answer = sts_client(sandbox.url).assume_role(RoleArn=ROLE_B, RoleSessionName="s1")
    credentials = answer["Credentials"]
    chained = boto3.client("sts", **as_role(sandbox.url, credentials))
    with pytest.raises(ClientError) as exc:
        chained.assume_role(RoleArn=ROLE_B, RoleSessionName="s2", DurationSeconds=3601)
    assert error_of(exc)[:2] == (400, "ValidationError")
    hop = chained.assume_role(RoleArn=ROLE_B, RoleSessionName="s2", DurationSeconds=3600)
    assert hop["AssumedRoleUser"]["Arn"].endswith("/Reconciler/s2")
    with sandbox.store.update() as doc:
        doc["sts"]["sessions"][credentials["AccessKeyId"]]["expiration"] = 1
    with pytest.raises(ClientError) as exc:
        chained.get_caller_identity()
    assert error_of(exc)[:2] == (400, "ExpiredToken")


def test_sts_sees_faults_like_the_other_apis(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(throttle_rate=1.0)
    with pytest.raises(ClientError) as exc:
        sts_client(sandbox.url).get_caller_identity()
    assert error_of(exc) == (400, "Throttling", "Rate exceeded")


def test_sessions_outlive_a_restart_until_they_expire(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    sts = sts_client(sandbox.url)
    kept = sts.assume_role(RoleArn=ROLE_B, RoleSessionName="kept")["Credentials"]
    gone = sts.assume_role(RoleArn=ROLE_B, RoleSessionName="gone")["Credentials"]
    with sandbox.store.update() as doc:
        doc["sts"]["sessions"][gone["AccessKeyId"]]["expiration"] = 1
    sandbox.stop()
    with Sandbox(SandboxOptions(data_dir=tmp_path / "data")) as again:
        me = boto3.client("sts", **as_role(again.url, kept)).get_caller_identity()
        assert me["Arn"].endswith("/Reconciler/kept")
        with again.store.view() as doc:
            assert set(doc["sts"]["sessions"]) == {kept["AccessKeyId"]}

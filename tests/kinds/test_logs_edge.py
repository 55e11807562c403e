"""The CloudWatch Logs edge fails closed, against a small hostile loopback server: garbled
2xx answers, trickling bodies, dropped connections, echoed secrets, and PutIntegration
answers that are lost."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reconciler import redact
from reconciler.clients import logs_models
from reconciler.clients.logs_boto import LogsApiError
from reconciler.errors import ApiError
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.settings import AwsSettings, Settings
from tests.echoes import echoed_forms
from tests.kinds.test_logs_client import (
    NAME,
    SECRET_KEY,
    Progress,
    aws_env,
    get_response,
    make_spec,
    run_and_close,
)
from tests.loopback import AWS_JSON, send, serving

__all__ = ["aws_env"]  # the autouse fixture: no AWS setting of the machine leaks in

REGION = "eu-west-1"
TOKEN = "IQoJb3JpZ2luX2VjEHsaCXVzLWVhc3QtMSJHMEUCIQDsessiontoken+/=="
Step = tuple[Any, ...]


class Hostile:
    """A CloudWatch Logs endpoint that keeps integrations like the real one, unless a scripted
    step says otherwise. ``script[operation]`` is consumed in order; each step is
    ``(what, carry_out, *args)``, where ``carry_out`` first does what the request asks:

    - ``("json", carry_out, status, body)`` / ``("raw", carry_out, status, bytes)``
    - ``("trickle", carry_out, size, pause)``: a 200 whose body comes one byte per pause
    - ``("hang", carry_out)``: no answer at all
    - ``("drop", carry_out)``: the connection closed without an answer
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.integrations: dict[str, str] = {}
        self.script: dict[str, list[Step]] = {}
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.release = threading.Event()
        self.trickled = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((operation, body, dict(self.headers.items())))
                steps = fake.script.get(operation)
                step = steps.pop(0) if steps else ("real", True)
                what, carry_out, *args = step
                status, reply = fake.carry_out(operation, body) if carry_out else (0, {})
                if what == "real":
                    self.reply(status, json.dumps(reply).encode())
                elif what == "json":
                    self.reply(args[0], json.dumps(args[1]).encode())
                elif what == "raw":
                    self.reply(args[0], args[1])
                elif what == "trickle":
                    self.trickle(*args)
                elif what == "hang":
                    fake.release.wait(10)
                    self.close_connection = True
                elif what == "drop":
                    self.close_connection = True

            def reply(self, status: int, data: bytes) -> None:
                send(self, status, data, AWS_JSON)

            def trickle(self, size: int, pause: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                try:
                    for _ in range(size):
                        if fake.release.wait(pause):
                            break
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        fake.trickled += 1
                except OSError:
                    pass  # the client gave up: that is the point
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def carry_out(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = str(body.get("integrationName", ""))
        if operation == "ListIntegrations":
            return 200, {
                "integrationSummaries": [{"integrationName": n} for n in self.integrations]
            }
        if operation == "PutIntegration":
            if name in self.integrations:
                return 400, {"__type": "ValidationException", "message": "already exists"}
            self.integrations[name] = "ACTIVE"
            return 200, {"integrationName": name, "integrationStatus": "PROVISIONING"}
        if name not in self.integrations:
            return 400, {"__type": "ResourceNotFoundException", "message": "no such integration"}
        if operation == "DeleteIntegration":
            del self.integrations[name]
            return 200, {}
        return 200, get_response(self.integrations[name])

    def count(self, operation: str) -> int:
        return sum(1 for op, _, _ in self.requests if op == operation)


@pytest.fixture(autouse=True)
def no_registered_secrets() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile()
    with serving(server.server, poll_interval=0.01):
        yield server
        server.release.set()


def kind_for(server: Hostile, **aws: Any) -> AwsLogsIntegration:
    settings = Settings(
        aws=AwsSettings(
            **{
                "region": REGION,
                "endpoint_url": server.url,
                "poll_interval_seconds": 0.01,
                "wait_timeout_seconds": 5.0,
                "max_attempts": 1,
                "timeout_seconds": 2.0,
                **aws,
            }
        )
    )
    from reconciler.clients.logs_boto import LogsClient

    return AwsLogsIntegration(
        settings, client=LogsClient(settings.aws, put_backoff_seconds=0.001), environ={}
    )


def failure(kind: AwsLogsIntegration, coro: Any) -> ApiError:
    with pytest.raises(ApiError) as info:
        run_and_close(kind, coro)
    return info.value


# -- answers that cannot be trusted ------------------------------------------------------------

GARBLED = [
    (b"{not json", "HTTP 200 with a body that is not JSON"),
    (b"", "HTTP 200 with an empty body"),
    (b"[]", "unexpected answer: body: Input should be a valid dictionary"),
    (b'"x"', "unexpected answer: body: Input should be a valid dictionary"),
    (
        b'{"__type":"AccessDeniedException"}',
        "HTTP 200 with an error body: AccessDeniedException",
    ),
    (
        b'{"__type":"AccessDeniedException","message":"not allowed"}',
        "HTTP 200 with an error body: AccessDeniedException: not allowed",
    ),
    (b'{"integrationSummaries": {}}', "integrationSummaries: Input should be a valid list"),
    (b'{"integrationSummaries": ["x"]}', "integrationSummaries[0]: Input should be a valid dict"),
    (b'{"integrationSummaries": [{}]}', "integrationSummaries[0].integrationName: Field required"),
    (
        b'{"integrationSummaries": [{"integrationName": ""}]}',
        "integrationSummaries[0].integrationName: String should have at least 1 character",
    ),
    (
        b'{"integrationSummaries": [{"integrationName": 7}]}',
        "integrationSummaries[0].integrationName: Input should be a valid string",
    ),
    (
        b'{"integrationSummaries": [{"integrationName": "a"}, {"integrationName": "a"}]}',
        "integration a is listed twice",
    ),
]


@pytest.mark.parametrize("content, problem", GARBLED)
def test_a_garbled_listing_is_one_error_and_plans_nothing(
    hostile: Hostile, content: bytes, problem: str
) -> None:
    hostile.script["ListIntegrations"] = [("raw", False, 200, content)]
    kind = kind_for(hostile)
    error = failure(kind, kind.list(REGION))
    message = str(error)
    assert message.startswith("AWS CloudWatch Logs: "), message
    assert problem in message
    assert message.endswith(f"(ListIntegrations in {REGION})")
    assert hostile.count("GetIntegration") == 0


def test_an_empty_object_is_a_valid_empty_listing(hostile: Hostile) -> None:
    hostile.script["ListIntegrations"] = [("raw", False, 200, b"{}")]
    kind = kind_for(hostile)
    assert run_and_close(kind, kind.list(REGION)) == []


@pytest.mark.parametrize(
    "content, problem",
    [
        (b'{"integrationStatus": "ACTIVE"}', "integrationName: Field required"),
        (b'{"integrationName": "other"}', f"asked for {NAME}, answered another integration"),
        (b'{"integrationName": "vended-logs", "integrationStatus": 1}', "integrationStatus: "),
        (
            b'{"integrationName": "vended-logs", "integrationDetails": '
            b'{"openSearchIntegrationDetails": {"collection": "x"}}}',
            "integrationDetails.openSearchIntegrationDetails.collection: Input should be",
        ),
    ],
)
def test_a_garbled_get_is_an_error(hostile: Hostile, content: bytes, problem: str) -> None:
    hostile.script["GetIntegration"] = [("raw", False, 200, content)]
    kind = kind_for(hostile)
    error = failure(kind, kind.get(f"{REGION}/{NAME}", NAME))
    assert problem in str(error)
    assert str(error).endswith(f"(GetIntegration in {REGION})")


def test_control_characters_and_long_text_from_the_api_are_not_echoed(hostile: Hostile) -> None:
    body = {"__type": "AccessDeniedException", "message": "\x1b[2J\nError: forged" + "x" * 5000}
    hostile.script["ListIntegrations"] = [("json", False, 200, body)]
    kind = kind_for(hostile)
    message = str(failure(kind, kind.list(REGION)))
    assert "\x1b" not in message and "\n" not in message
    assert len(message) < 600


# -- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [("trickle", False, 400, 0.05), ("hang", False)])
def test_a_request_stops_at_its_deadline(hostile: Hostile, step: Step) -> None:
    hostile.script["ListIntegrations"] = [step]
    kind = kind_for(hostile, timeout_seconds=0.5)
    error = failure(kind, kind.list(REGION))
    assert str(error) == (
        f"AWS CloudWatch Logs: no complete answer from {hostile.url}/ within 0.5s "
        f"([aws] timeout_seconds) (ListIntegrations in {REGION})"
    )
    assert hostile.trickled < 400  # stopped mid-body, not after it


def test_a_dropped_connection_is_retried_for_reads(hostile: Hostile) -> None:
    hostile.integrations[NAME] = "ACTIVE"
    hostile.script["GetIntegration"] = [("drop", False)]
    kind = kind_for(hostile, max_attempts=2)
    found = run_and_close(kind, kind.get(f"{REGION}/{NAME}", NAME))
    assert found is not None and found.remote_id == NAME
    assert hostile.count("GetIntegration") == 2


def test_a_dropped_connection_is_one_error(hostile: Hostile) -> None:
    hostile.script["ListIntegrations"] = [("drop", False)]
    kind = kind_for(hostile)
    error = failure(kind, kind.list(REGION))
    assert str(error) == (
        f"AWS CloudWatch Logs: the connection to {hostile.url}/ closed before a complete "
        f"answer (ListIntegrations in {REGION})"
    )


def test_a_delete_whose_answer_is_lost_then_not_found_is_success(hostile: Hostile) -> None:
    hostile.integrations[NAME] = "ACTIVE"
    hostile.script["DeleteIntegration"] = [("drop", True)]
    progress = Progress()
    kind = kind_for(hostile, max_attempts=2)
    run_and_close(kind, kind.delete(f"{REGION}/{NAME}", NAME, {}, progress))
    assert hostile.integrations == {}
    assert hostile.count("DeleteIntegration") == 2
    assert progress.lines == [f"{NAME}: already gone from {REGION}"]


# -- secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 200])
def test_credentials_echoed_in_any_encoding_never_reach_the_message(
    hostile: Hostile, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    echo = " | ".join(form for s in (SECRET_KEY, TOKEN) for form in echoed_forms(s))
    body = {"__type": "UnrecognizedClientException", "message": f"bad signature: {echo}"}
    hostile.script["ListIntegrations"] = [("json", False, status, body)]
    kind = kind_for(hostile)
    error = failure(kind, kind.list(REGION))
    message = f"{error} {error!r}"
    assert "(sensitive)" in message
    for secret in (SECRET_KEY, TOKEN):
        for form in echoed_forms(secret):
            assert form not in message, form
    # The token did travel, in its header: the server saw what it echoed.
    assert hostile.requests[0][2]["X-Amz-Security-Token"] == TOKEN


# -- PutIntegration whose outcome is unknown ---------------------------------------------------

UNAVAILABLE = {"__type": "ServiceUnavailableException", "message": "try later"}


@pytest.mark.parametrize(
    "step",
    [
        ("json", True, 500, UNAVAILABLE),
        ("drop", True),
        ("hang", True),
        ("raw", True, 200, b"{}"),
        ("raw", True, 200, b"<html>"),
    ],
    ids=["5xx", "dropped", "no answer", "no name", "not json"],
)
def test_a_put_whose_answer_is_lost_adopts_what_it_made(hostile: Hostile, step: Step) -> None:
    hostile.script["PutIntegration"] = [step]
    progress = Progress()
    kind = kind_for(hostile, timeout_seconds=0.5, max_attempts=3)
    created = run_and_close(kind, kind.create(make_spec(), progress))
    assert created.remote_id == NAME
    assert hostile.count("PutIntegration") == 1
    assert list(hostile.integrations) == [NAME]
    assert any("the integration exists: adopting it" in m for m in progress.lines)


def test_a_put_that_failed_and_made_nothing_is_sent_again(hostile: Hostile) -> None:
    hostile.script["PutIntegration"] = [("json", False, 500, UNAVAILABLE)]
    progress = Progress()
    kind = kind_for(hostile, max_attempts=3)
    created = run_and_close(kind, kind.create(make_spec(), progress))
    assert created.remote_id == NAME
    assert hostile.count("PutIntegration") == 2
    assert any("GetIntegration finds no integration" in m for m in progress.lines)


def test_a_put_made_but_not_yet_visible_is_adopted_when_the_retry_is_refused(
    hostile: Hostile,
) -> None:
    hostile.script["PutIntegration"] = [("json", True, 500, UNAVAILABLE)]
    lag = {"__type": "ResourceNotFoundException", "message": "not yet"}
    hostile.script["GetIntegration"] = [("json", False, 400, lag)]
    progress = Progress()
    kind = kind_for(hostile, max_attempts=3)
    created = run_and_close(kind, kind.create(make_spec(), progress))
    assert created.remote_id == NAME
    assert hostile.count("PutIntegration") == 2  # the second was refused: it exists
    assert any("made by an earlier attempt; adopting it" in m for m in progress.lines)


def test_puts_are_bounded(hostile: Hostile) -> None:
    hostile.script["PutIntegration"] = [("json", False, 500, UNAVAILABLE)] * 5
    kind = kind_for(hostile, max_attempts=3)
    error = failure(kind, kind.create(make_spec(), Progress()))
    assert str(error) == (
        f"AWS CloudWatch Logs: PutIntegration for {NAME} failed 3 times; last: "
        f"ServiceUnavailableException: try later (PutIntegration in {REGION}); "
        f"GetIntegration finds no integration {NAME}"
    )
    assert hostile.count("PutIntegration") == 3
    assert hostile.integrations == {}


def test_a_put_whose_outcome_nobody_can_tell_is_an_error_not_a_guess(hostile: Hostile) -> None:
    hostile.script["PutIntegration"] = [("json", True, 500, UNAVAILABLE)]
    hostile.script["GetIntegration"] = [("json", False, 500, UNAVAILABLE)]
    kind = kind_for(hostile, max_attempts=1)
    error = failure(kind, kind.create(make_spec(), Progress()))
    assert isinstance(error, LogsApiError)
    assert str(error).startswith(
        f"AWS CloudWatch Logs: PutIntegration for {NAME} may or may not have created it "
        "(ServiceUnavailableException: try later (PutIntegration in eu-west-1)), and "
        "GetIntegration could not tell (ServiceUnavailableException: try later"
    )
    assert hostile.count("PutIntegration") == 1


def test_a_refused_put_is_not_sent_again(hostile: Hostile) -> None:
    hostile.script["PutIntegration"] = [
        ("json", False, 400, {"__type": "ValidationException", "message": "bad role"})
    ]
    kind = kind_for(hostile, max_attempts=3)
    error = failure(kind, kind.create(make_spec(), Progress()))
    assert "ValidationException: bad role" in str(error)
    assert hostile.count("PutIntegration") == 1
    assert hostile.count("GetIntegration") == 0


# -- HTTPS -------------------------------------------------------------------------------------


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_with_the_ca_bundle_and_a_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = Hostile(tls=context)
    with serving(server.server, poll_interval=0.01):
        server.integrations[NAME] = "ACTIVE"
        monkeypatch.setenv("AWS_CA_BUNDLE", str(cert_file))
        kind = kind_for(server)
        found = run_and_close(kind, kind.list(REGION))
        assert [o.remote_id for o in found] == [NAME]
        server.script["ListIntegrations"] = [("trickle", False, 400, 0.05)]
        kind = kind_for(server, timeout_seconds=0.5)
        error = failure(kind, kind.list(REGION))
        assert "no complete answer" in str(error)
        monkeypatch.delenv("AWS_CA_BUNDLE")
        kind = kind_for(server)
        error = failure(kind, kind.list(REGION))
        assert f"SSL validation failed for {server.url}/" in str(error)
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
        server.release.set()


# -- the spec's own examples parse -------------------------------------------------------------

SHAPES = (
    Path(__file__).parents[1] / "sandbox" / "specs" / "cloudwatch-logs-integrations.shapes.json"
)


@pytest.mark.parametrize(
    "operation", ["PutIntegration", "GetIntegration", "ListIntegrations", "DeleteIntegration"]
)
def test_the_wire_examples_of_the_spec_pass_the_checks(operation: str) -> None:
    examples = json.loads(SHAPES.read_text())["wire_examples"][operation]
    answers = [v for k, v in examples.items() if k.startswith("response_200")]
    assert answers
    for example in answers:
        content = b"" if isinstance(example, str) else json.dumps(example).encode()
        logs_models.check_body(operation, 200, content)  # raises if refused
    if operation == "DeleteIntegration":
        logs_models.check_body(operation, 200, b"{}")

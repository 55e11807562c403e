"""The Datadog HTTP client against httpx.MockTransport and one real closed port."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.clients.datadog_http import DatadogClient, base_url, tls_verification
from reconciler.errors import ApiError, ConfigError
from reconciler.redact import MAX_EXCERPT
from reconciler.settings import DatadogSettings

KEYS = {"DD_API_KEY": "api-key-0123456789", "DD_APP_KEY": "app-key-9876543210"}
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)


def client(
    handler: Handler,
    *,
    retries: int = 3,
    env: dict[str, str] | None = None,
    sleeps: list[float] | None = None,
) -> DatadogClient:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return DatadogClient(
        DatadogSettings(api_url="https://dd.test", max_retries=retries, timeout_seconds=2),
        env=KEYS if env is None else env,
        transport=httpx.MockTransport(handler),
        backoff_seconds=0.01,
        sleep=sleep,
    )


def call(c: DatadogClient, method: str = "GET", path: str = "/api/v2/x", **kw: Any) -> Any:
    async def run() -> Any:
        try:
            return await c.request(method, path, **kw)
        finally:
            await c.aclose()

    return asyncio.run(run())


def api_error(
    c: DatadogClient, method: str = "GET", path: str = "/api/v2/x", **kw: Any
) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(c, method, path, **kw)
    return info.value


@pytest.mark.parametrize(
    "settings, env, url",
    [
        (
            DatadogSettings(api_url="http://127.0.0.1:8126/"),
            {"DD_HOST": "x"},
            "http://127.0.0.1:8126",
        ),
        (DatadogSettings(), {"DD_HOST": "api.example.test"}, "https://api.example.test"),
        (
            DatadogSettings(site="datadoghq.eu"),
            {"DD_SITE": "us5.datadoghq.com"},
            "https://api.datadoghq.eu",
        ),
        (DatadogSettings(), {"DD_SITE": "us5.datadoghq.com"}, "https://api.us5.datadoghq.com"),
        (DatadogSettings(), {}, "https://api.datadoghq.com"),
    ],
)
def test_base_url_precedence(settings: DatadogSettings, env: dict[str, str], url: str) -> None:
    assert base_url(settings, env) == url


def test_tls_is_verified_against_the_ca_bundle_for_https_and_trusts_nothing_for_http() -> None:
    assert tls_verification("https://api.datadoghq.eu") is True
    assert tls_verification("HTTPS://api.datadoghq.eu") is True
    plain = tls_verification("http://127.0.0.1:8080")
    assert isinstance(plain, ssl.SSLContext)
    # No certificate loaded, and one still required: any TLS made through it fails.
    assert plain.get_ca_certs() == [] and plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode is ssl.CERT_REQUIRED and plain.check_hostname


def test_unknown_dd_site_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"DD_SITE 'datadoghq\.con' is not a Datadog site"):
        base_url(DatadogSettings(), {"DD_SITE": "datadoghq.con"})


def test_missing_key_is_reported_only_when_a_call_is_made() -> None:
    rec = Recorder(httpx.Response(200, json={}))
    c = client(rec, env={"DD_APP_KEY": "app"})  # building it reads nothing
    with pytest.raises(ConfigError, match=r"^DD_API_KEY is not set"):
        call(c)
    assert rec.requests == []


def test_keys_travel_in_headers() -> None:
    rec = Recorder(httpx.Response(200, json={"data": []}))
    assert call(client(rec)) == {"data": []}
    sent = rec.requests[0]
    assert sent.headers["DD-API-KEY"] == KEYS["DD_API_KEY"]
    assert sent.headers["DD-APPLICATION-KEY"] == KEYS["DD_APP_KEY"]
    assert str(sent.url) == "https://dd.test/api/v2/x"


def test_429_waits_for_the_rate_limit_reset_then_succeeds() -> None:
    limited = httpx.Response(
        429,
        headers={"X-RateLimit-Reset": "2", "X-RateLimit-Name": "aws_accounts"},
        json={"errors": ["Too many requests"]},
    )
    rec = Recorder(limited, httpx.Response(200, json={"ok": True}))
    sleeps: list[float] = []
    notes: list[str] = []
    assert call(client(rec, sleeps=sleeps), on_retry=notes.append) == {"ok": True}
    assert sleeps == [2.0]
    assert len(rec.requests) == 2
    assert notes == ["GET /api/v2/x: HTTP 429; retrying in 2.0s"]


def test_429_wait_is_capped() -> None:
    limited = httpx.Response(429, headers={"X-RateLimit-Reset": "3600"})
    sleeps: list[float] = []
    call(client(Recorder(limited, httpx.Response(204)), sleeps=sleeps))
    assert sleeps == [60.0]


def test_5xx_exhaustion_becomes_an_api_error() -> None:
    rec = Recorder(*[httpx.Response(503, text="upstream down") for _ in range(3)])
    sleeps: list[float] = []
    err = api_error(client(rec, retries=2, sleeps=sleeps), "PATCH", "/api/v2/y")
    assert len(rec.requests) == 3
    assert sleeps == [0.01, 0.02]  # exponential backoff
    assert err.status == 503
    assert err.retryable
    assert str(err) == "Datadog: PATCH /api/v2/y: HTTP 503: Service Unavailable"


def test_403_names_the_call_and_the_api_reason_without_keys() -> None:
    body = {
        "errors": [
            {
                "status": "403",
                "title": "Forbidden",
                "detail": "Failed permission authorization checks",
            }
        ]
    }
    err = api_error(client(Recorder(httpx.Response(403, json=body))), "POST", "/api/v2/z")
    assert err.status == 403
    assert not err.retryable
    assert str(err) == (
        "Datadog: POST /api/v2/z: HTTP 403: Forbidden: Failed permission authorization checks"
    )
    for key in KEYS.values():
        assert key not in str(err)


def test_string_errors_and_meta_are_both_read() -> None:
    plain = httpx.Response(400, json={"errors": ["Bad Request", "invalid tag"]})
    assert str(api_error(client(Recorder(plain)))).endswith("HTTP 400: Bad Request; invalid tag")
    meta = httpx.Response(
        400,
        json={
            "errors": [
                {
                    "status": "400",
                    "title": "Bad Request",
                    "detail": "invalid value",
                    "meta": {"aws_partition": "invalid partition: aws-invalid"},
                }
            ]
        },
    )
    assert str(api_error(client(Recorder(meta)))).endswith(
        "HTTP 400: Bad Request: invalid value (aws_partition: invalid partition: aws-invalid)"
    )


def test_an_echoed_secret_is_redacted() -> None:
    echo = httpx.Response(400, json={"errors": ["bad secret_access_key s3cr3t-value"]})
    err = api_error(client(Recorder(echo)), "POST", "/api/v2/z", redact=["s3cr3t-value"])
    assert "s3cr3t-value" not in str(err)
    assert "(sensitive)" in str(err)


def test_unreachable_api_is_one_clear_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = DatadogClient(
        DatadogSettings(api_url=f"http://127.0.0.1:{port}", max_retries=1, timeout_seconds=2),
        env=KEYS,
        backoff_seconds=0.01,
    )
    err = api_error(c)
    assert str(err).startswith(f"Datadog: cannot reach http://127.0.0.1:{port}: ")
    assert "(GET /api/v2/x)" in str(err)
    assert err.status is None
    for key in KEYS.values():
        assert key not in str(err)


def test_connection_errors_are_retried() -> None:
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("connection reset", request=request)
        return httpx.Response(200, json={"ok": 1})

    assert call(client(flaky)) == {"ok": 1}
    assert calls == 2


def test_a_success_that_is_not_json_is_an_api_error() -> None:
    html = httpx.Response(
        200, text="<html>proxy login</html>", headers={"content-type": "text/html"}
    )
    err = api_error(client(Recorder(html)))
    assert str(err) == "Datadog: GET /api/v2/x: HTTP 200 with a body that is not JSON (text/html)"


@pytest.mark.parametrize("offset", [-30, -20, -10, -3, 0, 5])
def test_a_secret_echoed_across_the_length_cut_is_redacted_whole(offset: int) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # 40 characters, like an AWS secret key
    # Where the secret starts in the error text; MAX_EXCERPT (400) cuts it there.
    start = MAX_EXCERPT - 3 + offset
    text = "x" * start + secret + " is not a valid secret_access_key"
    echo = httpx.Response(400, json={"errors": [text]})
    err = api_error(client(Recorder(echo)), "POST", "/api/v2/z", redact=[secret])
    message = str(err)
    for n in range(8, len(secret) + 1):
        assert secret[:n] not in message, f"{n} characters of the secret leaked"
    assert len(message) < 500

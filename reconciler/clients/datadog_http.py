"""A small async client for Datadog's HTTP API: where to connect, keys, retries, error messages.

Nothing here knows about AWS accounts; the kind builds paths and bodies (and checks them
against ``datadog_models``). The ``httpx.AsyncClient`` is created on the first request, so
building a client reads no environment and opens nothing. Keys travel only in headers, are
registered with ``reconciler.redact`` when read, and no message built here includes a header.

Every request has a total deadline (``[datadog] timeout_seconds``): httpx's own timeouts are
per phase and per read, so a body trickling one byte a second would never trip them.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import httpx

from reconciler import printable
from reconciler import redact as redaction
from reconciler.clients.rate_pacing import RatePacer
from reconciler.errors import ApiError, ConfigError
from reconciler.settings import DATADOG_SITES, DatadogSettings

SERVICE = "Datadog"
MAX_RATE_LIMIT_WAIT = 60.0  # never sleep longer than this for one 429, whatever the header says
MAX_BACKOFF = 10.0

Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[str], None]


def base_url(settings: DatadogSettings, env: Mapping[str, str]) -> str:
    """settings.api_url, else DD_HOST, else https://api.<site> (settings.site, DD_SITE,
    datadoghq.com)."""
    url = settings.api_url or env.get("DD_HOST")
    if url:
        if "://" not in url:
            url = "https://" + url
        return url.rstrip("/")
    site = settings.site or env.get("DD_SITE") or "datadoghq.com"
    if site not in DATADOG_SITES:
        # A typo here would send the API keys to someone else's host.
        raise ConfigError(
            f"DD_SITE {site!r} is not a Datadog site; expected one of {', '.join(DATADOG_SITES)}"
        )
    return f"https://api.{site}"


def tls_verification(url: str) -> ssl.SSLContext | bool:
    """What httpx verifies TLS with: its default (the bundled CA certificates) for https; for
    a plain http URL (a local sandbox), where there is no TLS, a context that trusts no
    certificate at all (loading the CA bundle costs about 0.04 s of CPU, for nothing; any
    TLS connection made through it anyway, through a proxy say, fails verification)."""
    if url.lower().startswith("https://"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies hostnames and certificates


class DatadogClient:
    def __init__(
        self,
        settings: DatadogSettings,
        *,
        env: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_seconds: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        key_variables: tuple[str, str] = ("DD_API_KEY", "DD_APP_KEY"),
        org: str | None = None,
    ) -> None:
        self._settings = settings
        self._key_variables = key_variables
        self._org = org  # a named organisation: said in every message
        self._env = env
        self._transport = transport
        self._backoff = backoff_seconds
        self._sleep = sleep
        self._clock = clock
        self._pacer = RatePacer()
        self._http: httpx.AsyncClient | None = None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            env = os.environ if self._env is None else self._env
            url = base_url(self._settings, env)
            headers = {"Accept": "application/json", "Content-Type": "application/json"}
            names = ("DD-API-KEY", "DD-APPLICATION-KEY")
            for var, header in zip(self._key_variables, names, strict=True):
                value = env.get(var, "")
                if not value:
                    whose = "" if self._org is None else f" ([datadog.orgs.{self._org}])"
                    raise ConfigError(
                        f"{var} is not set: export it to talk to the Datadog API{whose}"
                    )
                redaction.register(value)
                headers[header] = value
            headers["X-Datadog-Managed-By"] = "iac"
            self._http = httpx.AsyncClient(
                base_url=url,
                headers=headers,
                timeout=self._settings.timeout_seconds,
                transport=self._transport,
                verify=tls_verification(url),
            )
        return self._http

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        redact: Iterable[str] = (),
        on_retry: OnRetry | None = None,
    ) -> Any:
        """Send one request, retrying 429, 5xx, connection failures and missed deadlines.
        Returns the decoded JSON body (None when empty). Any failure is an ``ApiError``;
        ``redact`` lists values (secrets sent in the body) that must not appear in its
        message even if echoed back.

        A write whose reply is lost is sent again: the kind resolves what that means (a POST
        answered 409, a DELETE answered 404)."""
        http = self._client()
        where = f"{method} {path}" + ("" if self._org is None else f" (org {self._org})")
        attempts = self._settings.max_retries + 1
        deadline = self._settings.timeout_seconds
        for attempt in range(attempts):
            last = attempt == attempts - 1
            # An earlier answer said this rate-limit period is used up: wait for the next.
            pause = min(self._pacer.delay(self._clock()), MAX_RATE_LIMIT_WAIT)
            if pause > 0:
                _note(on_retry, f"{where}: rate limit reached; waiting {pause:.1f}s")
                await self._sleep(pause)
                self._pacer.waited()
            sent = self._clock()
            try:
                # The whole exchange (connect, send, headers, every byte of the body) must
                # finish in time; the non-streaming request reads the body before returning.
                async with asyncio.timeout(deadline):
                    response = await http.request(method, path, params=params, json=json)
            except (httpx.TransportError, TimeoutError) as exc:
                if isinstance(exc, TimeoutError):
                    reason = (
                        f"no complete answer from {http.base_url} within {deadline:g}s "
                        "([datadog] timeout_seconds)"
                    )
                else:
                    reason = f"cannot reach {http.base_url}: " + redaction.excerpt(
                        str(exc) or type(exc).__name__, redact
                    )
                if last:
                    raise ApiError(
                        f"{reason} ({where})",
                        service=SERVICE,
                        retryable=True,
                    ) from None
                delay = self._backoff_delay(attempt)
                _note(on_retry, f"{where}: {reason}; retrying in {delay:.1f}s")
                await self._sleep(delay)
                continue
            status = response.status_code
            received = self._clock()
            self._pacer.observe(response.headers, sent, received, refused=status == 429)
            if status < 400:
                return _decode(response, where, redact)
            retryable = status == 429 or status >= 500
            if retryable and not last:
                delay = (
                    self._rate_limit_delay(received, attempt)
                    if status == 429
                    else self._backoff_delay(attempt)
                )
                _note(on_retry, f"{where}: HTTP {status}; retrying in {delay:.1f}s")
                await self._sleep(delay)
                if status == 429:
                    self._pacer.waited()
                continue
            raise ApiError(
                f"{where}: HTTP {status}: {error_text(response, redact)}",
                service=SERVICE,
                status=status,
                retryable=retryable,
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff_delay(self, attempt: int) -> float:
        return min(self._backoff * 2.0**attempt, MAX_BACKOFF)

    def _rate_limit_delay(self, received: float, attempt: int) -> float:
        # Until the period ends, as closely as the answers so far place it (at most
        # X-RateLimit-Reset, the whole seconds this 429 gave); without the header, backoff.
        delay = self._pacer.delay(received)
        if delay <= 0:
            return self._backoff_delay(attempt)
        return min(delay, MAX_RATE_LIMIT_WAIT)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def error_text(response: httpx.Response, redact: Iterable[str] = ()) -> str:
    """The API's own words, as a bounded excerpt without any secret (registered ones and
    every value of ``redact``, in any encoding) or control character. Datadog documents
    ``{"errors": ["text"]}`` but sends JSON:API error objects
    (``{"errors": [{"title", "detail", "meta"}]}``); both are read."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts = _error_parts(body)
    if not parts:
        parts.append(response.reason_phrase or "no error details")
    return redaction.excerpt("; ".join(parts), redact)


def _error_parts(body: Any) -> list[str]:
    parts: list[str] = []
    errors = body.get("errors") if isinstance(body, dict) else None
    for item in errors if isinstance(errors, list) else ():
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict):
            text = ": ".join(
                str(item[k]) for k in ("title", "detail") if isinstance(item.get(k), str)
            )
            meta = item.get("meta")
            if isinstance(meta, dict) and meta:
                text += " (" + "; ".join(f"{k}: {v}" for k, v in meta.items()) + ")"
            if text:
                parts.append(text)
    return parts


def _decode(response: httpx.Response, where: str, redact: Iterable[str]) -> Any:
    """The JSON of a success. An empty body is None (DELETE answers 204); a body that is not
    JSON, or a success that carries an error body, is an ``ApiError``: nothing may be
    planned or recorded from it."""
    if not response.content:
        return None
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        raise ApiError(
            f"{where}: HTTP {status} with a body that is not JSON "
            f"({printable.printable(response.headers.get('content-type', 'no content-type'))})",
            service=SERVICE,
            status=status,
        ) from None
    if isinstance(body, dict) and "errors" in body:
        detail = "; ".join(_error_parts(body)) or "no error details"
        raise ApiError(
            f"{where}: HTTP {status} with an error body: {redaction.excerpt(detail, redact)}",
            service=SERVICE,
            status=status,
        )
    return body


def _note(on_retry: OnRetry | None, message: str) -> None:
    if on_retry is not None:
        on_retry(message)

"""The HTTP transport of the boto3 "logs" clients: one request, one total deadline.

botocore's own transport (urllib3) has a connect timeout and a *per read* timeout: a body that
trickles one byte a second never trips it, and the call, which runs in a worker thread, cannot
be cancelled from asyncio (``asyncio.wait_for`` would only stop waiting; the thread and its
socket would go on). So the clients send through this transport instead, registered on
botocore's ``before-send`` event (a handler that returns a response replaces the send; signing,
retries and parsing stay botocore's):

- the request goes over a fresh ``http.client`` connection whose every socket operation is
  bounded by the deadline, and a watchdog timer shuts the socket down when the deadline
  passes. A shut-down socket makes the blocked ``recv`` in the worker thread return at once,
  whatever phase it is in (headers, body, TLS), so the request really stops, and the thread
  with it;
- the raw body is read here, so a 2xx is checked (``logs_models.check_body``) before botocore
  parses it and drops what it does not know;
- the failures are raised as botocore's own exceptions (``ReadTimeoutError`` at the deadline,
  ``ConnectionClosedError`` for a dropped connection, ``EndpointConnectionError`` when nothing
  answers), so botocore's retry policy still applies to them.

Connections are not reused: a few requests per region and run do not need a pool, and a fresh
connection is one the watchdog can kill without harming another request. Proxies are taken
from the environment (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``), as botocore does.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from reconciler import redact
from reconciler.clients import logs_models

MAX_BODY = 16 * 1024 * 1024  # no answer of these four operations comes near this
CHUNK = 64 * 1024

# (operation, status, detail) -> the exception to raise for a 2xx that cannot be trusted.
BadAnswer = Callable[[str, int, str], Exception]


class DeadlineTransport:
    def __init__(
        self,
        *,
        deadline: float,
        connect_timeout: float,
        ca_bundle: str | None,
        credentials: Any,
        bad_answer: BadAnswer,
    ) -> None:
        self._deadline = deadline
        self._connect_timeout = min(connect_timeout, deadline)
        self._ca_bundle = ca_bundle
        self._credentials = credentials  # botocore Credentials (refreshable) or None
        self._bad_answer = bad_answer
        self._context: ssl.SSLContext | None = None

    def register(self, events: Any) -> None:
        events.register("before-send", self)

    def __call__(self, request: Any, **kwargs: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from botocore.compat import HTTPHeaders

        self._register_secrets(request)
        operation = _text(request.headers.get("X-Amz-Target", "")).rpartition(".")[2]
        status, header_list, content = self._exchange(request)
        if 200 <= status < 300:
            try:
                logs_models.check_body(operation, status, content)
            except logs_models.BadAnswer as exc:
                raise self._bad_answer(operation, status, str(exc)) from None
        headers = HTTPHeaders()
        for name, value in header_list:
            headers[name] = value
        return AWSResponse(request.url, status, headers, _Raw(content))

    # -- secrets ---------------------------------------------------------------------------
    def _register_secrets(self, request: Any) -> None:
        # Refreshable credentials change while the process runs: register what is current.
        if self._credentials is not None:
            frozen = self._credentials.get_frozen_credentials()
            redact.register(frozen.secret_key)
            redact.register(frozen.token)
        token = request.headers.get("X-Amz-Security-Token")
        if token:
            redact.register(token.decode() if isinstance(token, bytes) else str(token))

    # -- the exchange ------------------------------------------------------------------------
    def _exchange(self, request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        from botocore import exceptions as bx

        url = str(request.url)
        conn, target = self._connection(url)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            sock = conn.sock
            if sock is not None:
                # The plain socket's shutdown (not SSLSocket's, which drops its SSL object
                # under a reader in the other thread): the fd is shut for both directions
                # and the blocked recv returns.
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        watchdog = threading.Timer(self._deadline, expire)
        watchdog.daemon = True
        watchdog.start()
        phase = "connect"
        try:
            conn.connect()  # bounded by the connect timeout (and the watchdog)
            if conn.sock is not None:
                conn.sock.settimeout(self._deadline)
            phase = "send"
            body = _body_bytes(request.body)
            headers = {str(k): _text(v) for k, v in request.headers.items()}
            conn.putrequest(
                str(request.method),
                target,
                skip_host="host" in (k.lower() for k in headers),
                skip_accept_encoding=True,
            )
            if body is not None and "content-length" not in (k.lower() for k in headers):
                headers["Content-Length"] = str(len(body))
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders(body)
            phase = "answer"
            response = conn.getresponse()
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read1(CHUNK):
                size += len(chunk)
                if size > MAX_BODY:
                    raise bx.ConnectionClosedError(endpoint_url=url)
                chunks.append(chunk)
            if expired.is_set():  # the watchdog cut the body short: never a partial answer
                raise TimeoutError("deadline")
            return response.status, response.getheaders(), b"".join(chunks)
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set() or isinstance(exc, TimeoutError):
                raise bx.ReadTimeoutError(endpoint_url=url, error=exc) from None
            if isinstance(exc, ssl.SSLCertVerificationError):
                raise bx.SSLError(endpoint_url=url, error=exc) from None
            if phase == "connect":
                raise bx.EndpointConnectionError(endpoint_url=url, error=exc) from None
            raise bx.ConnectionClosedError(endpoint_url=url) from None
        finally:
            watchdog.cancel()
            conn.close()

    def _connection(self, url: str) -> tuple[http.client.HTTPConnection, str]:
        """A connection to ``url``'s host (through a proxy if the environment names one)
        and the request target to send."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        proxy = _proxy_for(parts.scheme, host)
        timeout = self._connect_timeout
        conn: http.client.HTTPConnection
        if proxy is None:
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(
                    host, port, timeout=timeout, context=self._ssl_context()
                )
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
            return conn, path
        proxy_parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        proxy_host = proxy_parts.hostname or ""
        proxy_port = proxy_parts.port or 8080
        auth: dict[str, str] = {}
        if proxy_parts.username is not None:
            user = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
            auth["Proxy-Authorization"] = "Basic " + base64.b64encode(user.encode()).decode()
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                proxy_host, proxy_port, timeout=timeout, context=self._ssl_context()
            )
            conn.set_tunnel(host, port, headers=auth)
            return conn, path
        conn = http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout)
        return conn, url

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            from botocore.httpsession import get_cert_path

            # The CA bundle botocore would use: [profile] ca_bundle / AWS_CA_BUNDLE, else its
            # default (certifi when installed).
            self._context = ssl.create_default_context(
                cafile=self._ca_bundle or get_cert_path(True)
            )
        return self._context


class _Raw:
    """What ``AWSResponse`` reads its content from."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **kwargs: Any) -> list[bytes]:
        return [self._content]


def _proxy_for(scheme: str, host: str) -> str | None:
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy


def _body_bytes(body: Any) -> bytes | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    data = body.read()
    return data if isinstance(data, bytes) else str(data).encode("utf-8")


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)

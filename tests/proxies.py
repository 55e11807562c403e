"""A loopback HTTP proxy in front of a sandbox, for the tests that change what an API answers:
every request is forwarded unless ``intercept`` answers it first, and ``rewrite`` may change
a forwarded answer on its way back."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.loopback import send, serving, url_of

# An answer: status, headers (without the framing ones), body.
Answer = tuple[int, list[tuple[str, str]], bytes]
# (the request as received, its body) -> an answer in place of the API's, or None to forward.
Intercept = Callable[[BaseHTTPRequestHandler, bytes], Answer | None]
# (the request as received, the API's answer) -> the answer the client gets.
Rewrite = Callable[[BaseHTTPRequestHandler, Answer], Answer]

_FRAMING = ("content-length", "connection", "transfer-encoding")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that hangs up (a deadline) is no news here


class Proxy:
    def __init__(
        self,
        upstream: str,
        *,
        intercept: Intercept | None = None,
        rewrite: Rewrite | None = None,
    ) -> None:
        split = urlsplit(upstream)
        host, port = split.hostname or "127.0.0.1", split.port or 80

        def forward(request: BaseHTTPRequestHandler, body: bytes) -> Answer:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            conn.request(request.command, request.path, body=body or None, headers=headers)
            response = conn.getresponse()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _FRAMING]
            answer = (response.status, kept, response.read())
            conn.close()
            return rewrite(request, answer) if rewrite is not None else answer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = intercept(self, body) if intercept is not None else None
                status, headers, content = answer or forward(self, body)
                send(self, status, content, headers)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self._serving = serving(self.server)
        self._serving.__enter__()

    @property
    def url(self) -> str:
        return url_of(self.server)

    def close(self) -> None:
        self._serving.__exit__(None, None, None)

    def __enter__(self) -> Proxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

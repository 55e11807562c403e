"""A loopback HTTP proxy that forwards every request to an upstream server and, for the
requests a rule picks, drops the reply: the upstream has done the work, the client sees the
connection closed without an answer (what a lost reply looks like), and botocore retries.

Threads and sockets only. Bounded: it serves at most ``max_requests`` requests and stops by
itself after ``lifetime`` seconds even if nobody stops it; every socket has a timeout.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

SOCKET_TIMEOUT = 10.0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    status: int  # the upstream's answer
    dropped: bool


Rule = Callable[[str, str, dict[str, str]], bool]  # (method, path, headers) -> drop the reply?


def drop_first(method: str, path_end: str, header: str | None = None, times: int = 1) -> Rule:
    """Drop the replies to the first ``times`` requests with ``method`` whose path ends with
    ``path_end`` (and that carry ``header``, case-insensitive, when given)."""
    left = [times]
    guard = threading.Lock()

    def rule(m: str, path: str, headers: dict[str, str]) -> bool:
        if m != method or not urlsplit(path).path.endswith(path_end):
            return False
        if header is not None and header.lower() not in headers:
            return False
        with guard:
            if left[0] <= 0:
                return False
            left[0] -= 1
            return True

    return rule


@dataclass
class LossyProxy:
    upstream: str  # http://host:port
    drop: Rule
    max_requests: int = 200
    lifetime: float = 60.0
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        assert parts.hostname is not None and parts.port is not None
        self._target = (parts.hostname, parts.port)
        self._guard = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.timeout = SOCKET_TIMEOUT
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def dropped(self) -> list[Seen]:
        return [s for s in self.seen if s.dropped]

    def start(self) -> LossyProxy:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LossyProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _record(self, seen: Seen) -> bool:
        """Record one request; False once the budget of requests is spent."""
        with self._guard:
            if len(self.seen) >= self.max_requests:
                return False
            self.seen.append(seen)
            return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
            timeout = SOCKET_TIMEOUT

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                length = int(headers.get("content-length", "0"))
                body = self.rfile.read(length) if length else b""
                conn = http.client.HTTPConnection(*proxy._target, timeout=SOCKET_TIMEOUT)
                try:
                    sent = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
                    conn.request(self.command, self.path, body=body, headers=sent)
                    reply = conn.getresponse()
                    data = reply.read()
                finally:
                    conn.close()
                drop = proxy.drop(self.command, self.path, headers)
                if not proxy._record(Seen(self.command, self.path, headers, reply.status, drop)):
                    drop = True  # over budget: answer nothing more
                if drop:
                    # The work is done upstream; the client gets no answer at all.
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response_only(reply.status, reply.reason)
                skip = ("transfer-encoding", "connection", "content-length")
                for name, value in reply.getheaders():
                    if name.lower() not in skip:
                        self.send_header(name, value)
                told = reply.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", told or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        return Handler

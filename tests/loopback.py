"""Serving a test's own HTTP server on loopback from a daemon thread."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx

AWS_JSON = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", "req-1")]
JSON = [("Content-Type", "application/json")]

# One client for the tests' plain-HTTP requests to a sandbox on loopback: ``httpx.get`` builds
# a client, and a TLS context from the CA bundle (about 30 ms of CPU), on every call.
HTTP = httpx.Client(verify=False, timeout=10)


def url_of(server: HTTPServer, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.server_address[1]}"


@contextmanager
def serving(server: HTTPServer, poll_interval: float = 0.5) -> Iterator[HTTPServer]:
    """``server`` answering from a daemon thread until the block ends; then shut and closed."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Answer ``handler``'s request: ``status``, ``headers``, the length, ``body``."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)

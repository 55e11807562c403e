"""Serving a test's own HTTP server on loopback from a daemon thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer


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

"""HTTP plumbing: one loopback server speaking both APIs, with latency, faults and rate limits.

Routing: ``/_sandbox/...`` are the sandbox's own controls; every other request goes to the
registered API that claims it (``wire.Api``): Datadog claims ``/api/v2/integration/aws/...``,
CloudWatch Logs ``POST /`` with an ``X-Amz-Target`` header, STS ``POST /`` with a form body.
"""

from __future__ import annotations

import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from reconciler.sandbox import admin, datadog, logs, sts
from reconciler.sandbox.faults import Fault, FaultPlan
from reconciler.sandbox.options import SandboxOptions
from reconciler.sandbox.ratelimit import RateLimits
from reconciler.sandbox.store import Store
from reconciler.sandbox.wire import Api, Reply, Request, json_reply

log = logging.getLogger("reconciler.sandbox")


class App:
    """Everything behind the socket: turns a Request into a Reply."""

    def __init__(self, options: SandboxOptions, store: Store) -> None:
        self.options = options
        self.store = store
        self.faults = FaultPlan(
            seed=options.seed,
            error_rate=options.error_rate,
            throttle_rate=options.throttle_rate,
            drop_rate=options.drop_rate,
        )
        # The emulated APIs, each claiming its own requests: adding one is one line here.
        self.apis: list[Api] = [
            datadog.DatadogApi(
                store,
                RateLimits(options.rate_limit, options.rate_period),
                shuffle_lists=options.shuffle_lists,
            ),
            logs.LogsApi(store, provisioning_seconds=options.provisioning_seconds),
            sts.StsApi(store),
        ]

    def respond(self, req: Request) -> Reply:
        if req.path.startswith(admin.PREFIX + "/"):
            return admin.handle(self.store, req)  # the sandbox's own controls: no faults
        api = next((a for a in self.apis if a.claims(req)), None)
        if api is None:
            return json_reply(
                404, {"error": f"nothing here: {req.method} {req.path}"}, "application/json"
            )
        if self.options.latency_ms:
            time.sleep(self.options.latency_ms / 1000)
        fault, rng = self.faults.next()
        if fault is Fault.DROP:
            return Reply(0, drop=True)
        return api.handle(req, fault, rng)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add about 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        req = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.app.respond(req)
        except Exception:
            log.exception("sandbox error on %s %s", req.method, req.path)
            reply = json_reply(500, {"error": "sandbox internal error"}, "application/json")
        if reply.drop:
            log.info("%s %s -> connection dropped", req.method, req.path)
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.body:
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        # Only the request line and status: never headers (they carry keys) or bodies.
        log.info("%s", format % args)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that goes away mid-answer (killed, timed out) is routine for a server:
        # logged, never printed as a traceback on the terminal of whoever runs it.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            log.info("client %s went away: %s", client_address, type(exc).__name__)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__((app.options.host, app.options.port), _Handler)

"""An API that echoes the secret it was sent, in every encoding an API or a tool might use,
must not get it shown: not in any output (human, JSON, markdown, errors) nor in any file the
tool writes (state, plan file)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, cloud_env
from tests.echoes import echoed_forms

SECRET = 'Ech0ed/Secret+Value="with&odd chars"'
ENV = {"ECHO_SECRET": SECRET}

CONFIG = """
[datadog_aws_account.keys]
aws_account_id = "333333333333"
auth_config = { access_key_id = "AKIAECHO00000000001", secret_access_key = "${env:ECHO_SECRET}" }
"""


class EchoingApi:
    """Forwards reads to the sandbox; answers every write 400, quoting the sent secret."""

    def __init__(self, upstream: str) -> None:
        split = urlsplit(upstream)
        host, port = split.hostname or "127.0.0.1", split.port or 80

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if self.command in ("POST", "PATCH") and "/api/v2/" in self.path:
                    sent = json.loads(data)["data"]["attributes"]["auth_config"]
                    secret = sent.get("secret_access_key", "")
                    errors: list[Any] = [f"bad key {form}" for form in echoed_forms(secret)]
                    errors.append({"title": "Bad", "detail": "x", "meta": {"key": secret}})
                    content = json.dumps({"errors": errors}).encode()
                    status, headers = 400, [("Content-Type", "application/json")]
                else:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                    forwarded = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    conn.request(self.command, self.path, body=data or None, headers=forwarded)
                    response = conn.getresponse()
                    content, status = response.read(), response.status
                    headers = [
                        (k, v)
                        for k, v in response.getheaders()
                        if k.lower() not in ("content-length", "connection", "transfer-encoding")
                    ]
                    conn.close()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def echoing(tmp_path: Path, cloud: Sandbox) -> Iterator[Workspace]:
    api = EchoingApi(cloud.url)
    root = tmp_path / "work"
    root.mkdir()
    ws = Workspace(root=root, datadog_url=api.url, aws_url=cloud.url, env={**cloud_env(), **ENV})
    ws.datadog["max_retries"] = 0
    yield ws
    api.server.shutdown()
    api.server.server_close()


def test_an_echoed_secret_is_shown_nowhere(echoing: Workspace) -> None:
    ws = echoing
    ws.write(CONFIG)
    outputs = [
        ws.plan("--out", "plan.json"),
        ws.plan("--format", "json"),
        ws.plan("--format", "markdown"),
        ws.cli("apply", "plan.json"),
        ws.apply(),
    ]
    assert outputs[-1].code == 1, outputs[-1].show()
    assert "HTTP 400" in outputs[-1].text and "bad key" in outputs[-1].text
    files = [p for p in ws.root.rglob("*") if p.is_file()]
    assert any(p.name == "plan.json" for p in files)
    for form in echoed_forms(SECRET):
        for result in outputs:
            assert form not in result.text, (form, result.show())
        for path in files:
            assert form.encode() not in path.read_bytes(), (form, path)

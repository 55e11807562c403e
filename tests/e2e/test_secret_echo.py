"""An API that echoes the secret it was sent, in every encoding an API or a tool might use,
must not get it shown: not in any output (human, JSON, markdown, errors) nor in any file the
tool writes (state, plan file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, cloud_env
from tests.echoes import echoed_forms
from tests.proxies import Answer, Proxy

SECRET = 'Ech0ed/Secret+Value="with&odd chars"'
ENV = {"ECHO_SECRET": SECRET}

CONFIG = """
[datadog_aws_account.keys]
aws_account_id = "333333333333"
auth_config = { access_key_id = "AKIAECHO00000000001", secret_access_key = "${env:ECHO_SECRET}" }
"""


def echo_the_secret(request: BaseHTTPRequestHandler, body: bytes) -> Answer | None:
    """Every Datadog write answered 400, quoting the secret it sent; reads go through."""
    if request.command not in ("POST", "PATCH") or "/api/v2/" not in request.path:
        return None
    secret = json.loads(body)["data"]["attributes"]["auth_config"].get("secret_access_key", "")
    errors: list[Any] = [f"bad key {form}" for form in echoed_forms(secret)]
    errors.append({"title": "Bad", "detail": "x", "meta": {"key": secret}})
    return 400, [("Content-Type", "application/json")], json.dumps({"errors": errors}).encode()


@pytest.fixture
def echoing(tmp_path: Path, cloud: Sandbox) -> Iterator[Workspace]:
    root = tmp_path / "work"
    root.mkdir()
    with Proxy(cloud.url, intercept=echo_the_secret) as api:
        ws = Workspace.on(root, api.url, aws_url=cloud.url, env={**cloud_env(), **ENV})
        ws.datadog["max_retries"] = 0
        yield ws


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

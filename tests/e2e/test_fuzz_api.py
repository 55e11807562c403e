"""Seeded fuzzing of API answers: a proxy in front of the sandbox garbles the answers of the
read calls (Datadog's account list, CloudWatch Logs' ListIntegrations and GetIntegration) in
ways no real answer takes, each way under both plan and apply. Nothing may be planned from such
an answer: every plan and apply exits 1 with an error naming the API, no traceback, no
"internal error", and neither the state nor the cloud moves (the configuration is already
applied, so only reads are in play)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, cloud_env
from tests.proxies import Answer, Proxy
from tests.toml_blocks import account, logs

SEED = 7_11_2026

CONFIG = (
    account("role", "111111111111")
    + account("other", "222222222222")
    + logs("vended", "vended", retention_days=7)
)

Garble = Callable[[Any, random.Random], bytes]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _truncated(doc: Any, rng: random.Random) -> bytes:
    raw = _json(doc)
    return raw[: rng.randrange(1, max(2, len(raw) - 1))]


def _not_an_object(doc: Any, rng: random.Random) -> bytes:
    return _json(rng.choice([[], "ok", None, 42, [doc]]))


def _datadog_item(doc: Any, rng: random.Random) -> bytes:
    items = doc["data"]
    i = rng.randrange(len(items))
    broken = rng.choice(["no id", "no attributes", "no account", "not object", "twice", "type"])
    if broken == "no id":
        del items[i]["id"]
    elif broken == "no attributes":
        del items[i]["attributes"]
    elif broken == "no account":
        del items[i]["attributes"]["aws_account_id"]
    elif broken == "not object":
        items[i] = rng.choice(["x", 1, None, []])
    elif broken == "twice":
        items.append(
            json.loads(json.dumps(items[i])) | {"id": "f" * 8 + "-0000-4000-8000-" + "0" * 12}
        )
    else:
        items[i]["attributes"]["aws_account_id"] = 111111111111
    return _json(doc)


def _datadog_error_body(doc: Any, rng: random.Random) -> bytes:
    return _json({"errors": [rng.choice(["Forbidden", {"title": "Bad", "detail": "x"}])]})


def _logs_error_body(doc: Any, rng: random.Random) -> bytes:
    return _json({"__type": rng.choice(["AccessDeniedException", "com.amazonaws.logs#Throttling"])})


def _logs_summaries(doc: Any, rng: random.Random) -> bytes:
    summaries = doc.get("integrationSummaries")
    if not summaries:
        return _json({"integrationSummaries": rng.choice([{}, "x", [1]])})
    broken = rng.choice(["not object", "no name", "twice", "type"])
    if broken == "not object":
        summaries[0] = rng.choice(["vended", 1, None])
    elif broken == "no name":
        del summaries[0]["integrationName"]
    elif broken == "twice":
        summaries.append(dict(summaries[0]))
    else:
        summaries[0]["integrationName"] = ["vended"]
    return _json(doc)


def _logs_get(doc: Any, rng: random.Random) -> bytes:
    broken = rng.choice(["other name", "no name", "status type"])
    if broken == "other name":
        doc["integrationName"] = "someone-else"
    elif broken == "no name":
        doc.pop("integrationName", None)
    else:
        doc["integrationStatus"] = {"status": "ACTIVE"}
    return _json(doc)


GARBLES: dict[str, list[Garble]] = {
    "datadog": [_truncated, _not_an_object, _datadog_item, _datadog_error_body],
    "ListIntegrations": [_truncated, _not_an_object, _logs_error_body, _logs_summaries],
    "GetIntegration": [_truncated, _not_an_object, _logs_error_body, _logs_get],
}


# Every garbling of every read call, under plan and under apply (each garbling's own choices
# seeded): 24 runs.
CASES = [
    (call, garble, command)
    for call in sorted(GARBLES)
    for garble in GARBLES[call]
    for command in (["plan", "infra"], ["apply", "infra", "--auto-approve"])
]


class GarblingProxy(Proxy):
    """Forwards every request to the sandbox; garbles the answer of the chosen read call."""

    def __init__(self, upstream: str) -> None:
        self.target: tuple[str, Garble, random.Random] | None = None
        self.garbled = 0
        super().__init__(upstream, rewrite=self._garble)

    def _garble(self, request: BaseHTTPRequestHandler, answer: Answer) -> Answer:
        status, headers, content = answer
        call = request.headers.get("X-Amz-Target", "").rpartition(".")[2] or (
            "datadog" if request.command == "GET" and request.path.endswith("/accounts") else ""
        )
        if self.target is None or status != 200 or call != self.target[0]:
            return answer
        _, garble, rng = self.target
        self.garbled += 1
        return status, headers, garble(json.loads(content), rng)


@pytest.fixture
def proxied(tmp_path: Any, cloud: Sandbox) -> Iterator[tuple[Workspace, GarblingProxy]]:
    proxy = GarblingProxy(cloud.url)
    root = tmp_path / "work"
    root.mkdir()
    ws = Workspace(root=root, datadog_url=proxy.url, aws_url=proxy.url, env=cloud_env())
    ws.datadog["max_retries"] = 0
    ws.aws["max_attempts"] = 1  # garbled answers are refused, not retried: keep runs short
    ws.write(CONFIG)
    applied = ws.apply()
    assert applied.code == 0, applied.show()
    yield ws, proxy
    proxy.close()


def test_garbled_answers_plan_nothing(
    proxied: tuple[Workspace, GarblingProxy], cloud: Sandbox
) -> None:
    ws, proxy = proxied
    rng = random.Random(SEED)
    state_before = ws.state_path.read_bytes()
    with cloud.store.view() as doc:
        cloud_before = json.dumps(doc, sort_keys=True)
    for run, (call, garble, command) in enumerate(CASES):
        proxy.target = (call, garble, random.Random(rng.random()))
        garbled_before = proxy.garbled
        result = ws.cli(*command)
        context = f"run {run}: {call} {garble.__name__} {command}\n{result.show()[:3000]}"
        assert proxy.garbled > garbled_before, context  # the garbled call was made
        assert result.code == 1, context
        assert result.error_lines(), context
        assert "internal error" not in result.text, context
        assert "Traceback" not in result.text, context
        assert "Datadog" in result.err or "CloudWatch Logs" in result.err, context
    proxy.target = None
    assert ws.state_path.read_bytes() == state_before
    with cloud.store.view() as doc:
        assert json.dumps(doc, sort_keys=True) == cloud_before
    settled = ws.plan("--detailed-exitcode")
    assert settled.code == 0, settled.show()

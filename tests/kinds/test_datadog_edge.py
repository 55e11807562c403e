"""The Datadog edge fails closed: garbled answers, trickling bodies, echoed secrets and lost
replies, against httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler import redact
from reconciler.clients.datadog_http import DatadogClient
from reconciler.errors import ApiError
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_requests import ACCOUNTS
from reconciler.settings import DatadogSettings, Settings
from tests.echoes import echoed_forms
from tests.kinds.test_datadog_kind import KEYS, SECRET, FakeDatadog, keys_spec, role_spec, run

ITEM = {"id": "c0ffee00-0000-4000-8000-000000000001", "type": "account"}
ATTRS = {"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}}


@pytest.fixture(autouse=True)
def no_registered_secrets() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()


def make_kind(
    handler: Any, *, timeout: float = 5.0, retries: int = 0
) -> tuple[DatadogAwsAccount, list[str]]:
    settings = Settings(
        datadog=DatadogSettings(
            api_url="https://dd.test", max_retries=retries, timeout_seconds=timeout
        )
    )
    client = DatadogClient(
        settings.datadog, env=KEYS, transport=httpx.MockTransport(handler), backoff_seconds=0.001
    )
    return DatadogAwsAccount(settings, client=client), []


def answer(status: int, content: bytes) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    return handler


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


GARBLED_LISTS = [
    (b"{not json", "HTTP 200 with a body that is not JSON"),
    (b"[]", "unexpected answer: body: Input should be a valid dictionary"),
    (b"{}", "unexpected answer: data: Field required"),
    (body({"data": {"id": "x"}}), "unexpected answer: data: Input should be a valid list"),
    (body({"data": ["x"]}), "unexpected answer: data[0]: Input should be a valid dictionary"),
    (body({"data": [{**ITEM, "attributes": ATTRS}, 7]}), "data[1]: Input should be a valid dict"),
    (body({"data": [{"type": "account", "attributes": ATTRS}]}), "data[0].id: Field required"),
    (body({"data": [{**ITEM, "id": ""}]}), "data[0].id: String should have at least 1 char"),
    (body({"data": [ITEM]}), "data[0].attributes: Field required"),
    (body({"data": [{**ITEM, "attributes": None}]}), "data[0].attributes: Input should be"),
    (
        body({"data": [{**ITEM, "attributes": {"auth_config": {}}}]}),
        "data[0].attributes.aws_account_id: Field required",
    ),
    (
        body({"data": [{**ITEM, "attributes": {**ATTRS, "aws_account_id": 123456789012}}]}),
        "data[0].attributes.aws_account_id: Input should be a valid string",
    ),
    (
        body({"data": [{**ITEM, "attributes": {**ATTRS, "account_tags": "env:prod"}}]}),
        "data[0].attributes.account_tags: Input should be a valid list",
    ),
    (
        body({"data": [{**ITEM, "type": "accounts", "attributes": ATTRS}]}),
        "data[0].type: Input should be 'account'",
    ),
    (
        body({"errors": [{"title": "Forbidden", "detail": "no access"}]}),
        "HTTP 200 with an error body: Forbidden: no access",
    ),
]


@pytest.mark.parametrize("content, problem", GARBLED_LISTS)
def test_a_garbled_listing_is_one_error_and_plans_nothing(content: bytes, problem: str) -> None:
    kind, _ = make_kind(answer(200, content))
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.list(""))
    message = str(info.value)
    assert message.startswith(f"Datadog: GET {ACCOUNTS}: "), message
    assert problem in message
    assert "\n" not in message


def test_the_message_about_a_garbled_answer_echoes_no_value() -> None:
    evil = "\x1b[2J" + "A" * 5000
    kind, _ = make_kind(answer(200, body({"data": [{**ITEM, "type": evil, "attributes": ATTRS}]})))
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.list(""))
    assert "\x1b" not in str(info.value)
    assert "AAAAAAAA" not in str(info.value)


def test_two_configs_for_one_aws_account_id_are_an_error() -> None:
    fake = FakeDatadog()
    first = fake.seed(ATTRS)
    second = fake.seed(ATTRS)
    kind, _ = make_kind(fake)
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.list(""))
    assert str(info.value) == (
        f"Datadog: GET {ACCOUNTS}: unexpected answer: AWS account 123456789012 is integrated "
        f"twice (configs {first} and {second}); delete one in Datadog"
    )


def test_adopting_after_409_refuses_an_ambiguous_lookup() -> None:
    fake = FakeDatadog()
    fake.seed(ATTRS)
    fake.seed(ATTRS)
    kind, _ = make_kind(fake)
    with pytest.raises(ApiError, match="is integrated twice"):
        run(kind, lambda: kind.create(role_spec(), lambda _: None))
    assert [m for m, _, _ in fake.requests] == ["POST", "GET"]


@pytest.mark.parametrize(
    "reply",
    [{"data": {"type": "account", "attributes": ATTRS}}, {"data": {**ITEM, "id": ""}}, {}],
)
def test_a_create_answered_without_an_id_is_an_error(reply: dict[str, Any]) -> None:
    kind, _ = make_kind(answer(200, body(reply)))
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.create(role_spec(), lambda _: None))
    message = str(info.value)
    assert message.startswith(f"Datadog: POST {ACCOUNTS}: unexpected answer: data")
    assert message.endswith("the change may have been made: the next plan reads it back")


def test_an_update_answered_without_an_id_is_an_error() -> None:
    fake = FakeDatadog()
    config_id = fake.seed(ATTRS)
    kind, _ = make_kind(fake)
    observed = run(kind, lambda: kind.list(""))[0]
    fake.fail_next = [httpx.Response(200, json={"data": {"type": "account", "attributes": ATTRS}})]
    kind, _ = make_kind(fake)
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.update(role_spec(), observed, lambda _: None))
    assert str(info.value).startswith(
        f"Datadog: PATCH {ACCOUNTS}/{config_id}: unexpected answer: data.id: Field required"
    )


def test_a_get_answered_about_another_config_is_an_error() -> None:
    other = {"data": {**ITEM, "attributes": ATTRS}}
    kind, _ = make_kind(answer(200, body(other)))
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.get("123456789012", "c0ffee00-0000-4000-8000-000000000002"))
    assert str(info.value) == (
        f"Datadog: GET {ACCOUNTS}/c0ffee00-0000-4000-8000-000000000002: unexpected answer: "
        f"it is about config {ITEM['id']}"
    )


def test_normalise_refuses_an_item_without_its_keys() -> None:
    kind, _ = make_kind(answer(200, b""))
    with pytest.raises(ApiError, match=r"item: unexpected answer: id: Field required"):
        kind.normalise({"type": "account", "attributes": ATTRS}, "")


# -- deadlines -------------------------------------------------------------------------------


class Trickle(httpx.AsyncByteStream):
    """A body of ``size`` bytes, one byte per ``pause`` seconds."""

    def __init__(self, size: int = 200, pause: float = 0.05) -> None:
        self.size, self.pause, self.sent = size, pause, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.size):
            await asyncio.sleep(self.pause)
            self.sent += 1
            yield b" "


def test_a_trickling_body_fails_at_the_deadline() -> None:
    stream = Trickle()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream)

    kind, _ = make_kind(handler, timeout=0.3)
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.list(""))
    assert str(info.value) == (
        "Datadog: no complete answer from https://dd.test within 0.3s "
        f"([datadog] timeout_seconds) (GET {ACCOUNTS})"
    )
    assert info.value.retryable is True
    assert 0 < stream.sent < stream.size  # stopped mid-body, not after it


# -- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 200])
def test_secrets_echoed_in_any_encoding_never_reach_the_message(status: int) -> None:
    # The sent secret and both keys, as the API might echo them in an error body.
    def handler(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)["data"]["attributes"]["auth_config"]
        secrets = [sent["secret_access_key"], *KEYS.values()]
        echo = " | ".join(form for s in secrets for form in echoed_forms(s))
        return httpx.Response(status, json={"errors": [{"title": "Bad", "detail": echo}]})

    kind, _ = make_kind(handler)
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.create(keys_spec(), lambda _: None))
    message = f"{info.value} {info.value!r}"
    assert "(sensitive)" in message
    for secret in (SECRET, *KEYS.values()):
        for form in echoed_forms(secret):
            assert form not in message, form


def test_the_api_keys_are_registered_when_the_client_reads_them() -> None:
    kind, _ = make_kind(answer(200, body({"data": []})))
    assert run(kind, lambda: kind.list("")) == []
    text = f"key {KEYS['DD_API_KEY']} and {KEYS['DD_APP_KEY'][:10]}"
    assert redact.redact(text) == "key (sensitive) and (sensitive)"


# -- lost replies ----------------------------------------------------------------------------


class LoseReplies:
    """Forwards to ``fake``; the first ``count`` writes are carried out, then their reply is
    lost (a dropped connection, a reply that never comes, or a 5xx from a proxy)."""

    def __init__(self, fake: FakeDatadog, how: str, count: int = 1) -> None:
        self.fake, self.how, self.count = fake, how, count

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        response = await self.fake(request)
        if request.method == "GET" or self.count == 0:
            return response
        self.count -= 1
        if self.how == "dropped":
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        if self.how == "502":
            return httpx.Response(502, text="Bad Gateway")
        await asyncio.sleep(30)  # cut short by the deadline
        return response


@pytest.mark.parametrize("how", ["dropped", "no reply", "502"])
def test_a_create_whose_reply_is_lost_adopts_what_it_made(how: str) -> None:
    fake = FakeDatadog()
    kind, _ = make_kind(LoseReplies(fake, how), timeout=0.2, retries=2)
    progress: list[str] = []
    created = run(kind, lambda: kind.create(role_spec(), progress.append))
    assert list(fake.accounts) == [created.remote_id]  # one account, the one recorded
    assert [m for m, _, _ in fake.requests] == ["POST", "POST", "GET", "PATCH"]
    assert progress[-1] == "AWS account 123456789012 already exists in Datadog; adopting it"


@pytest.mark.parametrize("how", ["dropped", "no reply", "502"])
def test_a_delete_whose_reply_is_lost_then_404_is_success(how: str) -> None:
    fake = FakeDatadog()
    config_id = fake.seed(ATTRS)
    kind, _ = make_kind(LoseReplies(fake, how), timeout=0.2, retries=2)
    run(kind, lambda: kind.delete("123456789012", config_id, {}, lambda _: None))
    assert fake.accounts == {}
    assert [m for m, _, _ in fake.requests] == ["DELETE", "DELETE"]


# -- real answers still parse ------------------------------------------------------------------

REAL_TRAFFIC = Path(__file__).resolve().parents[2].parent / "shared" / "real-traffic"
_ACCOUNT_PATH = re.compile(r"/api/v2/integration/aws/accounts(/[^/]+)?")


def _recorded_answers() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, method, body) of every 2xx account answer recorded since 2024-09 (the 2024-08
    shape, with an aws_account wrapper, is outdated: the newest recording is the reference)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in sorted(REAL_TRAFFIC.glob("*.json")):
        doc = json.loads(path.read_text())
        if doc["source"]["recorded_at"] < "2024-09":
            continue
        for i, exchange in enumerate(doc["interactions"]):
            request, response = exchange["request"], exchange["response"]
            answer_body = response.get("body")
            if (
                200 <= response["status"] < 300
                and isinstance(answer_body, dict)
                and _ACCOUNT_PATH.fullmatch(request["path"])
            ):
                found.append((f"{path.stem}[{i}]", request["method"], answer_body))
    return found


RECORDED = _recorded_answers() if REAL_TRAFFIC.is_dir() else []


@pytest.mark.skipif(not REAL_TRAFFIC.is_dir(), reason="../shared/real-traffic is not here")
@pytest.mark.parametrize(("label", "method", "answer_body"), RECORDED, ids=[r[0] for r in RECORDED])
def test_recorded_real_answers_pass_the_strict_models(
    label: str, method: str, answer_body: dict[str, Any]
) -> None:
    if isinstance(answer_body["data"], list):
        kind, _ = make_kind(answer(200, body(answer_body)))
        found = run(kind, lambda: kind.list(""))
        assert [o.remote_id for o in found] == [item["id"] for item in answer_body["data"]]
    else:
        config_id = answer_body["data"]["id"]
        kind, _ = make_kind(answer(200, body(answer_body)))
        got = run(kind, lambda: kind.get("", config_id))
        assert got is not None
        assert got.natural_key == answer_body["data"]["attributes"]["aws_account_id"]


@pytest.mark.skipif(not REAL_TRAFFIC.is_dir(), reason="../shared/real-traffic is not here")
def test_there_are_recorded_answers_of_each_call() -> None:
    assert {m for _, m, _ in RECORDED} >= {"GET", "POST", "PATCH"}


@pytest.mark.parametrize(
    ("attributes", "what"),
    [
        ({"aws_partition": None}, "no aws_partition"),
        ({"aws_partition": "__absent__"}, "no aws_partition"),
        ({"auth_config": None}, "no auth_config"),
        ({"auth_config": "__absent__"}, "no auth_config"),
        ({"auth_config": {}}, "neither role_name nor access_key_id"),
    ],
)
def test_an_answer_without_what_forces_a_replacement_is_unreadable(
    attributes: dict[str, Any], what: str
) -> None:
    # Planned as "different", these would replace the integration (and rotate its external
    # ID) on the strength of a field the answer simply left out.
    merged = {**ATTRS, "aws_partition": "aws", **attributes}
    merged = {k: v for k, v in merged.items() if v != "__absent__"}
    raw = {"id": "c0ffee00-0000-4000-8000-000000000001", "type": "account", "attributes": merged}
    kind, _ = make_kind(answer(200, body({"data": [raw]})))
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.list(""))
    assert what in str(info.value)

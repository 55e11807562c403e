"""The kind's reads and writes against a small fake of Datadog's accounts API (MockTransport)."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from reconciler.clients.datadog_http import DatadogClient
from reconciler.errors import ApiError, ConfigError
from reconciler.kinds.base import Observed
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_requests import ACCOUNTS
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.settings import DatadogSettings, Settings
from tests import child

KEYS = {"DD_API_KEY": "api-key-0123456789", "DD_APP_KEY": "app-key-9876543210"}
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
GENERATED_EXTERNAL_ID = "5f0c1d9e2b4f5a8c7d6e5f4a3b2c1d3a"
T = TypeVar("T")


class FakeDatadog:
    """Accounts API as the notes describe it: 200 on create, 409 on a duplicate account,
    a deep-merging PATCH, 404 JSON:API errors, a generated external_id, no secret echoed."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.in_flight_writes = 0
        self.max_in_flight_writes = 0
        self.fail_next: list[httpx.Response] = []

    def seed(self, attributes: dict[str, Any]) -> str:
        config_id = str(uuid.uuid4())
        # As the real API answers: aws_partition is always there (a create must send it).
        self.accounts[config_id] = {"aws_partition": "aws", **copy.deepcopy(attributes)}
        return config_id

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        if self.fail_next:
            return self.fail_next.pop(0)
        write = request.method != "GET"
        if write:
            self.in_flight_writes += 1
            self.max_in_flight_writes = max(self.max_in_flight_writes, self.in_flight_writes)
        try:
            await asyncio.sleep(0.005 if write else 0)
            return self._handle(request, body)
        finally:
            if write:
                self.in_flight_writes -= 1

    def _item(self, config_id: str) -> dict[str, Any]:
        attributes = copy.deepcopy(self.accounts[config_id])
        attributes["auth_config"].pop("secret_access_key", None)
        attributes["created_at"] = "2025-08-04T10:00:00.123456789Z"
        return {"id": config_id, "type": "account", "attributes": attributes}

    def _handle(self, request: httpx.Request, body: Any) -> httpx.Response:
        path = request.url.path
        if path == ACCOUNTS and request.method == "GET":
            wanted = request.url.params.get("aws_account_id")
            items = [
                self._item(i)
                for i, a in self.accounts.items()
                if wanted is None or a["aws_account_id"] == wanted
            ]
            return httpx.Response(200, json={"data": items})
        if path == ACCOUNTS and request.method == "POST":
            attributes = copy.deepcopy(body["data"]["attributes"])
            if any(
                a["aws_account_id"] == attributes["aws_account_id"] for a in self.accounts.values()
            ):
                return _error(
                    409, "Account already exists", "AWS account with provided id already exists"
                )
            if "role_name" in attributes["auth_config"]:
                attributes["auth_config"].setdefault("external_id", GENERATED_EXTERNAL_ID)
            return httpx.Response(200, json={"data": self._item(self.seed(attributes))})
        config_id = path.rsplit("/", 1)[-1]
        if config_id not in self.accounts:
            return _error(
                404, "Account not found", "AWS account with provided id is not integrated"
            )
        if request.method == "GET":
            return httpx.Response(200, json={"data": self._item(config_id)})
        if request.method == "PATCH":
            _merge(self.accounts[config_id], body["data"]["attributes"])
            return httpx.Response(200, json={"data": self._item(config_id)})
        if request.method == "DELETE":
            del self.accounts[config_id]
            return httpx.Response(204)
        return httpx.Response(405)


def _merge(into: dict[str, Any], patch: dict[str, Any]) -> None:
    # Omitted keys are kept at every depth; a oneOf block that is sent replaces the old one.
    one_of = {"auth_config", "aws_regions", "namespace_filters", "xray_services"}
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict) and key not in one_of:
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _error(status: int, title: str, detail: str) -> httpx.Response:
    return httpx.Response(
        status, json={"errors": [{"status": str(status), "title": title, "detail": detail}]}
    )


def make_kind(fake: FakeDatadog) -> DatadogAwsAccount:
    settings = Settings(datadog=DatadogSettings(api_url="https://dd.test", max_retries=2))
    client = DatadogClient(
        settings.datadog,
        env=KEYS,
        transport=httpx.MockTransport(fake),
        backoff_seconds=0.001,
    )
    return DatadogAwsAccount(settings, client=client)


def run(kind: DatadogAwsAccount, work: Callable[[], Awaitable[T]]) -> T:
    async def go() -> T:
        try:
            return await work()
        finally:
            await kind.aclose()

    return asyncio.run(go())


def role_spec(**extra: Any) -> DatadogAwsAccountSpec:
    data = {
        "aws_account_id": "123456789012",
        "auth_config": {"role_name": "DatadogIntegrationRole"},
        **extra,
    }
    return DatadogAwsAccountSpec.model_validate(data)


def keys_spec() -> DatadogAwsAccountSpec:
    return DatadogAwsAccountSpec.model_validate(
        {
            "aws_account_id": "210987654321",
            "auth_config": {
                "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                "secret_access_key": "${env:LEGACY_AWS_SECRET}",
            },
        },
        context={"env": {"LEGACY_AWS_SECRET": SECRET}},
    )


def sent_attributes(kind: DatadogAwsAccount, spec: DatadogAwsAccountSpec) -> dict[str, Any]:
    values = kind.desired_values(spec)
    values["auth_config"].pop("method")
    return values


def test_list_is_one_call_and_normalises() -> None:
    fake = FakeDatadog()
    fake.seed(
        {"aws_account_id": "123456789012", "account_tags": None, "auth_config": {"role_name": "R"}}
    )
    fake.seed({"aws_account_id": "210987654321", "auth_config": {"access_key_id": "AKIA"}})
    kind = make_kind(fake)
    found = run(kind, lambda: kind.list(""))
    assert sorted(o.natural_key for o in found) == ["123456789012", "210987654321"]
    assert fake.requests == [("GET", ACCOUNTS, None)]
    assert all("created_at" not in o.values for o in found)
    assert next(o for o in found if o.natural_key == "123456789012").values["account_tags"] == []


def test_get_by_id_and_none_when_gone() -> None:
    fake = FakeDatadog()
    config_id = fake.seed({"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}})
    kind = make_kind(fake)

    async def both() -> tuple[Observed | None, Observed | None]:
        return (
            await kind.get("123456789012", config_id),
            await kind.get("123456789012", str(uuid.uuid4())),
        )

    present, gone = run(kind, both)
    assert present is not None and present.remote_id == config_id
    assert gone is None


def test_create_posts_the_whole_desired_object() -> None:
    fake = FakeDatadog()
    kind = make_kind(fake)
    spec = role_spec(aws_regions={"include_only": ["us-east-1"]})
    created = run(kind, lambda: kind.create(spec, lambda _: None))
    method, path, body = fake.requests[0]
    assert (method, path) == ("POST", ACCOUNTS)
    # The whole desired object, plus the documented default of what is left to Datadog.
    attributes = sent_attributes(kind, spec)
    attributes["resources_config"]["extended_collection"] = True
    assert body == {"data": {"type": "account", "attributes": attributes}}
    assert created.natural_key == "123456789012"
    assert created.values["auth_config"]["external_id"] == GENERATED_EXTERNAL_ID
    assert created.remote_id in fake.accounts


def test_secret_is_in_the_post_body_and_nowhere_else(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeDatadog()
    kind = make_kind(fake)
    progress: list[str] = []
    spec = keys_spec()
    created = run(kind, lambda: kind.create(spec, progress.append))
    assert fake.requests[0][2]["data"]["attributes"]["auth_config"]["secret_access_key"] == SECRET
    assert SECRET not in repr(created)
    assert SECRET not in caplog.text
    assert SECRET not in repr(kind.desired_values(spec))
    assert SECRET not in " ".join(progress)

    # An API error that echoes the body back does not carry the secret either.
    fake2 = FakeDatadog()
    fake2.fail_next = [httpx.Response(400, json={"errors": [f"bad key {SECRET}"]})]
    kind2 = make_kind(fake2)
    with pytest.raises(ApiError) as info:
        run(kind2, lambda: kind2.create(spec, progress.append))
    assert SECRET not in str(info.value)
    assert SECRET not in caplog.text


def test_409_adopts_the_existing_account_and_patches_it() -> None:
    fake = FakeDatadog()
    config_id = fake.seed(
        {
            "aws_account_id": "123456789012",
            "account_tags": ["old:tag"],
            "auth_config": {"role_name": "DatadogIntegrationRole", "external_id": "e" * 32},
        }
    )
    kind = make_kind(fake)
    progress: list[str] = []
    spec = role_spec(account_tags=["env:prod"])
    adopted = run(kind, lambda: kind.create(spec, progress.append))
    assert [(m, p) for m, p, _ in fake.requests] == [
        ("POST", ACCOUNTS),
        ("GET", ACCOUNTS),
        ("PATCH", f"{ACCOUNTS}/{config_id}"),
    ]
    assert adopted.remote_id == config_id
    assert adopted.values["account_tags"] == ["env:prod"]
    # The live external ID is sent back, so the role's trust policy keeps matching.
    assert adopted.values["auth_config"]["external_id"] == "e" * 32
    assert fake.requests[2][2]["data"]["attributes"]["auth_config"]["external_id"] == "e" * 32
    assert progress == ["AWS account 123456789012 already exists in Datadog; adopting it"]


def test_update_sends_the_whole_object_so_removed_values_do_not_linger() -> None:
    fake = FakeDatadog()
    kind = make_kind(fake)
    first = role_spec(
        aws_regions={"include_only": ["us-east-1"]},
        metrics_config={"tag_filters": [{"namespace": "AWS/EC2", "tags": ["a:b"]}]},
    )
    second = role_spec()

    async def apply_twice() -> Observed:
        created = await kind.create(first, lambda _: None)
        return await kind.update(second, created, lambda _: None)

    updated = run(kind, apply_twice)
    _, path, body = fake.requests[-1]
    assert path == f"{ACCOUNTS}/{updated.remote_id}"
    attributes = body["data"]["attributes"]
    assert attributes["aws_regions"] == {"include_all": True}
    assert attributes["metrics_config"]["tag_filters"] == []
    assert attributes["auth_config"]["external_id"] == GENERATED_EXTERNAL_ID
    assert updated.values["aws_regions"] == {"include_all": True}


def test_delete_of_a_missing_account_is_success() -> None:
    fake = FakeDatadog()
    config_id = fake.seed({"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}})
    kind = make_kind(fake)

    async def delete_twice() -> None:
        await kind.delete("123456789012", config_id, {}, lambda _: None)
        await kind.delete("123456789012", config_id, {}, lambda _: None)

    run(kind, delete_twice)
    assert fake.accounts == {}
    assert [m for m, _, _ in fake.requests] == ["DELETE", "DELETE"]


def test_other_errors_on_delete_are_raised() -> None:
    fake = FakeDatadog()
    fake.fail_next = [_error(403, "Forbidden", "Failed permission authorization checks")]
    kind = make_kind(fake)
    with pytest.raises(ApiError) as info:
        run(kind, lambda: kind.delete("123456789012", "abc", {}, lambda _: None))
    assert info.value.status == 403
    assert f"DELETE {ACCOUNTS}/abc: HTTP 403: Forbidden" in str(info.value)


def test_writes_are_serialised() -> None:
    fake = FakeDatadog()
    kind = make_kind(fake)
    specs = [role_spec(aws_account_id=f"12345678901{i}", account_tags=[f"n:{i}"]) for i in range(4)]

    async def create_all() -> list[Observed]:
        return await asyncio.gather(*(kind.create(s, lambda _: None) for s in specs))

    created = run(kind, create_all)
    assert len(created) == 4
    assert len(fake.accounts) == 4
    assert fake.max_in_flight_writes == 1


def test_plan_settles_after_create() -> None:
    """What create returns, listed again, compares equal to the desired values."""
    from reconciler import diff

    fake = FakeDatadog()
    kind = make_kind(fake)
    spec = role_spec(
        account_tags=["b:2", "a:1"],
        logs_config={"lambda_forwarder": {"sources": ["s3", "elbv2"]}},
    )

    async def create_then_list() -> list[Observed]:
        await kind.create(spec, lambda _: None)
        return await kind.list("")

    (listed,) = run(kind, create_then_list)
    assert diff.compare(listed.values, kind.desired_values(spec), kind.rules) == []


def test_building_the_kind_reads_no_keys_and_a_call_names_the_missing_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DD_API_KEY", raising=False)
    monkeypatch.setenv("DD_APP_KEY", "app")
    monkeypatch.setenv("DD_HOST", "http://127.0.0.1:9")  # never reached
    kind = DatadogAwsAccount(Settings())
    with pytest.raises(ConfigError, match=r"^DD_API_KEY is not set"):
        run(kind, lambda: kind.list(""))


def test_importing_the_registry_and_building_the_kinds_imports_no_http_or_aws_sdk() -> None:
    # Every command imports the registry and builds the kinds, validate included.
    code = (
        "import sys\n"
        "from reconciler.registry import KINDS\n"
        "from reconciler.settings import Settings\n"
        "kinds = [kind(Settings()) for kind in KINDS.values()]\n"
        "assert len(kinds) == 2, kinds\n"
    )
    heavy = {"httpx", "httpcore", "boto3", "botocore"}
    assert child.packages(child.imported_by(code)) & heavy == set()

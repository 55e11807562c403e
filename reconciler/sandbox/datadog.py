"""The sandbox's Datadog: /api/v2/integration/aws/... over JSON:API.

Each organisation (``orgs``: one per key pair) sees and changes its own account configs only;
an id from another organisation is a 404, and the same AWS account may be integrated in two.
A record of a named organisation carries ``"org"``; a record without one is the default
organisation's (as is everything stored before organisations existed).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from reconciler.sandbox import datadog_model as model
from reconciler.sandbox import datadog_validation as checks
from reconciler.sandbox.datadog_catalog import (
    IAM_PERMISSIONS,
    IAM_PERMISSIONS_RESOURCE_COLLECTION,
    IAM_PERMISSIONS_STANDARD,
    LOGS_SERVICES,
    NAMESPACES,
)
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.orgs import DEFAULT_ORG, org_of
from reconciler.sandbox.ratelimit import RateLimits
from reconciler.sandbox.store import Store
from reconciler.sandbox.wire import Reply, Request, json_reply

PREFIX = "/api/v2/integration/aws"
CONTENT_TYPE = "application/vnd.api+json"
PERMISSIONS = {
    "/iam_permissions": IAM_PERMISSIONS,
    "/iam_permissions/standard": IAM_PERMISSIONS_STANDARD,
    "/iam_permissions/resource_collection": IAM_PERMISSIONS_RESOURCE_COLLECTION,
}


def _error(status: int, title: str, detail: str) -> Reply:
    return _reply(status, {"errors": [{"status": str(status), "title": title, "detail": detail}]})


def _reply(status: int, payload: Any) -> Reply:
    return json_reply(status, payload, CONTENT_TYPE)


def _singleton(kind: str, key: str, values: Any, *, id_: str | None = None) -> Reply:
    data = {"id": id_ or kind, "type": kind, "attributes": {key: values}}
    return _reply(200, {"data": data})


def _new_external_id() -> Reply:
    # Recorded 2025-08-06 and 2025-03-03: data.id is the external ID itself (in 2024-10 it
    # was the word "external_id"; the newest recording wins).
    external_id = model.new_external_id()
    return _singleton("external_id", "external_id", external_id, id_=external_id)


def record_org(record: Any) -> str:
    org = record.get("org", DEFAULT_ORG)
    return org if isinstance(org, str) else DEFAULT_ORG


def _org_and_account(record: Any) -> tuple[str, Any]:
    return record_org(record), record["attributes"]["aws_account_id"]


def refused_key(org: str) -> str:
    """The controls record holding an organisation's refused AWS accounts."""
    return "refused_accounts" if org == DEFAULT_ORG else f"refused_accounts@{org}"


class DatadogApi:
    def __init__(self, store: Store, limits: RateLimits, *, shuffle_lists: bool) -> None:
        self._store = store
        self._limits = limits
        self._shuffle = shuffle_lists
        self._by_org = store.index("datadog", "accounts", record_org)
        self._by_account = store.index("datadog", "accounts", _org_and_account)

    def claims(self, req: Request) -> bool:
        return req.path == PREFIX or req.path.startswith(PREFIX + "/")

    def handle(self, req: Request, fault: Fault, rng: random.Random) -> Reply:
        api_key = req.headers.get("dd-api-key", "")
        app_key = req.headers.get("dd-application-key", "")
        org = org_of(api_key, app_key)
        limiter = self._limits.of(org or DEFAULT_ORG)
        window = limiter.exhausted() if fault is Fault.THROTTLE else limiter.take()
        reply = self._answer(req, fault, rng, window.exceeded, org)
        reply.headers.update(window.headers())
        return reply

    def _answer(
        self, req: Request, fault: Fault, rng: random.Random, limited: bool, org: str | None
    ) -> Reply:
        if fault is Fault.ERROR:
            if rng.random() < 0.5:
                return _error(500, "Internal Server Error", "An internal error occurred")
            return _error(503, "Service Unavailable", "The service is temporarily unavailable")
        if limited or fault is Fault.THROTTLE:
            return _error(429, "Too Many Requests", "Rate limit exceeded, retry after the reset")
        if not req.headers.get("dd-api-key") or not req.headers.get("dd-application-key"):
            return _error(403, "Forbidden", "Both DD-API-KEY and DD-APPLICATION-KEY are required")
        if org is None:
            return _error(
                403,
                "Forbidden",
                "DD-API-KEY and DD-APPLICATION-KEY belong to different organisations",
            )
        try:
            return self._route(req, org)
        except checks.BadRequest as exc:
            return _reply(400, {"errors": [exc.error]})

    def _route(self, req: Request, org: str) -> Reply:
        rest = req.path[len(PREFIX) :].rstrip("/")
        methods: dict[str, Callable[[], Reply]]
        if rest == "/accounts":
            methods = {
                "GET": lambda: self._list(req, org),
                "POST": lambda: self._create(req, org),
            }
        elif rest.startswith("/accounts/") and rest.count("/") == 2:
            segment = rest.split("/")[2]
            methods = {
                "GET": lambda: self._get(_config_id(segment), org),
                "PATCH": lambda: self._patch(_config_id(segment), req, org),
                "DELETE": lambda: self._delete(_config_id(segment), org),
            }
        elif rest == "/available_namespaces":
            methods = {"GET": self._namespaces}
        elif rest == "/generate_new_external_id":
            methods = {"POST": _new_external_id}
        elif rest == "/logs/services":
            methods = {
                "GET": lambda: _singleton("logs_services", "logs_services", list(LOGS_SERVICES))
            }
        elif rest in PERMISSIONS:
            methods = {
                "GET": lambda: _singleton("permissions", "permissions", list(PERMISSIONS[rest]))
            }
        else:
            return _error(404, "Not Found", f"no such endpoint: {req.path}")
        handler = methods.get(req.method)
        if handler is None:
            return _error(405, "Method Not Allowed", f"{req.method} is not allowed on {req.path}")
        return handler()

    def _namespaces(self) -> Reply:
        with self._store.view() as doc:
            retired = set(retired_namespaces(doc))
        names = [n for n in NAMESPACES if n not in retired]
        return _singleton("namespaces", "namespaces", names)

    def _refuse(self, attrs: dict[str, Any], org: str) -> None:
        """What the sandbox's controls make Datadog refuse in a write: an account whose writes
        are refused, a namespace taken out of the catalogue."""
        with self._store.view() as doc:
            refused = doc["datadog"].get("controls", {}).get(refused_key(org), [])
            retired = set(retired_namespaces(doc))
        if attrs.get("aws_account_id") in refused:
            raise checks.generic(
                "cannot assume role for the AWS account (the sandbox refuses writes to it)"
            )
        filters = attrs.get("metrics_config", {}).get("namespace_filters", {})
        for member, names in filters.items():
            gone = [n for n in names or () if n in retired]
            if gone:
                path = f"metrics_config.namespace_filters.{member}"
                raise checks.invalid(path, f"invalid namespaces: [{' '.join(gone)}]")

    def _list(self, req: Request, org: str) -> Reply:
        wanted = req.query.get("aws_account_id", [None])[0]
        with self._store.view() as doc:
            ids = self._by_org.get(org) if wanted is None else self._by_account.get((org, wanted))
            accounts = doc["datadog"]["accounts"]
            records = sorted((accounts[i] for i in ids), key=lambda r: r["created_ns"])
            data = [model.render(r, nanoseconds=False) for r in records]
        return _reply(200, {"data": data})

    def _create(self, req: Request, org: str) -> Reply:
        data = _data(req)
        attrs = checks.clean_attributes(data.get("attributes"), creating=True)
        self._refuse(attrs, org)
        if self._shuffle:
            model.shuffle(attrs)
        full = model.merge(model.defaults(), attrs)
        auth = full["auth_config"]
        if "role_name" in auth and "external_id" not in auth:
            auth["external_id"] = model.new_external_id()
        with self._store.update() as doc:
            accounts = doc["datadog"]["accounts"]
            same = self._by_account.get((org, full["aws_account_id"]))
            if any(i in accounts for i in same):
                return _error(
                    409, "Account already exists", "AWS account with provided id already exists"
                )
            now = time.time_ns()
            record = {
                "id": str(uuid.uuid4()),
                "attributes": full,
                "created_ns": now,
                "modified_ns": now,
            }
            if org != DEFAULT_ORG:
                record["org"] = org
            accounts[record["id"]] = record
        return _reply(200, {"data": model.render(record, nanoseconds=True, created=True)})

    def _get(self, config_id: str, org: str) -> Reply:
        with self._store.view() as doc:
            record = doc["datadog"]["accounts"].get(config_id)
            if record is None or record_org(record) != org:
                return _not_found()
            return _reply(200, {"data": model.render(record, nanoseconds=False)})

    def _patch(self, config_id: str, req: Request, org: str) -> Reply:
        data = _data(req)
        if data.get("id") not in (None, config_id):
            raise checks.generic("data.id does not match the config ID in the path")
        attrs = checks.clean_attributes(data.get("attributes"), creating=False)
        self._refuse(attrs, org)
        if self._shuffle:
            model.shuffle(attrs)
        with self._store.update() as doc:
            record = doc["datadog"]["accounts"].get(config_id)
            if record is None or record_org(record) != org:
                return _not_found()
            old = record["attributes"]
            if attrs["aws_account_id"] != old["aws_account_id"]:
                # Not documented; the sandbox treats the AWS account ID as the config's identity.
                raise checks.generic("cannot change the AWS account ID of an account config")
            if "auth_config" in attrs and model.auth_kind(attrs) != model.auth_kind(old):
                raise checks.generic("cannot switch between role and key based auth")
            record["attributes"] = model.merge(old, attrs)
            record["modified_ns"] = time.time_ns()
        return _reply(200, {"data": model.render(record, nanoseconds=True)})

    def _delete(self, config_id: str, org: str) -> Reply:
        with self._store.update() as doc:
            accounts = doc["datadog"]["accounts"]
            if config_id not in accounts or record_org(accounts[config_id]) != org:
                return _not_found()
            del accounts[config_id]
        return Reply(204)


def retired_namespaces(doc: dict[str, Any]) -> list[str]:
    """Names a sandbox control took out of the catalogue (``Sandbox.retire_namespaces``)."""
    retired = doc["datadog"].get("controls", {}).get("retired_namespaces", [])
    return [n for n in retired if isinstance(n, str)] if isinstance(retired, list) else []


def _not_found() -> Reply:
    return _error(404, "Account not found", "AWS account with provided id is not integrated")


def _config_id(segment: str) -> str:
    text = unquote(segment)
    # Terraform sends the id wrapped in double quotes and the real API accepts that.
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise checks.BadRequest(
            {
                "status": "400",
                "title": "Invalid Parameter",
                "detail": 'invalid parameter "aws_account_config_id" in "path"; '
                'expected type "uuid"',
            }
        ) from None


def _data(req: Request) -> dict[str, Any]:
    try:
        body = json.loads(req.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise checks.invalid("body", "expected a JSON document") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise checks.invalid("data", "expected an object")
    data: dict[str, Any] = body["data"]
    if data.get("type") != "account":
        raise checks.invalid("data.type", 'expected "account"')
    return data

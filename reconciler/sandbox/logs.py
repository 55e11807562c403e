"""The sandbox's CloudWatch Logs integrations: AWS JSON 1.1, ``X-Amz-Target: Logs_20140328.<Op>``.

One integration per account and region. A second one under another name is refused with
LimitExceededException (the model's "maximum number of resources"); a Put of a name that
already exists with ValidationException (Put is create-only). Real AWS documents neither.
Deleting an integration that has dashboards without ``force`` is a ValidationException.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from reconciler.sandbox import logs_model as model
from reconciler.sandbox.aws_errors import AwsError, answer
from reconciler.sandbox.aws_identity import caller
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.logs_model import LogsError
from reconciler.sandbox.store import Store
from reconciler.sandbox.wire import Reply, Request

TARGET_PREFIX = "Logs_20140328."
CONTENT_TYPE = "application/x-amz-json-1.1"

Scope = tuple[str, str]  # account, region


def key(account: str, region: str, name: str) -> str:
    return f"{account}/{region}/{name}"


def _reply(status: int, payload: Any | None) -> Reply:
    body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
    return Reply(
        status, body, {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}
    )


def error_reply(exc: AwsError) -> Reply:
    return _reply(exc.status, {"__type": exc.code, "message": exc.message})


class LogsApi:
    def __init__(self, store: Store, *, provisioning_seconds: float) -> None:
        self._store = store
        self._provisioning = provisioning_seconds
        self._ops: dict[str, Callable[[Scope, dict[str, Any]], Reply]] = {
            "PutIntegration": self._put,
            "GetIntegration": self._get,
            "ListIntegrations": self._list,
            "DeleteIntegration": self._delete,
        }

    def claims(self, req: Request) -> bool:
        # AWS JSON 1.1: every operation is POST / with X-Amz-Target naming it.
        return req.method == "POST" and req.path == "/" and "x-amz-target" in req.headers

    def handle(self, req: Request, fault: Fault, rng: random.Random | None = None) -> Reply:
        return answer(
            fault,
            lambda: self._dispatch(req),
            error_reply,
            unavailable=LogsError(
                "ServiceUnavailableException", "The service cannot complete the request.", 500
            ),
            throttled=LogsError("ThrottlingException", "Rate exceeded"),
        )

    def _dispatch(self, req: Request) -> Reply:
        target = req.headers.get("x-amz-target", "")
        op = (
            self._ops.get(target.removeprefix(TARGET_PREFIX))
            if target.startswith(TARGET_PREFIX)
            else None
        )
        if op is None:
            raise LogsError("UnknownOperationException", f"Unknown operation {target}")
        scope = caller(req.headers.get("authorization", ""))
        if scope is None:
            raise LogsError("MissingAuthenticationTokenException", "Missing Authentication Token")
        try:
            body = json.loads(req.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LogsError("SerializationException", "Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise LogsError("SerializationException", "Request body must be a JSON object")
        return op(scope, body)

    def _put(self, scope: Scope, body: dict[str, Any]) -> Reply:
        config = model.check_put(body)
        name = body["integrationName"]
        account, region = scope
        with self._store.update() as doc:
            integrations = doc["logs"]["integrations"]
            if key(account, region, name) in integrations:
                raise LogsError(
                    "ValidationException", f"An integration named {name} already exists"
                )
            if any(
                r["accountId"] == account and r["region"] == region for r in integrations.values()
            ):
                raise LogsError(
                    "LimitExceededException",
                    "Only one integration can be created per account and Region",
                )
            integrations[key(account, region, name)] = model.new_record(
                name, account, region, config
            )
        return _reply(200, {"integrationName": name, "integrationStatus": "PROVISIONING"})

    def _get(self, scope: Scope, body: dict[str, Any]) -> Reply:
        name = model.check_name(body)
        with self._store.view() as doc:
            record = doc["logs"]["integrations"].get(key(*scope, name))
            if record is None:
                raise LogsError("ResourceNotFoundException", f"Integration {name} does not exist")
            payload = model.summary(record, self._provisioning)
            payload["integrationDetails"] = model.details(record, self._provisioning)
        return _reply(200, payload)

    def _list(self, scope: Scope, body: dict[str, Any]) -> Reply:
        prefix, kind, status = model.check_list(body)
        account, region = scope
        with self._store.view() as doc:
            summaries = [
                model.summary(r, self._provisioning)
                for r in doc["logs"]["integrations"].values()
                if r["accountId"] == account and r["region"] == region
            ]
        summaries = [
            s
            for s in sorted(summaries, key=lambda s: s["integrationName"])
            if (prefix is None or s["integrationName"].startswith(prefix))
            and (kind is None or s["integrationType"] == kind)
            and (status is None or s["integrationStatus"] == status)
        ]
        return _reply(200, {"integrationSummaries": summaries})

    def _delete(self, scope: Scope, body: dict[str, Any]) -> Reply:
        name = model.check_name(body)
        force = body.get("force", False)
        if not isinstance(force, bool):
            raise LogsError("SerializationException", "force must be a boolean")
        with self._store.update() as doc:
            integrations = doc["logs"]["integrations"]
            record = integrations.get(key(*scope, name))
            if record is None:
                raise LogsError("ResourceNotFoundException", f"Integration {name} does not exist")
            if record["dashboards"] and not force:
                raise LogsError(
                    "ValidationException",
                    f"Integration {name} has active vended logs dashboards; "
                    "set force to true to delete it and its dashboards",
                )
            del integrations[key(*scope, name)]
        # The API Reference: "HTTP 200 response with an empty HTTP body".
        return _reply(200, None)

"""The sandbox's STS: ``GetCallerIdentity`` and ``AssumeRole`` over the AWS query protocol.

``POST /`` with a form body (``Action=...&Version=2011-06-15``), answered in XML. The caller is
the access key of the SigV4 credential scope (``aws_identity``). A long-term key is the IAM
user ``sandbox`` of its account; a key from ``AssumeRole`` is that role session, in the role's
account, for every API of the sandbox.

Which roles exist: any well-formed role ARN, until roles are registered for its account (a
sandbox control, ``admin.register_roles``); from then on only those, each with the external
ID it may require. Anything else is ``AccessDenied`` (403), worded as AWS words it.

Sessions are stored (``sts.sessions``, by access key ID) without their secret key or token:
the sandbox checks no signature, so it never needs them. Expired ones are forgotten when the
sandbox starts, so they do not pile up over runs.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from reconciler.sandbox import sts_model as model
from reconciler.sandbox.aws_errors import AwsError, answer
from reconciler.sandbox.aws_identity import (
    Credential,
    credential,
    is_temporary,
    new_temporary_key,
    partition_for,
)
from reconciler.sandbox.faults import Fault
from reconciler.sandbox.store import Store
from reconciler.sandbox.sts_model import StsError
from reconciler.sandbox.wire import Reply, Request

VERSION = "2011-06-15"

Params = dict[str, str]


def _reply(status: int, body: Callable[[str], bytes]) -> Reply:
    request_id = str(uuid.uuid4())
    headers = {"Content-Type": model.CONTENT_TYPE, "x-amzn-RequestId": request_id}
    return Reply(status, body(request_id), headers)


def error_reply(exc: AwsError) -> Reply:
    return _reply(exc.status, lambda request_id: model.error(exc, request_id))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StsApi:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._actions: dict[str, Callable[[Credential, Params], Reply]] = {
            "GetCallerIdentity": self._get_caller_identity,
            "AssumeRole": self._assume_role,
        }
        self._forget_expired()

    def _forget_expired(self) -> None:
        now = time.time()
        with self._store.update() as doc:
            sessions = doc["sts"]["sessions"]
            expired = [k for k, s in sessions.items() if not _valid_until(s, now)]
            for access_key_id in expired:
                del sessions[access_key_id]

    def claims(self, req: Request) -> bool:
        # The query protocol: POST / with a form body and no X-Amz-Target (the JSON APIs').
        content_type = req.headers.get("content-type", "")
        return (
            req.method == "POST"
            and req.path == "/"
            and "x-amz-target" not in req.headers
            and content_type.startswith("application/x-www-form-urlencoded")
        )

    def handle(self, req: Request, fault: Fault, rng: random.Random | None = None) -> Reply:
        return answer(
            fault,
            lambda: self._dispatch(req),
            error_reply,
            unavailable=StsError("ServiceUnavailable", "Service is unavailable", 503),
            throttled=StsError("Throttling", "Rate exceeded"),
        )

    def _dispatch(self, req: Request) -> Reply:
        try:
            form = parse_qs(req.body.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise StsError("MalformedQueryString", "The request body is not UTF-8") from None
        params = {k: v[0] for k, v in form.items()}
        action = params.get("Action", "")
        handler = self._actions.get(action)
        if handler is None or params.get("Version") != VERSION:
            raise StsError(
                "InvalidAction", f"Could not find operation {action} for version {VERSION}"
            )
        scope = credential(req.headers.get("authorization", ""))
        if scope is None:
            raise StsError(
                "MissingAuthenticationToken", "Request is missing Authentication Token", 403
            )
        return handler(scope, params)

    # -- who is calling --------------------------------------------------------------------
    def _session(self, scope: Credential) -> dict[str, Any] | None:
        """The stored session of a temporary key; None for a long-term key."""
        if not is_temporary(scope.access_key_id):
            return None
        with self._store.view() as doc:
            session = doc["sts"]["sessions"].get(scope.access_key_id)
        if session is None:
            raise StsError(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
                403,
            )
        if session["expiration"] <= time.time():
            raise StsError("ExpiredToken", "The security token included in the request is expired")
        return dict(session)

    def _identity(self, scope: Credential) -> tuple[str, str, str]:
        """(account, ARN, user id) of the caller."""
        session = self._session(scope)
        if session is not None:
            return session["accountId"], session["arn"], session["assumedRoleId"]
        partition = partition_for(scope.region)
        account = scope.account
        return account, model.user_arn(partition, account), model.user_id(scope.access_key_id)

    # -- actions -----------------------------------------------------------------------------
    def _get_caller_identity(self, scope: Credential, params: Params) -> Reply:
        account, arn, user_id = self._identity(scope)
        result: dict[str, str | dict[str, str]] = {
            "Arn": arn,
            "UserId": user_id,
            "Account": account,
        }
        return _reply(200, lambda rid: model.response("GetCallerIdentity", result, rid))

    def _assume_role(self, scope: Credential, params: Params) -> Reply:
        request = model.check_assume_role(params)
        caller_account, caller_arn, _ = self._identity(scope)
        if is_temporary(scope.access_key_id) and request.duration > model.CHAINED_MAX_DURATION:
            raise StsError(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit "
                "for roles assumed by role chaining.",
            )
        role = request.role
        self._authorise(caller_arn, role, request.external_id)
        access_key_id = new_temporary_key(role.account)
        expiration = time.time() + request.duration
        assumed_id = f"{role.role_id}:{request.session_name}"
        arn = model.session_arn(role, request.session_name)
        with self._store.update() as doc:
            doc["sts"]["sessions"][access_key_id] = {
                "accountId": role.account,
                "roleArn": role.arn,
                "arn": arn,
                "assumedRoleId": assumed_id,
                "sourceArn": caller_arn,
                "sourceAccount": caller_account,
                "expiration": int(expiration),
            }
        result: model.Result = {
            "Credentials": {
                "AccessKeyId": access_key_id,
                "SecretAccessKey": secrets.token_urlsafe(30),
                "SessionToken": secrets.token_urlsafe(96),
                "Expiration": _iso(expiration),
            },
            "AssumedRoleUser": {"AssumedRoleId": assumed_id, "Arn": arn},
        }
        return _reply(200, lambda rid: model.response("AssumeRole", result, rid))

    def _authorise(self, caller_arn: str, role: model.Role, external_id: str | None) -> None:
        with self._store.view() as doc:
            registered = doc["sts"]["roles"].get(role.account)
        if registered is None:
            return  # no roles registered for the account: any role may be assumed
        entry = registered["roles"].get(role.name)
        required = entry.get("externalId") if isinstance(entry, dict) else None
        if entry is None or (required is not None and required != external_id):
            raise StsError(
                "AccessDenied",
                f"User: {caller_arn} is not authorized to perform: sts:AssumeRole "
                f"on resource: {role.arn}",
                403,
            )


def _valid_until(session: Any, now: float) -> bool:
    expiration = session.get("expiration") if hasattr(session, "get") else None
    return isinstance(expiration, int | float) and expiration > now

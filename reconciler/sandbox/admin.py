"""Sandbox-only controls, outside both real APIs: ``/_sandbox/...`` and their Python twins.

- ``POST /_sandbox/logs/fault`` with ``{"integrationName", "region", "accountId"?, "failed"?,
  "notFound"?, "dashboards"?}``: make an integration end FAILED, have sub-resources report
  NOT_FOUND, or give it vended dashboards (so a delete needs ``force``).
- ``POST /_sandbox/datadog/refuse_writes`` with ``{"aws_account_ids": [str], "org"?: str}``:
  answer 400 to every create or update of those AWS accounts in that organisation (default:
  the default organisation).
- ``GET /_sandbox/datadog/accounts[?org=NAME]``: one organisation's stored account configs.
- ``POST /_sandbox/datadog/retire_namespaces`` with ``{"namespaces": [str]}``: take names out of
  the namespace catalogue (``available_namespaces`` stops listing them and writes naming them
  get Datadog's 400), as when Datadog drops a namespace after a reconciler release: the
  configuration still validates against the shipped catalogue, and the apply is refused.
  ``[]`` restores the real catalogue.
- ``POST /_sandbox/sts/roles`` with ``{"accountId": str, "roles": [{"roleName": str,
  "externalId"?: str}]}``: from now on only these roles of that AWS account can be assumed,
  each only with its external ID if it has one. ``"roles": []`` makes any role assumable again.
- ``GET /_sandbox/state``: the whole stored cloud (it never holds a secret).
- ``GET /_sandbox/health``.

These requests see no latency, faults or rate limits.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.sandbox.aws_identity import DEFAULT_ACCOUNT_ID
from reconciler.sandbox.datadog import record_org, refused_key
from reconciler.sandbox.datadog_catalog import NAMESPACES
from reconciler.sandbox.logs import key
from reconciler.sandbox.logs_model import SUB_RESOURCES
from reconciler.sandbox.orgs import DEFAULT_ORG
from reconciler.sandbox.store import Store
from reconciler.sandbox.sts_model import EXTERNAL_ID, ROLE_NAME
from reconciler.sandbox.wire import Reply, Request, json_reply

PREFIX = "/_sandbox"
CONTENT_TYPE = "application/json"


class SandboxControlError(ReconcilerError):
    """A sandbox control was asked for something that does not exist or makes no sense."""


def set_logs_fault(
    store: Store,
    integration_name: str,
    *,
    region: str,
    account_id: str = DEFAULT_ACCOUNT_ID,
    failed: bool | None = None,
    not_found: Iterable[str] | None = None,
    dashboards: bool | None = None,
) -> dict[str, Any]:
    """Change an integration's sandbox controls; None leaves a control as it is."""
    missing = None if not_found is None else sorted(set(not_found))
    unknown = [part for part in missing or [] if part not in SUB_RESOURCES]
    if unknown:
        raise SandboxControlError(
            f"unknown sub-resource {unknown[0]!r}; expected one of {', '.join(SUB_RESOURCES)}",
            field="not_found",
        )
    address = key(account_id, region, integration_name)
    with store.update() as doc:
        record = doc["logs"]["integrations"].get(address)
        if record is None:
            raise SandboxControlError(
                f"no integration {integration_name!r} in account {account_id}, region {region}"
            )
        if failed is not None:
            record["failed"] = failed
        if missing is not None:
            record["notFound"] = missing
        if dashboards is not None:
            record["dashboards"] = dashboards
        return {
            k: record[k]
            for k in ("integrationName", "accountId", "region", "failed", "notFound", "dashboards")
        }


def retire_namespaces(store: Store, namespaces: Iterable[str]) -> list[str]:
    names = sorted(set(namespaces))
    unknown = [n for n in names if n not in NAMESPACES]
    if unknown:
        raise SandboxControlError(
            f"{unknown[0]!r} is not in the namespace catalogue", field="namespaces"
        )
    with store.update() as doc:
        doc["datadog"]["controls"]["retired_namespaces"] = names
    return names


def refuse_writes(
    store: Store, aws_account_ids: Iterable[str], org: str = DEFAULT_ORG
) -> list[str]:
    """Datadog answers 400 to every create or update of these AWS accounts in ``org``: a
    refusal no plan can foresee (in real life, say, a role Datadog cannot assume). [] lifts
    it."""
    ids = sorted(set(aws_account_ids))
    with store.update() as doc:
        doc["datadog"]["controls"][refused_key(org)] = ids
    return ids


def register_roles(
    store: Store, account_id: str, roles: Mapping[str, str | None]
) -> dict[str, Any]:
    """Only these roles (name -> the external ID it requires, or None) of the AWS account can
    be assumed from now on; an empty mapping lifts the restriction."""
    if not re.fullmatch(r"[0-9]{12}", account_id):
        raise SandboxControlError(
            f"expected a 12-digit AWS account ID, got {account_id!r}", field="accountId"
        )
    for name, external_id in roles.items():
        if not ROLE_NAME.fullmatch(name):
            raise SandboxControlError(f"{name!r} is not a valid role name", field="roleName")
        if external_id is not None and not (
            2 <= len(external_id) <= 1224 and EXTERNAL_ID.fullmatch(external_id)
        ):
            raise SandboxControlError(
                f"the external ID of role {name!r} is not valid", field="externalId"
            )
    entries = {name: {"externalId": roles[name]} for name in sorted(roles)}
    with store.update() as doc:
        if entries:
            doc["sts"]["roles"][account_id] = {"accountId": account_id, "roles": entries}
        else:
            doc["sts"]["roles"].pop(account_id, None)
    return {
        "accountId": account_id,
        "roles": [{"roleName": n, "externalId": e["externalId"]} for n, e in entries.items()],
    }


def datadog_accounts(store: Store, org: str = DEFAULT_ORG) -> list[dict[str, Any]]:
    """``org``'s stored account configs, oldest first: ``{"id", "attributes", "created_ns",
    "modified_ns"}`` (and ``"org"`` for a named organisation)."""
    with store.view() as doc:
        records = [r for r in doc["datadog"]["accounts"].values() if record_org(r) == org]
        return copy.deepcopy(sorted(records, key=lambda r: r["created_ns"]))


def handle(store: Store, req: Request) -> Reply:
    route = (req.method, req.path.removeprefix(PREFIX))
    if route == ("GET", "/health"):
        return json_reply(200, {"ok": True}, CONTENT_TYPE)
    if route == ("GET", "/state"):
        with store.view() as doc:
            return json_reply(200, doc, CONTENT_TYPE)
    if route == ("POST", "/logs/fault"):
        return _logs_fault(store, req)
    if route == ("POST", "/datadog/retire_namespaces"):
        return _retire(store, req)
    if route == ("POST", "/datadog/refuse_writes"):
        return _refuse(store, req)
    if route == ("POST", "/sts/roles"):
        return _roles(store, req)
    if route == ("GET", "/datadog/accounts"):
        org = req.query.get("org", [DEFAULT_ORG])[0] or DEFAULT_ORG
        return json_reply(200, {"data": datadog_accounts(store, org)}, CONTENT_TYPE)
    return json_reply(
        404, {"error": f"no such sandbox control: {req.method} {req.path}"}, CONTENT_TYPE
    )


def _retire(store: Store, req: Request) -> Reply:
    try:
        body = json.loads(req.body or b"null")
        names = body.get("namespaces") if isinstance(body, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return json_reply(400, {"error": 'expected {"namespaces": [str]}'}, CONTENT_TYPE)
    try:
        retired = retire_namespaces(store, names)
    except SandboxControlError as exc:
        return json_reply(400, {"error": exc.message}, CONTENT_TYPE)
    return json_reply(200, {"retired_namespaces": retired}, CONTENT_TYPE)


def _refuse(store: Store, req: Request) -> Reply:
    try:
        body = json.loads(req.body or b"null")
        ids = body.get("aws_account_ids") if isinstance(body, dict) else None
        org = body.get("org", DEFAULT_ORG) if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError
        if not isinstance(org, str) or not org:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        message = 'expected {"aws_account_ids": [str], "org"?: str}'
        return json_reply(400, {"error": message}, CONTENT_TYPE)
    refused = refuse_writes(store, ids, org)
    return json_reply(200, {"org": org, "refused_accounts": refused}, CONTENT_TYPE)


def _roles(store: Store, req: Request) -> Reply:
    try:
        body = json.loads(req.body or b"null")
        if not isinstance(body, dict) or not isinstance(body.get("roles"), list):
            raise ValueError
        account = body.get("accountId")
        roles: dict[str, str | None] = {}
        for entry in body["roles"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("roleName"), str):
                raise ValueError
            external_id = entry.get("externalId")
            if external_id is not None and not isinstance(external_id, str):
                raise ValueError
            roles[entry["roleName"]] = external_id
        if not isinstance(account, str):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        message = 'expected {"accountId": str, "roles": [{"roleName": str, "externalId"?: str}]}'
        return json_reply(400, {"error": message}, CONTENT_TYPE)
    try:
        return json_reply(200, register_roles(store, account, roles), CONTENT_TYPE)
    except SandboxControlError as exc:
        return json_reply(400, {"error": exc.message}, CONTENT_TYPE)


def _logs_fault(store: Store, req: Request) -> Reply:
    try:
        body = json.loads(req.body or b"null")
        if not isinstance(body, dict):
            raise ValueError
        name, region = body["integrationName"], body["region"]
        account = body.get("accountId", DEFAULT_ACCOUNT_ID)
        flags = {k: body.get(k) for k in ("failed", "dashboards")}
        not_found = body.get("notFound")
        if not all(isinstance(v, str) for v in (name, region, account)):
            raise ValueError
        if not all(v is None or isinstance(v, bool) for v in flags.values()):
            raise ValueError
        if not_found is not None and not (
            isinstance(not_found, list) and all(isinstance(x, str) for x in not_found)
        ):
            raise ValueError
    except (ValueError, KeyError, UnicodeDecodeError):
        message = (
            'expected {"integrationName": str, "region": str, "accountId"?: str, '
            '"failed"?: bool, "notFound"?: [str], "dashboards"?: bool}'
        )
        return json_reply(400, {"error": message}, CONTENT_TYPE)
    try:
        result = set_logs_fault(
            store,
            name,
            region=region,
            account_id=account,
            failed=flags["failed"],
            not_found=not_found,
            dashboards=flags["dashboards"],
        )
    except SandboxControlError as exc:
        status = 400 if exc.field else 404
        return json_reply(status, {"error": exc.message}, CONTENT_TYPE)
    return json_reply(200, result, CONTENT_TYPE)

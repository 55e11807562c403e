"""Answers of Datadog's AWS account endpoints, checked before the kind reads them: every item
against the typed models of ``reconciler.clients.datadog_models``, none dropped, and two
configs for one AWS account an error (the tool could not tell which one it manages)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler import printable
from reconciler.clients import answer
from reconciler.clients import datadog_models as wire
from reconciler.errors import ApiError


def names(body: Any, key: str, where: str) -> frozenset[str]:
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    names = attributes.get(key) if isinstance(attributes, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ApiError(
            f"{where}: unexpected answer: expected data.attributes.{key} as a list of names",
            service="Datadog",
        )
    return frozenset(names)


_M = TypeVar("_M", bound=BaseModel)


def parse(model: type[_M], body: Any, where: str, *, written: bool = False) -> _M:
    """``body`` checked against ``model``, or one ``ApiError`` naming the call and the first
    problem. ``written``: the call changed something, which the message says."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        hint = "; the change may have been made: the next plan reads it back" if written else ""
        raise ApiError(
            f"{where}: unexpected answer: {answer.problem(exc)}{hint}", service="Datadog"
        ) from None


# The members of an item's attributes that ``wire.AccountAttributes`` types, by type.
_OBJECTS = (
    "auth_config",
    "aws_regions",
    "logs_config",
    "metrics_config",
    "resources_config",
    "traces_config",
)
_TEXTS = ("aws_partition", "created_at", "modified_at")


def _text(value: Any) -> bool:
    """A ``str`` the model reads too: pydantic-core refuses a lone surrogate, which
    ``json.loads`` makes of ``"\\ud800"``."""
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _texts(values: Iterable[Any]) -> bool:
    """Every one of ``values`` a ``str`` the model reads too, checked at once: joining them
    refuses anything but a ``str``, and a lone surrogate stays one in the joined text."""
    try:
        joined = "".join(values)
    except TypeError:
        return False
    return _text(joined)


def _surely_valid(item: Any) -> bool:
    """Whether ``item`` passes ``wire.AccountData``, checked on the plain data (building the
    model for each of thousands of items is most of what a listing costs). It never says yes
    to an item the model refuses; a no is settled by the model itself, whose first problem
    is then the error."""
    if type(item) is not dict or item.get("type") != "account":
        return False
    rid, attributes = item.get("id"), item.get("attributes")
    if type(rid) is not str or not rid or type(attributes) is not dict:
        return False
    key = attributes.get("aws_account_id")
    if type(key) is not str or not key:
        return False
    # Keys (the model reads them as str), the id, the account and the typed text members.
    texts: list[Any] = [*item, *attributes, rid, key]
    tags = attributes.get("account_tags")
    if tags is not None:
        if type(tags) is not list:
            return False
        texts += tags
    for name in _OBJECTS:
        value = attributes.get(name)
        if value is not None:
            if type(value) is not dict:
                return False
            texts += value
    texts += (value for name in _TEXTS if (value := attributes.get(name)) is not None)
    return _texts(texts)


def account(raw: Any, where: str) -> tuple[str, str]:
    """One item checked against ``wire.AccountData``: its config id and AWS account id."""
    if not _surely_valid(raw):
        data = parse(wire.AccountData, raw, where)
        return data.id, data.attributes.aws_account_id
    return raw["id"], raw["attributes"]["aws_account_id"]


def items(body: Any, where: str) -> list[dict[str, Any]]:
    """The items of an ``AWSAccountsResponse``, every one checked, none dropped. Two items
    for one aws_account_id are an error: the tool could not tell which one it manages."""
    data = body.get("data") if type(body) is dict else None
    if type(data) is not list or not all(map(_surely_valid, data)):
        parse(wire.AccountsResponse, body, where)  # the model's first problem, if any
    items: list[dict[str, Any]] = body["data"]
    seen: dict[str, str] = {}
    for item in items:
        key, rid = item["attributes"]["aws_account_id"], item["id"]
        if key in seen:
            raise ApiError(
                f"{where}: unexpected answer: AWS account "
                f"{printable.printable(key)} is integrated twice (configs "
                f"{printable.printable(seen[key])} and {printable.printable(rid)}); "
                "delete one in Datadog",
                service="Datadog",
            )
        seen[key] = rid
    return items


def item(
    body: Any, where: str, *, written: bool = False, expected_id: str | None = None
) -> dict[str, Any]:
    """The ``data`` of an ``AWSAccountResponse``; without an id it is an error, never an
    object recorded with an empty id. ``expected_id``: the config the call was about; an
    answer about another one is an error too."""
    data = parse(wire.AccountResponse, body, where, written=written).data
    if expected_id is not None and data.id.lower() != expected_id.lower():
        raise ApiError(
            f"{where}: unexpected answer: it is about config {printable.printable(data.id)}",
            service="Datadog",
        )
    item: dict[str, Any] = body["data"]
    return item

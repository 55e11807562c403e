"""Answers of Datadog's AWS account endpoints, checked before the kind reads them: every item
against the typed models of ``reconciler.clients.datadog_models``, none dropped, and two
configs for one AWS account an error (the tool could not tell which one it manages)."""

from __future__ import annotations

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


def items(body: Any, where: str) -> list[dict[str, Any]]:
    """The items of an ``AWSAccountsResponse``, every one checked, none dropped. Two items
    for one aws_account_id are an error: the tool could not tell which one it manages."""
    listing = parse(wire.AccountsResponse, body, where)
    seen: dict[str, str] = {}
    for item in listing.data:
        key = item.attributes.aws_account_id
        if key in seen:
            raise ApiError(
                f"{where}: unexpected answer: AWS account "
                f"{printable.printable(key)} is integrated twice (configs "
                f"{printable.printable(seen[key])} and {printable.printable(item.id)}); "
                "delete one in Datadog",
                service="Datadog",
            )
        seen[key] = item.id
    items: list[dict[str, Any]] = body["data"]
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

"""The plain check of listed Datadog accounts agrees with the typed model: it never takes an
item the model refuses, and a refused listing fails with the model's own first problem."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.clients import datadog_models as wire
from reconciler.errors import ApiError
from reconciler.kinds import datadog_answers as answers

ITEM: dict[str, Any] = {
    "id": "0f8e6a44-1111-4c7a-9c8d-2f9e3a1b5c6d",
    "type": "account",
    "attributes": {
        "aws_account_id": "123456789012",
        "account_tags": ["env:prod"],
        "auth_config": {"role_name": "DatadogIntegrationRole", "external_id": "abc"},
        "aws_partition": "aws",
        "aws_regions": {"include_all": True},
        "logs_config": {"lambda_forwarder": {"lambdas": [], "sources": []}},
        "metrics_config": {"enabled": True},
        "resources_config": {"extended_collection": True},
        "traces_config": {"xray_services": {"include_only": []}},
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-01T00:00:00Z",
        "new_member": {"anything": 1},
    },
}
SURROGATE = json.loads('"\\ud800"')  # what json.loads makes of a lone surrogate escape
ODD = [
    *(None, "", "x", 0, 1.5, True, [], ["x"], [1], {}, {"a": 1}, "account", "123456789012"),
    *(SURROGATE, [SURROGATE], {SURROGATE: 1}, "é"),
]


def _mutated(rng: random.Random) -> Any:
    item = copy.deepcopy(ITEM)
    for _ in range(rng.randint(1, 3)):
        attributes = item.get("attributes")
        target = attributes if isinstance(attributes, dict) and rng.random() < 0.6 else item
        key = rng.choice([*target, "other", SURROGATE])
        if rng.random() < 0.25:
            target.pop(key, None)
        else:
            target[key] = rng.choice(ODD)
    return item


def _model_takes(item: Any) -> bool:
    try:
        wire.AccountData.model_validate(item)
    except ValidationError:
        return False
    return True


def test_the_plain_check_never_takes_what_the_model_refuses() -> None:
    rng = random.Random(11)
    outcomes = set()
    for _ in range(3000):
        item = _mutated(rng)
        surely = answers._surely_valid(item)
        model = _model_takes(item)
        assert model or not surely, item
        outcomes.add((surely, model))
    assert (True, True) in outcomes and (False, False) in outcomes
    assert answers._surely_valid(ITEM)


def test_a_refused_item_is_the_models_first_problem() -> None:
    bad = copy.deepcopy(ITEM)
    bad["attributes"]["account_tags"] = ["ok", 7]
    body = {"data": [ITEM, bad]}
    with pytest.raises(ApiError) as caught:
        answers.items(body, "GET /accounts")
    assert "GET /accounts: unexpected answer: data[1].attributes.account_tags[1]" in str(
        caught.value
    )
    with pytest.raises(ApiError, match=r"item: unexpected answer: attributes\.account_tags"):
        answers.account(bad, "item")


def test_a_listing_the_plain_check_takes_is_returned_whole() -> None:
    other = copy.deepcopy(ITEM)
    other["id"], other["attributes"]["aws_account_id"] = "second", "210987654321"
    body = {"data": [ITEM, other], "meta": {"page": 1}}
    assert answers.items(body, "GET /accounts") == [ITEM, other]
    assert answers.account(other, "item") == ("second", "210987654321")
    twice = {"data": [ITEM, copy.deepcopy(ITEM)]}
    with pytest.raises(ApiError, match="integrated twice"):
        answers.items(twice, "GET /accounts")


def test_a_string_the_model_cannot_read_is_never_taken() -> None:
    # pydantic-core refuses a lone surrogate; the plain check must leave it to the model.
    places: list[tuple[bool, str, Any]] = [
        (True, "id", SURROGATE),
        (False, "aws_account_id", SURROGATE),
        (True, SURROGATE, 1),  # a key
        (False, SURROGATE, 1),
    ]
    for top, key, value in places:
        item = copy.deepcopy(ITEM)
        (item if top else item["attributes"])[key] = value
        assert not _model_takes(item)
        assert not answers._surely_valid(item)
        with pytest.raises(ApiError, match="unexpected answer"):
            answers.items({"data": [item]}, "GET /accounts")


def test_the_plain_check_names_every_typed_member_of_the_model() -> None:
    """The plain check lists the typed members by hand: a member added to the model and not
    to those lists would be taken unchecked."""
    objects, texts, other = set(), set(), set()
    for name, field in wire.AccountAttributes.model_fields.items():
        if field.annotation == (wire.Obj | None):
            objects.add(name)
        elif field.annotation == (str | None):
            texts.add(name)
        else:
            other.add(name)
    assert set(answers._OBJECTS) == objects
    assert set(answers._TEXTS) == texts
    assert other == {"aws_account_id", "account_tags"}  # checked one by one in _surely_valid

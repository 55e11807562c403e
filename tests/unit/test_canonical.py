"""Canonical JSON for digests: one text per value, whatever the order of its keys."""

from __future__ import annotations

import json
from datetime import date

import pytest

from reconciler.canonical import canonical_json, pretty_json


def test_keys_are_sorted_at_every_level_and_nothing_is_spaced() -> None:
    a = {"b": {"y": [1, {"q": None, "p": True}], "x": "é"}, "a": 1.5}
    b = {"a": 1.5, "b": {"x": "é", "y": [1, {"p": True, "q": None}]}}
    assert canonical_json(a) == canonical_json(b)
    assert json.loads(canonical_json(a)) == a
    plain = {"z": ["env:prod", 3], "a": {"c": False, "b": None}}
    assert (
        canonical_json(plain) == json.dumps(plain, sort_keys=True, separators=(",", ":")).encode()
    )


def test_what_orjson_refuses_is_written_by_json() -> None:
    huge = {"n": 2**70, "m": [1]}
    assert canonical_json(huge) == b'{"m":[1],"n":1180591620717411303424}'


def test_values_json_cannot_hold_need_a_default() -> None:
    with pytest.raises(TypeError):
        canonical_json({"when": {1, 2}})
    assert canonical_json({"when": date(2026, 1, 2)}, default=str) in (b'{"when":"2026-01-02"}',)


@pytest.mark.parametrize("sort_keys", [False, True])
def test_pretty_json_is_what_json_writes(sort_keys: bool) -> None:
    doc = {
        "z": [1, -0.0, 0.1, 1e16, True, None, 'é \u2028 " \\ \x01', [], {}],
        "a": {"nested": [{"b": 2, "a": 1}], "": "empty key"},
        "big": 2**70,  # past orjson's integers: json writes it
    }
    for value in (doc, {k: v for k, v in doc.items() if k != "big"}):
        expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
        assert pretty_json(value, sort_keys=sort_keys) == expected


def test_pretty_json_refuses_what_json_refuses() -> None:
    """A dataclass or a datetime (orjson would write them; ``redact.deep`` does not look into
    them) is refused as ``json`` refuses it; small floats and NaN read back as written."""
    import dataclasses
    from datetime import datetime

    @dataclasses.dataclass
    class Held:
        secret: str

    for value in ({"a": Held("hunter2hunter2")}, {"a": datetime(2026, 1, 1)}):
        with pytest.raises(TypeError):
            pretty_json(value)
    assert json.loads(pretty_json({"a": [1e-05, 1e-7, 2.5e-300]})) == {"a": [1e-05, 1e-7, 2.5e-300]}
    assert json.loads(pretty_json({"a": float("nan")})) == {"a": None}

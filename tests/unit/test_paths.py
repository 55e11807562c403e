"""``paths.expand``: a pattern of key names alone is looked up directly; the paths it finds
are the ones the general walk finds."""

from __future__ import annotations

import random
from typing import Any

import pytest

from reconciler import paths

KEYS = ["a", "b", "c"]


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 4 or roll < 0.15:
        return rng.choice([None, 0, "x", True, []])
    if roll < 0.25:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 2))]
    return {k: value(rng, depth + 1) for k in rng.sample(KEYS, rng.randint(1, 3))}


@pytest.mark.parametrize("pattern", ["a", "a.b", "a.b.c", "c.a", "b.b.b.b"])
def test_key_patterns_find_what_the_walk_finds(pattern: str) -> None:
    rng = random.Random(pattern)
    segs = paths.parse_pattern(pattern)
    found = 0
    for _ in range(1000):
        v = value(rng)
        direct = list(paths.expand(pattern, v))
        assert direct == list(paths._expand(segs, v, 0, ()))
        found += bool(direct)
    assert found > 20  # the random values do hold the path, often enough


def test_wildcards_and_indexes_still_walk() -> None:
    v = {"a": [{"b": 1}, {"b": 2}, {"c": 3}], "x": {"b": 4}}
    assert list(paths.expand("a[].b", v)) == [("a", 0, "b"), ("a", 1, "b")]
    assert list(paths.expand("*.b", v)) == [("x", "b")]
    assert list(paths.expand("a[2].c", v)) == [("a", 2, "c")]

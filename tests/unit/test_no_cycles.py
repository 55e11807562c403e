"""The large work of a plan leaves no reference cycles behind: what it drops is freed by
reference counting, so ``gc_pace`` can leave the collector alone for long stretches without
memory growing."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler import paths
from reconciler.config import load_config
from reconciler.registry import KINDS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def no_collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    gc.collect()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cycles_left_by(work: Callable[[], Any]) -> int:
    work()
    return gc.collect()


@pytest.mark.usefixtures("no_collector")
def test_loading_a_configuration_leaves_no_cycles() -> None:
    env = {"LEGACY_AWS_SECRET": "example-secret-value"}
    load_config(EXAMPLES, KINDS, env=env)  # imports and caches filled once
    gc.collect()
    assert cycles_left_by(lambda: load_config(EXAMPLES, KINDS, env=env)) == 0


@pytest.mark.usefixtures("no_collector")
def test_expanding_a_pattern_leaves_no_cycles() -> None:
    value = {"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}
    list(paths.expand("a[].b", value))
    gc.collect()
    assert cycles_left_by(lambda: [list(paths.expand("a[].b", value)) for _ in range(10)]) == 0

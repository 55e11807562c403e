"""Full collections are made rare only inside ``relaxed()``."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from reconciler import gc_pace


def test_the_previous_pace_comes_back_even_after_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), gc_pace.relaxed():
        assert gc.get_threshold()[2] >= gc_pace.FULL_EVERY
        assert gc.get_threshold()[:2] == before[:2]
        raise RuntimeError("work failed")
    assert gc.get_threshold() == before


def test_disabled_leaves_the_pace_alone() -> None:
    before = gc.get_threshold()
    with gc_pace.relaxed(False):
        assert gc.get_threshold() == before
    assert gc.get_threshold() == before


def test_paused_stops_the_collector_inside_and_restores_it() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_pace.paused():
        assert not gc.isenabled()
        with gc_pace.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves the outer one's pause alone
        raise RuntimeError("work failed")
    assert gc.isenabled()


def test_paused_leaves_a_stopped_collector_stopped() -> None:
    gc.disable()
    try:
        with gc_pace.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_large_steps_run_without_the_collector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from reconciler import config, planner
    from reconciler.registry import KINDS
    from reconciler.state import codec
    from reconciler.state.base import State

    seen: dict[str, bool] = {}

    def spy(module: Any, name: str) -> None:
        original = getattr(module, name)

        def recorded(*args: Any, **kwargs: Any) -> Any:
            seen[name] = gc.isenabled()
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, recorded)

    spy(config, "_load_resource")
    spy(planner, "_plan_declared")
    spy(State, "model_validate")
    path = tmp_path / "main.toml"
    path.write_text(
        '[datadog_aws_account.a]\naws_account_id = "123456789012"\n'
        'auth_config = { role_name = "DatadogIntegrationRole" }\n'
    )
    loaded = config.load_config(path, KINDS, env={})
    state = codec.decode_state(codec.encode_state(State.new()), "state.json")
    kinds = {name: kind(loaded.settings) for name, kind in KINDS.items()}
    planner.build_plan(loaded, {}, state, kinds)
    assert seen == {"_load_resource": False, "_plan_declared": False, "model_validate": False}
    assert gc.isenabled()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_large_block_is_frozen_after_it_and_garbage_made_before_is_not() -> None:
    gc.unfreeze()
    try:
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle, dropped just before the block
        gone = weakref.ref(a)
        del a, b
        with gc_pace.paused():
            kept: list[list[int]] = [[i] for i in range(gc_pace.FREEZE_AFTER + 1000)]
        assert gc.get_freeze_count() >= len(kept)
        assert gone() is None  # collected before the block, not kept by the freeze
    finally:
        gc.unfreeze()


def test_a_small_block_freezes_nothing() -> None:
    gc.unfreeze()
    try:
        with gc_pace.paused():
            kept: list[list[int]] = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == 0 and len(kept) == 1000
    finally:
        gc.unfreeze()

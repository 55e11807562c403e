"""Full collections are made rare only inside ``relaxed()``."""

from __future__ import annotations

import gc

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

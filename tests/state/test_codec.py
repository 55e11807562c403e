from __future__ import annotations

import pytest

from reconciler.errors import StateError
from reconciler.state.base import State
from reconciler.state.codec import check_successor


def test_check_successor() -> None:
    stored = State.new().model_copy(update={"serial": 3})
    check_successor(stored, stored.model_copy(update={"serial": 4}), "s.json")
    with pytest.raises(StateError) as exc:
        check_successor(stored, State.new().model_copy(update={"serial": 4}), "s.json")
    assert str(exc.value).startswith("s.json: refusing to overwrite a state of lineage ")
    for serial in (3, 2):
        with pytest.raises(StateError) as exc:
            check_successor(stored, stored.model_copy(update={"serial": serial}), "s3://b/k")
        assert str(exc.value) == (
            f"s3://b/k: refusing to write serial {serial}: the stored state is already at "
            "serial 3 (written by another run?)"
        )

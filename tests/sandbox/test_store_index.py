"""A store index follows every commit, ignores rolled-back drafts and is rebuilt on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox.store import Store


def _colour(record: Any) -> str:
    return str(record["colour"])


def test_an_index_follows_puts_changes_and_removals(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.update() as doc:
        doc["datadog"]["accounts"]["a"] = {"colour": "red"}
    index = store.index("datadog", "accounts", _colour)
    assert index.get("red") == {"a"}
    with store.update() as doc:
        doc["datadog"]["accounts"]["b"] = {"colour": "red"}
        doc["datadog"]["accounts"]["a"]["colour"] = "blue"
    assert index.get("red") == {"b"}
    assert index.get("blue") == {"a"}
    with pytest.raises(RuntimeError), store.update() as doc:
        del doc["datadog"]["accounts"]["b"]
        raise RuntimeError("handler failed")
    assert index.get("red") == {"b"}
    with store.update() as doc:
        del doc["datadog"]["accounts"]["b"]
    assert index.get("red") == frozenset()
    store.close()
    reloaded = Store(tmp_path).index("datadog", "accounts", _colour)
    assert reloaded.get("red") == frozenset()
    assert reloaded.get("blue") == {"a"}


def test_an_index_is_built_from_the_journal_too(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for i in range(3):
        with store.update() as doc:
            doc["datadog"]["accounts"][f"id{i}"] = {"colour": "green" if i else "grey"}
    assert store.journal_path.exists()
    index = Store(tmp_path).index("datadog", "accounts", _colour)
    assert index.get("green") == {"id1", "id2"}

"""The sandbox's store writes what changed, not the whole cloud, and survives a torn append."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.sandbox.store import Store


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        with store.update() as doc:
            doc["datadog"]["accounts"][f"id{i}"] = {"id": f"id{i}", "attributes": {"n": i}}


def test_a_change_appends_only_what_changed(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 50)
    store.close()
    snapshot = store.path.stat().st_size
    with store.update() as doc:
        doc["datadog"]["accounts"]["id7"]["attributes"]["n"] = -7
    # One small line in the journal; the snapshot is untouched.
    assert store.path.stat().st_size == snapshot
    line = store.journal_path.read_text()
    assert line.count("\n") == 1 and len(line) < 100
    assert json.loads(line) == [
        ["datadog", "accounts", "id7", {"attributes": {"n": -7}, "id": "id7"}]
    ]


def test_reading_by_key_is_a_copy_until_commit(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 2)
    with pytest.raises(RuntimeError), store.update() as doc:
        doc["datadog"]["accounts"]["id0"]["attributes"]["n"] = 99
        del doc["datadog"]["accounts"]["id1"]
        assert "id1" not in doc["datadog"]["accounts"]
        assert list(doc["datadog"]["accounts"]) == ["id0"]
        raise RuntimeError("handler failed")
    with store.view() as doc:
        assert doc["datadog"]["accounts"]["id0"]["attributes"]["n"] == 0
        assert set(doc["datadog"]["accounts"]) == {"id0", "id1"}


def test_untouched_records_are_read_only_while_iterating(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 1)
    with pytest.raises(TypeError), store.update() as doc:
        for record in doc["datadog"]["accounts"].values():
            record["id"] = "changed"


def test_reads_and_refusals_write_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 3)
    store.close()
    before = store.path.read_bytes()
    with store.update() as doc:
        accounts = doc["datadog"]["accounts"]
        assert accounts.get("id1") == {"id": "id1", "attributes": {"n": 1}}
        assert len(accounts) == 3
    assert not store.journal_path.exists()
    assert store.path.read_bytes() == before


def test_journal_is_replayed_and_folded_by_the_next_load(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 40)
    with store.update() as doc:
        doc["datadog"]["accounts"].pop("id3")
        doc["logs"]["integrations"]["k"] = {"name": "k"}
    assert store.journal_path.exists()  # not folded yet: smaller than the snapshot
    again = Store(tmp_path)
    assert not again.journal_path.exists()
    with store.view() as mine, again.view() as theirs:
        assert mine == theirs
        assert "id3" not in theirs["datadog"]["accounts"]
    assert json.loads(again.path.read_text()) == theirs


def test_torn_last_line_is_an_update_that_never_finished(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 40)
    with store.update() as doc:
        doc["datadog"]["accounts"]["id0"]["attributes"]["n"] = 100
    with store.journal_path.open("a") as fh:
        fh.write('[["datadog","accounts","id1",{"id":')
    again = Store(tmp_path)
    with again.view() as doc:
        assert doc["datadog"]["accounts"]["id0"]["attributes"]["n"] == 100
        assert doc["datadog"]["accounts"]["id1"]["attributes"]["n"] == 1


def test_crash_between_fold_and_journal_removal_is_harmless(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 40)
    with store.update() as doc:
        del doc["datadog"]["accounts"]["id5"]
        doc["datadog"]["accounts"]["new"] = {"id": "new"}
    journal = store.journal_path.read_bytes()
    store.close()
    store.journal_path.write_bytes(journal)  # the snapshot already holds these changes
    with Store(tmp_path).view() as doc, store.view() as expected:
        assert doc == expected


def test_corrupt_journal_line_is_one_clear_error(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _fill(store, 40)
    store.journal_path.write_text("not json\n[]\n")
    with pytest.raises(StateError) as exc:
        Store(tmp_path)
    assert "sandbox.journal:1" in str(exc.value)

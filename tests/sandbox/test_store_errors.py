"""The sandbox's data file: every way it can be unreadable is one clear error naming it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.sandbox.store import Store


def test_non_utf8_data_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_bytes(b'{"version": 1, "datadog": "\xff\xfe"}')
    with pytest.raises(StateError) as exc:
        Store(tmp_path)
    assert str(exc.value) == (
        f"{path}: the sandbox data is not UTF-8 text (byte 27); delete it to start afresh"
    )


def test_data_dir_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sandbox.json").mkdir()
    with pytest.raises(StateError, match="cannot read the sandbox data: Is a directory"):
        Store(tmp_path)


def test_written_data_is_private_and_whole(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    with store.update() as doc:
        doc["logs"]["integrations"]["x"] = {"name": "x"}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(store.path.read_text())["logs"]["integrations"] == {"x": {"name": "x"}}
    assert Store(tmp_path / "data").path.read_bytes() == store.path.read_bytes()
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["sandbox.json"]

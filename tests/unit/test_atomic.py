from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from reconciler.atomic import write_atomic, write_atomic_files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def refuse_directory_fsync(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make os.fsync fail on directories, as some filesystems do; files sync as usual."""
    refused: list[int] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            refused.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return refused


def test_creates_and_replaces_with_the_given_mode(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    write_atomic(path, b"one\n")
    assert path.read_bytes() == b"one\n"
    assert mode(path) == 0o600

    write_atomic(path, b"two\n", mode=0o644)
    assert path.read_bytes() == b"two\n"
    assert mode(path) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_a_refused_directory_fsync_is_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = refuse_directory_fsync(monkeypatch)
    path = tmp_path / "f.json"
    write_atomic(path, b"data\n")
    assert refused, "the directory fsync was not attempted"
    assert path.read_bytes() == b"data\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_missing_directory_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "f.json", b"x")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_changes_none_of_the_files(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_bytes(b"old a\n")
    with pytest.raises(FileNotFoundError):
        write_atomic_files([(first, b"new a\n"), (tmp_path / "missing" / "b.json", b"new b\n")])
    assert first.read_bytes() == b"old a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_several_files_with_one_mode(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_atomic_files([(a, b"1"), (b, b"2")], mode=0o640)
    assert (a.read_bytes(), b.read_bytes()) == (b"1", b"2")
    assert mode(a) == mode(b) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]

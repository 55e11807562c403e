"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

A replacement is staged in ``.<name>.<8 random characters>.tmp`` beside the file. Staging files
never outlive the call that made them, except when the process is killed in the middle (kill -9,
power loss): a state's staging file is then a full copy of that state, digest key included, so
the next run that holds the state lock removes them (``remove_staging_files``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``. The parent directory must exist. Raises ``OSError``;
    after a failure ``path`` is as it was and no temporary file is left behind."""
    write_atomic_files([(path, data)], mode)


def write_atomic_files(files: Sequence[tuple[Path, bytes]], mode: int = 0o600) -> None:
    """Replace several files, in order. Every new file is written and synced before the first
    one is put in place, so a failure while writing (disk full, size limit) changes none of
    them. Each replacement is atomic on its own; the set is not."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            staged.append((stage(path, data, mode), path))
        while staged:
            tmp, path = staged[0]
            os.replace(tmp, path)
            staged.pop(0)
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    for directory in dict.fromkeys(path.parent for path, _ in files):
        sync_directory(directory)


def staging_files(path: Path) -> list[Path]:
    """The staging files of ``path`` in its directory, sorted. Only names ``_stage`` makes for
    exactly this file: ``.s.json.v2.<random>.tmp`` is not one of ``s.json``'s."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}" + re.escape(".tmp"))
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return []
    return sorted(path.parent / n for n in names if pattern.fullmatch(n))


def remove_staging_files(path: Path) -> list[Path]:
    """Remove what ``staging_files`` finds; the files removed. Only for a caller that knows
    no writer of ``path`` is alive (one holding the lock that every writer holds)."""
    removed = []
    for tmp in staging_files(path):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def stage(path: Path, data: bytes, mode: int) -> str:
    """Write ``data`` to a new staging file beside ``path``, synced; its name. The caller
    renames (or links) it into place and removes it on failure."""
    # mkstemp creates the file 0600 in the target's own directory: os.replace then stays on
    # one filesystem (atomic), and the file is never readable by others before fchmod.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def sync_directory(directory: Path) -> None:
    # Makes the rename itself durable (without it a crash can bring back the old name). Some
    # filesystems refuse to open or fsync a directory; the new file is already in place by
    # then, so that is never reported as a failed write.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

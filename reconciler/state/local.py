"""The local state backend: one JSON file, a ``.backup`` of the one before, and a lock file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from reconciler.errors import StateError
from reconciler.state.base import LockInfo, State
from reconciler.state.codec import decode_state, dump_state
from reconciler.state.lock import FileLockStore, StateLock

_Fill = Callable[[IO[str]], object]


class LocalBackend:
    def __init__(
        self,
        path: Path,
        lock_timeout: float = 10.0,
        lock_ttl: float = 3600.0,
        poll_interval: float = 0.2,
    ) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self._lock = StateLock(
            FileLockStore(self.lock_path), str(path), lock_timeout, lock_ttl, poll_interval
        )

    def describe(self) -> str:
        return str(self.path)

    def _read_bytes(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read state: {exc.strerror}", file=str(self.path)) from None

    def read(self) -> State | None:
        data = self._read_bytes()
        return None if data is None else decode_state(data, str(self.path))

    def write(self, state: State) -> None:
        old = self._read_bytes()
        if old is not None:
            # A corrupt or foreign file is never silently replaced.
            stored = decode_state(old, str(self.path))
            if stored.lineage != state.lineage:
                raise StateError(
                    f"refusing to overwrite a state of lineage {stored.lineage} with one of "
                    f"lineage {state.lineage}",
                    file=str(self.path),
                )
            if state.serial <= stored.serial:
                raise StateError(
                    f"refusing to write serial {state.serial}: the stored state is already at "
                    f"serial {stored.serial} (written by another run?)",
                    file=str(self.path),
                )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = self._write_temp(lambda f: dump_state(state, f))
            try:
                if old is not None:
                    # The previous state stays readable as <name>.backup, as Terraform keeps.
                    backup = self._write_temp(lambda f: f.write(old.decode()))
                    os.replace(backup, self.backup_path)
                os.replace(new, self.path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(new)
                raise
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise StateError(f"cannot write state: {exc.strerror}", file=str(self.path)) from None

    def _write_temp(self, fill: _Fill) -> str:
        # mkstemp creates the file 0600 in the target directory, so os.replace stays on one
        # filesystem (atomic) and the secret-free but sensitive state is never world-readable.
        fd, name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                fill(f)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise
        return name

    def lock(self, operation: str) -> AbstractContextManager[LockInfo]:
        return self._lock.hold(operation)

    def current_lock(self) -> LockInfo | None:
        return self._lock.current()

    def force_unlock(self, lock_id: str) -> None:
        self._lock.force_unlock(lock_id)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable: without it a crash can bring back the old name.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

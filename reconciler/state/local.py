"""The local state backend: one JSON file, a ``.backup`` of the one before, and a lock file."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from reconciler.atomic import write_atomic_files
from reconciler.errors import StateError
from reconciler.state.base import LockInfo, State
from reconciler.state.codec import check_successor, decode_state, encode_state
from reconciler.state.lock import FileLockStore, StateLock


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
        new = encode_state(state)  # fails before any file is touched if a value cannot be stored
        old = self._read_bytes()
        files = [(self.path, new)]
        if old is not None:
            # A corrupt or foreign file is never silently replaced.
            check_successor(decode_state(old, str(self.path)), state, str(self.path))
            # The previous state stays readable as <name>.backup, as Terraform keeps.
            files.insert(0, (self.backup_path, old))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # 0600: the state holds the digest key, which lets anyone test guesses of a secret.
            write_atomic_files(files, mode=0o600)
        except OSError as exc:
            raise StateError(f"cannot write state: {exc.strerror}", file=str(self.path)) from None

    def lock(self, operation: str) -> AbstractContextManager[LockInfo]:
        return self._lock.hold(operation)

    def current_lock(self) -> LockInfo | None:
        return self._lock.current()

    def force_unlock(self, lock_id: str) -> None:
        self._lock.force_unlock(lock_id)

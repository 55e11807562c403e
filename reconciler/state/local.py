"""The local state backend: one JSON file, a ``.backup`` of the one before, a ``.journal`` of
the operations of an apply not yet folded into it (``reconciler.state.journal``), and a lock
file."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from reconciler.atomic import remove_staging_files, write_atomic_files
from reconciler.errors import StateError
from reconciler.state.base import LockInfo, Notify, Operation, State, late_records
from reconciler.state.codec import check_successor, decode_state, encode_state
from reconciler.state.journal_file import JournalFile
from reconciler.state.lock import LockHandle, StateLock
from reconciler.state.lock_file import FileLockStore


class LocalBackend:
    def __init__(
        self,
        path: Path,
        lock_timeout: float = 10.0,
        lock_ttl: float = 60.0,
        poll_interval: float = 0.2,
    ) -> None:
        self.path = path
        self.backup_path = path.with_name(path.name + ".backup")
        self.lock_path = path.with_name(path.name + ".lock")
        self.journal = JournalFile(path.with_name(path.name + ".journal"))
        self._store = FileLockStore(self.lock_path)
        self.state_lock = StateLock(self._store, str(path), lock_timeout, lock_ttl, poll_interval)

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
        return self.journal.replayed(self._read_bytes, str(self.path)).state

    def append(self, state: State, op: Operation) -> None:
        self.journal.append(state, op)

    def fold(self) -> int:
        if not self.journal.size():
            return 0  # nothing recorded: no need to read the state
        replayed = self.journal.replayed(self._read_bytes, str(self.path))
        if replayed.pending:
            assert replayed.state is not None
            self._write(replayed.state)
        if replayed.journal_size is not None:
            self.journal.remove(folded=replayed.journal_size)
        return replayed.pending

    def write(self, state: State) -> None:
        if self.journal.size():
            raise late_records(str(self.journal.path))
        self._write(state)
        self.journal.remove(folded=0)

    def _write(self, state: State) -> None:
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

    def lock(
        self, operation: str, notify: Notify | None = None
    ) -> AbstractContextManager[LockHandle]:
        def prepare(handle: LockHandle) -> None:
            self._remove_staging_files(handle, notify)
            handle.tell_folded(self.fold(), str(self.journal.path), notify)

        return self.state_lock.hold(operation, notify, prepare)

    def _remove_staging_files(self, handle: LockHandle, notify: Notify | None) -> None:
        # Every writer of these files holds the lock, and we now do: any staging file left is
        # from a run killed mid-write (of the state and its backup, a full copy of a state with
        # its digest key). Runs trying to create the lock stage under another name, left alone.
        # Under the directory flock, so a renewal of our own lock is not staging meanwhile.
        try:
            with self._store.exclusive("clean up staging files beside the"):
                removed = [
                    tmp
                    for path in (self.path, self.backup_path, self.lock_path)
                    for tmp in remove_staging_files(path)
                ]
        except OSError as exc:
            raise StateError(
                f"cannot remove staging files: {exc.strerror}", file=str(self.path)
            ) from None
        if removed:
            line = (
                f"removed {len(removed)} staging file(s) left by an interrupted write: "
                + ", ".join(p.name for p in removed)
            )
            handle.tell(line, notify)

    def current_lock(self) -> LockInfo | None:
        return self.state_lock.current()

    def force_unlock(self, lock_id: str) -> None:
        self.state_lock.force_unlock(lock_id)

"""The local state's journal: ``<state>.journal``, appended to one record at a time and
fsynced before an apply moves on; 0600 like the state (its records hold digests, and the
state's digest key is what makes them testable)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from reconciler.atomic import sync_directory
from reconciler.errors import StateError
from reconciler.state.base import Operation, State
from reconciler.state.journal import Replayed, decode_lines, encode_record, replay_stored


class JournalFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None  # open for appending, from this run's first record on
        self._size = 0
        self._broken = False

    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(
                f"cannot read the journal: {exc.strerror}", file=str(self.path)
            ) from None

    def replayed(self, read_state: Callable[[], bytes | None], where: str) -> Replayed:
        """The stored state (``read_state``, named ``where``) with this journal replayed.
        Read journal first, state second: a fold between the two then shows as a journal
        already in the state. A mismatch seen while the files changed is read again."""
        for _ in range(3):
            journal = self._read()
            data = read_state()
            try:
                return self._replay(data, journal, where)
            except StateError:
                if journal == self._read() and data == read_state():
                    raise
        # Still changing after three reads (a fold in progress each time?): refused, as the
        # S3 backend does, rather than a state read against a journal read at another time.
        raise StateError(
            "the state and its journal kept changing while they were read (another run "
            "folding?); run the command again",
            file=str(self.path),
        )

    def _replay(self, data: bytes | None, journal: bytes | None, where: str) -> Replayed:
        records = decode_lines(journal, str(self.path))[0] if journal is not None else []
        replayed = replay_stored(data, records, where, str(self.path))
        replayed.journal_size = None if journal is None else len(journal)
        return replayed

    def append(self, state: State, op: Operation) -> None:
        line = encode_record(state.lineage, state.serial, op)  # refuses a secret first
        if self._broken:
            raise StateError(
                "the journal is not written after a failed append", file=str(self.path)
            )
        try:
            if self._fd is None:
                # O_EXCL: a journal left by another run is folded when the lock is taken,
                # so one found here is not ours to append to.
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                self._fd = os.open(self.path, flags, 0o600)
                self._size = 0
                sync_directory(self.path.parent)
            elif os.stat(self.path).st_ino != os.fstat(self._fd).st_ino:
                raise FileNotFoundError
        except FileExistsError:
            raise StateError(
                "a journal is already there (not folded: another run's?); nothing was recorded",
                file=str(self.path),
            ) from None
        except FileNotFoundError:
            self._broken = True
            raise StateError(
                "the journal was removed or replaced while this run appended to it (by "
                "another run?); nothing more is recorded",
                file=str(self.path),
            ) from None
        except OSError as exc:
            raise StateError(
                f"cannot create the journal: {exc.strerror}", file=str(self.path)
            ) from None
        self._write(self._fd, line)

    def _write(self, fd: int, line: bytes) -> None:
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            self._size += len(line)
        except OSError as exc:
            # The serials go on in memory: no record may follow a missing one.
            self._broken = True
            with contextlib.suppress(OSError):  # no half-written record stays behind
                os.ftruncate(fd, self._size)
            raise StateError(
                f"cannot write the journal: {exc.strerror}", file=str(self.path)
            ) from None

    def size(self) -> int:
        """The journal's size in bytes (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StateError(
                f"cannot read the journal: {exc.strerror}", file=str(self.path)
            ) from None

    def remove(self, folded: int | None = None) -> None:
        """Drop the journal (its records are in the state now); ``folded``: only if it still
        has that size (a run that lost its lock without noticing yet may append meanwhile)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            if folded is not None and self.path.stat().st_size != folded:
                raise StateError(
                    "the journal grew while it was folded into the state (a run that lost "
                    "the lock still recording?): the state holds what was read, the journal "
                    "is left for you to check",
                    file=str(self.path),
                )
            self.path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StateError(
                f"cannot remove the journal after folding it: {exc.strerror}",
                file=str(self.path),
            ) from None
        sync_directory(self.path.parent)

"""The state lock: one small object beside the state, created only if absent, holding
``LockInfo`` as JSON.

The algorithm is shared by every backend; a ``LockStore`` supplies three primitives:
- ``create``: write the lock only if none exists (``O_EXCL`` locally, ``If-None-Match: *`` on S3).
- ``load``: the lock's bytes and a version token (a content digest locally, the ETag on S3).
- ``delete``: remove it only if it is still at that token (compare-and-delete).

Every removal (release, take-over of an expired lock, force-unlock) is a compare-and-delete of
exactly the lock that was inspected, so a run can never remove a lock some other run has just
taken. An unreadable lock is treated as held and is only ever removed by force-unlock.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from reconciler.errors import LockError, StateError
from reconciler.state.base import LockInfo, now

UNREADABLE_PREFIX = "unreadable-"


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


class LockStore(Protocol):
    def describe(self) -> str: ...

    def create(self, payload: bytes) -> bool:
        """Write ``payload`` if no lock exists; False if one does."""
        ...

    def load(self) -> tuple[bytes, str] | None:
        """The lock's bytes and version token, or None when there is no lock."""
        ...

    def delete(self, token: str) -> bool:
        """Remove the lock only if it is still at ``token``; False if it changed or is gone."""
        ...


@dataclass(frozen=True)
class _Unreadable:
    reason: str
    token: str

    @property
    def pseudo_id(self) -> str:
        # A digest of exactly what was inspected: force-unlock with it removes that file only.
        return UNREADABLE_PREFIX + hashlib.sha256(self.token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Held:
    info: LockInfo
    token: str


class StateLock:
    def __init__(
        self,
        store: LockStore,
        state_name: str,
        timeout: float,
        ttl: float,
        poll_interval: float,
    ) -> None:
        self.store = store
        self.state_name = state_name
        self.timeout = timeout
        self.ttl = ttl
        self.poll_interval = poll_interval

    def _inspect(self) -> _Held | _Unreadable | None:
        found = self.store.load()
        if found is None:
            return None
        data, token = found
        if not data:
            # Also what a reader can see in the instant between creation and the write.
            return _Unreadable("is empty", token)
        try:
            return _Held(LockInfo.model_validate_json(data), token)
        except ValidationError:
            return _Unreadable("does not hold valid lock information", token)

    def _unreadable_message(self, found: _Unreadable) -> str:
        return (
            f"lock {self.store.describe()} {found.reason}; it is treated as held. If no run "
            f"is using this state, remove it with: reconciler force-unlock {found.pseudo_id}"
        )

    def current(self) -> LockInfo | None:
        found = self._inspect()
        if isinstance(found, _Unreadable):
            raise LockError(self._unreadable_message(found))
        return None if found is None else found.info

    def acquire(self, operation: str) -> LockInfo:
        created = now()
        info = LockInfo(
            id=str(uuid.uuid4()),
            who=who(),
            pid=os.getpid(),
            operation=operation,
            created=created,
            expires=created + timedelta(seconds=self.ttl),
        )
        payload = info.model_dump_json(indent=2).encode() + b"\n"
        deadline = time.monotonic() + self.timeout
        while True:
            if self.store.create(payload):
                return info
            found = self._inspect()
            if found is None:
                continue  # released between our create and our read: try again at once
            # Expired. Several runs may see this at once: each deletes only if the lock is still
            # the one it read (compare-and-delete), then all race on create, which exactly one
            # of them wins. The rest see a live lock and wait. A delete that removed nothing
            # (the lock changed, or the store refused) also waits: retrying at once would spin
            # without ever reaching the deadline.
            expired = isinstance(found, _Held) and found.info.expires <= now()
            if expired and self.store.delete(found.token):
                continue
            if time.monotonic() >= deadline:
                if isinstance(found, _Unreadable):
                    raise LockError(self._unreadable_message(found))
                holder = found.info
                raise LockError(
                    f"state {self.state_name} is locked: {holder.describe()}, expires "
                    f"{holder.expires.isoformat(timespec='seconds')}; gave up after "
                    f"{self.timeout:g}s. If that run is gone, use: reconciler force-unlock "
                    f"{holder.id}"
                )
            time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))

    def release(self, info: LockInfo) -> None:
        # If our lock expired and another run took it over, it carries their id and stays:
        # removing it would let a third run in beside them.
        found = self._inspect()
        if isinstance(found, _Held) and found.info.id == info.id:
            self.store.delete(found.token)

    @contextmanager
    def hold(self, operation: str) -> Iterator[LockInfo]:
        info = self.acquire(operation)
        try:
            yield info
        finally:
            self.release(info)

    def force_unlock(self, lock_id: str) -> None:
        found = self._inspect()
        if found is None:
            raise LockError(f"state {self.state_name} is not locked")
        if isinstance(found, _Unreadable):
            actual, held = found.pseudo_id, self._unreadable_message(found)
        else:
            actual, held = found.info.id, found.info.describe()
        if actual != lock_id:
            raise LockError(f"lock id {lock_id} does not match the current lock: {held}")
        if not self.store.delete(found.token):
            raise LockError(f"the lock on {self.state_name} changed while removing it; retry")


class FileLockStore:
    """A lock file, created with ``O_CREAT | O_EXCL``. Compare-and-delete runs under an
    ``flock`` of the directory, so the check and the unlink cannot interleave with another
    remover; creators need no guard, as they can only succeed when the file is absent. Both
    rely on a local filesystem (neither is trustworthy over NFS)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def create(self, payload: bytes) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        except OSError as exc:
            raise StateError(f"cannot create lock: {exc.strerror}", file=str(self.path)) from None
        try:
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            # An empty or partial lock file would be treated as held by every later run.
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                detail = f"{exc.strerror}; remove the incomplete lock file by hand"
                raise StateError(f"cannot create lock: {detail}", file=str(self.path)) from None
            raise StateError(f"cannot create lock: {exc.strerror}", file=str(self.path)) from None
        return True

    def load(self) -> tuple[bytes, str] | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read lock: {exc.strerror}", file=str(self.path)) from None
        return data, hashlib.sha256(data).hexdigest()

    def delete(self, token: str) -> bool:
        if not self.path.parent.is_dir():
            return False
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError as exc:
            raise StateError(f"cannot remove lock: {exc.strerror}", file=str(self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            found = self.load()
            if found is None or found[1] != token:
                return False
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StateError(f"cannot remove lock: {exc.strerror}", file=str(self.path)) from None
        finally:
            os.close(fd)  # closing drops the flock

"""The local state lock: a file beside the state, created exclusively, holding ``LockInfo``.

Creation is ``O_CREAT | O_EXCL``, so exactly one run can create it. Removal (release,
take-over of an expired lock, force-unlock) is always "remove it only if it still holds this
id"; those removals run under an ``flock`` on the state directory, so the check and the unlink
cannot interleave with another remover. Creators need no guard: they can only succeed when
the file is absent. This relies on a local filesystem (``flock`` and ``O_EXCL`` are not
trustworthy over NFS).
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

from pydantic import ValidationError

from reconciler.errors import LockError
from reconciler.state.base import LockInfo, now

CORRUPT_PREFIX = "unreadable-"


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class _Unreadable:
    """A lock file we cannot parse. Treated as held: never deleted unless force-unlocked with
    ``pseudo_id``, a digest of its bytes (so it only removes exactly what was inspected)."""

    reason: str
    pseudo_id: str


class FileLock:
    def __init__(self, path: Path, timeout: float, ttl: float, poll_interval: float) -> None:
        self.path = path
        self.timeout = timeout
        self.ttl = ttl
        self.poll_interval = poll_interval

    # -- reading ------------------------------------------------------------------------------
    def _read(self) -> LockInfo | _Unreadable | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return _Unreadable(f"cannot be read ({exc.strerror})", CORRUPT_PREFIX + "io")
        pseudo_id = CORRUPT_PREFIX + hashlib.sha256(data).hexdigest()[:16]
        if not data:
            # Also what a reader sees in the instant between O_EXCL creation and the write.
            return _Unreadable("is empty", pseudo_id)
        try:
            return LockInfo.model_validate_json(data)
        except ValidationError:
            return _Unreadable("does not hold valid lock information", pseudo_id)

    def current(self) -> LockInfo | None:
        found = self._read()
        if isinstance(found, _Unreadable):
            raise LockError(self._unreadable_message(found))
        return found

    def _unreadable_message(self, found: _Unreadable) -> str:
        return (
            f"lock file {self.path} {found.reason}; it is treated as held. If no run is "
            f"using this state, remove it with: reconciler force-unlock {found.pseudo_id}"
        )

    # -- taking and releasing -----------------------------------------------------------------
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                try:
                    os.write(fd, payload)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                return info
            holder = self._read()
            if holder is None:
                continue  # released between our create and our read: try again at once
            if isinstance(holder, LockInfo) and holder.expires <= now():
                # Expired: remove it if it is still that same lock, then race for O_EXCL
                # again. Two runs may both see it expired; only one removal can match the id
                # and only one O_EXCL create can win, so exactly one of them gets the lock.
                self._remove_if(holder.id)
                continue
            if time.monotonic() >= deadline:
                if isinstance(holder, _Unreadable):
                    raise LockError(self._unreadable_message(holder))
                raise LockError(
                    f"state {self._state_name()} is locked: {holder.describe()}, expires "
                    f"{holder.expires.isoformat(timespec='seconds')}; gave up after "
                    f"{self.timeout:g}s. If that run is gone, use: reconciler force-unlock "
                    f"{holder.id}"
                )
            time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))

    def release(self, info: LockInfo) -> None:
        # If our lock expired and another run took it over, the file carries their id and
        # stays: removing it would let a third run in beside them.
        self._remove_if(info.id)

    def force_unlock(self, lock_id: str) -> None:
        if not self.path.parent.is_dir():
            raise LockError(f"state {self._state_name()} is not locked")
        with self._guard():
            found = self._read()
            if found is None:
                raise LockError(f"state {self._state_name()} is not locked")
            actual = found.pseudo_id if isinstance(found, _Unreadable) else found.id
            if actual != lock_id:
                held = (
                    self._unreadable_message(found)
                    if isinstance(found, _Unreadable)
                    else found.describe()
                )
                raise LockError(f"lock id {lock_id} does not match the current lock: {held}")
            self.path.unlink()

    @contextmanager
    def hold(self, operation: str) -> Iterator[LockInfo]:
        info = self.acquire(operation)
        try:
            yield info
        finally:
            self.release(info)

    def _remove_if(self, lock_id: str) -> bool:
        with self._guard():
            found = self._read()
            if isinstance(found, LockInfo) and found.id == lock_id:
                self.path.unlink()
                return True
            return False

    @contextmanager
    def _guard(self) -> Iterator[None]:
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the flock

    def _state_name(self) -> str:
        name = str(self.path)
        return name[: -len(".lock")] if name.endswith(".lock") else name

"""The state lock: a lease. One small object beside the state, created only if absent, holding
``LockInfo`` as JSON and rewritten by its holder every quarter lease while it runs.

The algorithm is shared by every backend; a ``LockStore`` supplies four primitives, each a
compare-and-swap on a version token (a content digest locally, the ETag on S3):
- ``create``: write the lock only if none exists (a hard link locally, ``If-None-Match: *`` on S3).
- ``load``: the lock's bytes and token.
- ``replace``: rewrite it only if it is still at a token (a renewal).
- ``delete``: remove it only if it is still at a token.

Rules, and why:
- A lock is taken from its holder only when the holder is known to be dead (on this machine:
  its pid is gone or reused, see ``process``) or when the waiter has itself watched the lock's
  token stay unchanged for a whole lease on its own monotonic clock. No wall clock is ever
  compared, so a holder whose clock is hours off keeps its lock as long as it renews it.
- A live holder on this machine never loses its lock, even if its renewals stall.
- Every removal (release, take-over, force-unlock) deletes exactly the lock that was inspected,
  so a run can never remove a lock another run has just taken.
- A reply can be lost (S3: botocore retries, and the retry meets our own first write). Finding
  a lock with our own id is therefore success for ``create`` and ``replace`` alike.
- An unreadable lock is treated as held and is only ever removed by force-unlock.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import ValidationError

from reconciler.errors import LockError
from reconciler.state import process
from reconciler.state.base import LockInfo, Notify, now
from reconciler.state.heartbeat import Heartbeat

UNREADABLE_PREFIX = "unreadable-"


def who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{process.this_machine().hostname}"


class LockStore(Protocol):
    def describe(self) -> str: ...

    def create(self, payload: bytes) -> str | None:
        """Write ``payload`` if no lock exists: its token, or None if a lock exists."""
        ...

    def load(self) -> tuple[bytes, str] | None:
        """The lock's bytes and version token, or None when there is no lock."""
        ...

    def replace(self, token: str, payload: bytes) -> str | None:
        """Rewrite the lock only if it is still at ``token``: the new token, or None."""
        ...

    def delete(self, token: str) -> bool:
        """Remove the lock only if it is still at ``token``; False if it changed or is gone."""
        ...


class LockHandle:
    """A held lock. ``lost`` is set, once and for good, when a renewal finds the lock is no
    longer ours (force-unlocked, or taken over after renewals failed for a whole lease): from
    then on another run may be writing, so the holder must start nothing new. ``notices`` are
    the lines also given to ``notify``."""

    def __init__(self, info: LockInfo, token: str) -> None:
        self.info = info
        self.token = token
        self.lost = threading.Event()
        self.notices: list[str] = []
        self.heartbeat: Heartbeat | None = None

    def tell(self, line: str, notify: Notify | None) -> None:
        self.notices.append(line)
        if notify is not None:
            notify(line)

    def tell_folded(self, folded: int, journal: str, notify: Notify | None) -> None:
        """Say that taking the lock folded ``folded`` records an earlier run left."""
        if folded:
            self.tell(
                f"folded {folded} operation(s) an earlier run recorded in {journal} into the state",
                notify,
            )

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def pid(self) -> int:
        return self.info.pid

    @property
    def who(self) -> str:
        return self.info.who

    @property
    def operation(self) -> str:
        return self.info.operation


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


@dataclass
class _Watch:
    """What a waiter has seen of one lock: its token, and since when (waiter's monotonic)."""

    token: str
    lock_id: str | None  # None: unreadable
    since: float


def _encode(info: LockInfo) -> bytes:
    return info.model_dump_json(indent=2, exclude_none=True).encode() + b"\n"


class StateLock:
    def __init__(
        self,
        store: LockStore,
        state_name: str,
        timeout: float,
        ttl: float,
        poll_interval: float,
        *,
        clock: Callable[[], datetime] = now,
        machine: process.Machine | None = None,
    ) -> None:
        self.store = store
        self.state_name = state_name
        self.timeout = timeout
        self.ttl = ttl  # the lease, in seconds
        self.poll_interval = poll_interval
        self.clock = clock  # wall clock; only ever written into the lock, for people
        self.machine = machine or process.this_machine()

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

    def _new_info(self, operation: str) -> LockInfo:
        created = self.clock()
        pid = os.getpid()
        return LockInfo(
            id=str(uuid.uuid4()),
            who=who(),
            pid=pid,
            operation=operation,
            created=created,
            lease_seconds=self.ttl,
            renewed=created,
            expires=created + timedelta(seconds=self.ttl),
            hostname=self.machine.hostname,
            boot_id=self.machine.boot_id,
            pid_namespace=self.machine.pid_namespace,
            pid_start=process.start_time(pid),
        )

    def _liveness(self, info: LockInfo) -> process.Liveness | None:
        """The holder's liveness when it runs on this machine; None when it runs elsewhere."""
        theirs = process.Machine(info.hostname or "", info.boot_id, info.pid_namespace)
        if not self.machine.same_as(theirs):
            return None
        return process.liveness(info.pid, info.pid_start)

    def acquire(self, operation: str, notify: Notify | None = None) -> LockHandle:
        info = self._new_info(operation)
        payload = _encode(info)
        deadline = time.monotonic() + self.timeout
        watch: _Watch | None = None
        renewed: set[str] = set()  # ids of locks seen renewed during this wait
        said: list[str] = []
        while True:
            token = self.store.create(payload)
            if token is not None:
                return self._handle(info, token, said, notify)
            found = self._inspect()
            if found is None:
                # Released between our create and our read: try again at once, but never past
                # the deadline (a store that keeps refusing a create it cannot explain).
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"could not create the lock on {self.state_name}, and no lock is there"
                    )
                continue
            if isinstance(found, _Held) and found.info.id == info.id:
                # Our own create, whose reply was lost: the retry met the lock we had written.
                return self._handle(info, found.token, said, notify)
            lock_id = found.info.id if isinstance(found, _Held) else None
            if watch is None or watch.token != found.token:
                if watch is not None and lock_id is not None and watch.lock_id == lock_id:
                    renewed.add(lock_id)
                watch = _Watch(found.token, lock_id, time.monotonic())
            taken = self._take_over(found, watch) if isinstance(found, _Held) else None
            if taken is not None:
                said.append(taken)
                watch = None
                continue
            # A lock that is not being renewed is waited on past the timeout, up to one lease
            # after it was first seen, so a dead holder elsewhere costs at most one lease and no
            # human. A lock seen renewed (or unreadable, or live here) gets the timeout only.
            until = deadline
            if (
                self.timeout > 0
                and isinstance(found, _Held)
                and found.info.id not in renewed
                and self._may_expire(found)
            ):
                until = max(deadline, watch.since + self._lease(found.info) + self.poll_interval)
            if time.monotonic() >= until:
                raise LockError(self._locked_message(found, renewed=lock_id in renewed))
            time.sleep(min(self.poll_interval, max(0.0, until - time.monotonic())))

    @staticmethod
    def _handle(info: LockInfo, token: str, said: list[str], notify: Notify | None) -> LockHandle:
        handle = LockHandle(info, token)
        for line in said:
            handle.tell(line, notify)
        return handle

    def _lease(self, info: LockInfo) -> float:
        return info.lease_seconds or self.ttl  # a lock from before leases: our own lease

    def _may_expire(self, found: _Held) -> bool:
        # A live holder on this machine keeps its lock even if its renewals stall.
        return self._liveness(found.info) is not process.Liveness.RUNNING

    def _take_over(self, found: _Held, watch: _Watch) -> str | None:
        """Remove ``found`` if its holder is known dead, or it went unrenewed for a lease; the
        line that says so, or None.
        Several runs may decide this at once: each deletes only the lock it read, then all
        race on create, which exactly one wins. A delete that removed nothing (the lock
        changed, or the store refused) is waited on like a held lock: retrying at once would
        spin without ever reaching the deadline."""
        holder = found.info
        alive = self._liveness(holder)
        if alive in (process.Liveness.GONE, process.Liveness.REUSED):
            why = (
                "which is no longer running"
                if alive is process.Liveness.GONE
                else "whose pid now belongs to another process"
            )
            said = f"took over the lock of pid {holder.pid} on host {holder.hostname}, {why}"
        elif (
            alive is None
            and time.monotonic() - watch.since >= self._lease(holder)
            and (holder.lease_seconds or not holder.expires or holder.expires <= now())
        ):
            said = (
                f"took over {holder.describe()}: it was not renewed for "
                f"{self._lease(holder):g}s (its lease)"
            )
        else:
            return None
        return said if self.store.delete(found.token) else None

    def _locked_message(self, found: _Held | _Unreadable, renewed: bool) -> str:
        if isinstance(found, _Unreadable):
            return self._unreadable_message(found)
        holder = found.info
        if self._liveness(holder) is process.Liveness.RUNNING:
            state = "that process is running on this host"
        elif renewed:
            state = "it renewed its lease while this run waited"
        else:
            state = f"no renewal seen; its lease is {self._lease(holder):g}s"
        return (
            f"state {self.state_name} is locked: {holder.describe()} ({state}); gave up after "
            f"{self.timeout:g}s. If that run is gone, use: reconciler force-unlock {holder.id}"
        )

    def renew(self, handle: LockHandle) -> bool:
        """Rewrite our lock (one more renewal). False when it is no longer ours."""
        renewed = self.clock()
        info = handle.info.model_copy(
            update={
                "renewals": handle.info.renewals + 1,
                "renewed": renewed,
                "expires": renewed + timedelta(seconds=self.ttl),
            }
        )
        token = self.store.replace(handle.token, _encode(info))
        if token is not None:
            handle.info, handle.token = info, token
            return True
        found = self._inspect()
        if isinstance(found, _Held) and found.info.id == handle.info.id:
            # Our renewal was stored but its reply was lost (the retry met it): still ours.
            handle.info, handle.token = found.info, found.token
            return True
        return False

    def release(self, handle: LockHandle) -> None:
        if handle.heartbeat is not None:
            handle.heartbeat.stop()
        if self.store.delete(handle.token):
            return
        # Not at our last token: a renewal whose reply was lost, or another run's lock (ours
        # was force-unlocked or taken over), which stays: removing it would let a third run in.
        found = self._inspect()
        if isinstance(found, _Held) and found.info.id == handle.info.id:
            self.store.delete(found.token)

    @contextmanager
    def hold(
        self,
        operation: str,
        notify: Notify | None = None,
        prepare: Callable[[LockHandle], None] | None = None,
    ) -> Iterator[LockHandle]:
        """Hold the lock for the ``with`` block and renew it every quarter lease meanwhile
        (``Heartbeat``). ``prepare`` runs once the lock is ours, already renewed (folding a
        large journal may take longer than a lease); a lock lost meanwhile ends it there."""
        handle = self.acquire(operation, notify)
        try:
            handle.heartbeat = Heartbeat(self, handle)
            if prepare is not None:
                prepare(handle)
                if handle.lost.is_set():
                    raise LockError(
                        f"the lock on {self.state_name} was lost while an earlier run's journal "
                        "was folded (taken over, or force-unlocked); run the command again"
                    )
            yield handle
        finally:
            self.release(handle)

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
        if not self.store.delete(found.token) and self._inspect() is not None:
            # (Gone after a refused delete: ours landed and its reply was lost.)
            raise LockError(f"the lock on {self.state_name} changed while removing it; retry")

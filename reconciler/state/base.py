"""The state: what this tool last did, per address. Format and backend interface.

Trust rules:
- ``lineage`` is fixed when a state is first created; a saved plan is only valid against the
  same lineage.
- ``serial`` goes up by exactly one on every write; a saved plan is only valid at its serial.
- The state never holds a secret in clear. Secret fields are recorded as
  ``hmac-sha256:<hex>`` digests keyed with ``digest_key`` (random per state).
- Every successful remote operation is recorded durably before the next starts: by an apply
  as one record appended to the state's journal (``reconciler.state.journal``, serial up by
  one per record), folded into the state at the end of the run; by the other commands as a
  whole new state. The state itself is always replaced atomically (a reader sees the old or
  the new file, never half of one), and every read includes the journal.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from reconciler.errors import StateError

if TYPE_CHECKING:
    from reconciler.state.lock import LockHandle

STATE_FORMAT_VERSION = 1


class ResourceState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1)
    remote_id: str = Field(min_length=1)
    natural_key: str = Field(min_length=1)
    # The desired values as last applied (secrets as digests). Write-only fields are compared
    # against this, since the API never returns them.
    last_applied: dict[str, Any]
    # Fingerprint of the observed object after the last apply (reconciler.diff.fingerprint).
    fingerprint: str
    options: dict[str, Any] = Field(default_factory=dict)  # e.g. {"force_delete": true}
    # Values a user copies elsewhere, read from the live object after the last write
    # (reconciler.outputs), e.g. a role-based Datadog account's generated external_id.
    outputs: dict[str, Any] = Field(default_factory=dict)
    prevent_destroy: bool = False


class State(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = STATE_FORMAT_VERSION
    lineage: str = Field(min_length=1)
    serial: int = Field(0, ge=0)
    # The HMAC key for secret digests in this state: 32 random bytes as lowercase hex.
    digest_key: str = Field(pattern=r"^[0-9a-f]{64}$")
    resources: dict[str, ResourceState] = Field(default_factory=dict)  # by address

    @classmethod
    def new(cls, digest_key: str | None = None) -> State:
        """A fresh state; ``digest_key`` when secrets were already digested for it (a plan
        saved before any state existed)."""
        key = digest_key or secrets.token_hex(32)
        return cls(lineage=str(uuid.uuid4()), serial=0, digest_key=key)

    @property
    def key_bytes(self) -> bytes:
        return bytes.fromhex(self.digest_key)


@dataclass(frozen=True)
class Operation:
    """One completed change of the state: ``address`` now holds ``entry`` (None: removed);
    ``moved_from``, an address renamed by ``[[moved]]``, is removed."""

    address: str
    entry: ResourceState | None
    moved_from: str | None = None

    def apply(self, state: State) -> None:
        if self.moved_from is not None:
            state.resources.pop(self.moved_from, None)
        if self.entry is None:
            state.resources.pop(self.address, None)
        else:
            state.resources[self.address] = self.entry


class LockInfo(BaseModel):
    """Who holds a lock. Recorded in the lock itself so a waiting run can name the holder and,
    on the same machine, tell whether it is still running.

    A lock is a lease: its holder rewrites it every ``lease_seconds / 4`` (``renewals`` + 1,
    so the bytes, and with them the version token, change every time). A waiting run takes it
    over only after watching the token stay unchanged for a whole lease on its *own* monotonic
    clock. The times below come from the holder's wall clock, which may be wrong by hours:
    they are shown to people and never compared with anything.

    Locks written before leases (``expires`` instead of ``lease_seconds``, no machine fields)
    still load: the waiter then uses its own configured lease, and never the pid check.
    """

    id: str
    who: str  # user@host
    pid: int
    operation: str  # "apply", "import", "state rm", ...
    # Timezone-aware only: a lock file holding a naive time is unreadable (held until
    # force-unlock), as it was before leases, not a crash.
    created: AwareDatetime  # holder's clock; for people only
    lease_seconds: float | None = Field(default=None, gt=0)
    renewed: AwareDatetime | None = None  # holder's clock; for people only
    renewals: int = 0
    # Where the holder runs (see reconciler.state.process): a lock taken on this machine whose
    # process is gone, or whose pid now belongs to another process, is taken over at once.
    hostname: str | None = None
    boot_id: str | None = None
    pid_namespace: str | None = None
    pid_start: int | None = None  # /proc/<pid>/stat field 22 when the lock was taken
    # For releases before leases, which require it and go by it: a holder of such a release
    # (which never renews) may be running until then, so without ``lease_seconds`` its lock is
    # not taken over before. Written as renewed + lease, so those releases see a live lock.
    # Never read when ``lease_seconds`` is set: it is the holder's clock.
    expires: AwareDatetime | None = None

    def describe(self) -> str:
        return (
            f"lock {self.id} held by {self.who} (pid {self.pid}) for {self.operation} "
            f"since {self.created.astimezone(UTC).isoformat(timespec='seconds')}"
        )


Notify = Callable[[str], None]


class StateBackend(Protocol):
    """Where the state lives. The engine uses nothing else of a backend."""

    def describe(self) -> str:
        """Human name, e.g. ``state/reconciler.tfstate.json`` or ``s3://bucket/key``."""
        ...

    def read(self) -> State | None:
        """The current state with its journal replayed, or None if none was ever written.
        Corrupt (the state or its journal), or a journal that does not continue the state:
        ``StateError``."""
        ...

    def write(self, state: State) -> None:
        """Replace the stored state atomically and drop its journal (``state`` came from
        ``read`` under the lock, so it holds the journal's records). The caller has already
        bumped the serial."""
        ...

    def append(self, state: State, op: Operation) -> None:
        """Record ``op`` durably in the journal as serial ``state.serial`` (``state`` has
        ``op`` applied and its serial bumped). A stored state must exist."""
        ...

    def fold(self) -> int:
        """Write the journal into the state and drop it (under the lock); the number of
        records folded."""
        ...

    def lock(
        self, operation: str, notify: Notify | None = None
    ) -> AbstractContextManager[LockHandle]:
        """Hold the state lock for the duration of the ``with`` block, renewing it in the
        background. Waits up to the configured timeout for a held lock (longer while the lock
        is not being renewed, up to one lease), then raises ``LockError`` naming the holder.
        ``notify`` receives one line per thing done on the user's behalf (a dead holder's lock
        taken over, stale staging files removed). See ``LockHandle.lost``."""
        ...

    def current_lock(self) -> LockInfo | None: ...

    def force_unlock(self, lock_id: str) -> None:
        """Remove the lock if its id is ``lock_id``; ``LockError`` otherwise."""
        ...


def commit_held(state: State, backend: StateBackend, lost: threading.Event | None) -> None:
    """``commit`` for a run holding the lock whose ``lost`` event is given (``LockHandle.lost``;
    None: no lock to lose): refused once the lock was lost (taken over, force-unlocked), since
    another run may now write the state."""
    _refuse_if_lost(backend, lost)
    commit(state, backend)


def record_held(
    state: State, op: Operation, backend: StateBackend, lost: threading.Event | None
) -> None:
    """Record one operation of an apply in the journal: applied to ``state``, serial up by
    one, appended durably. Refused, as ``commit_held``, once the lock was lost."""
    _refuse_if_lost(backend, lost)
    op.apply(state)
    state.serial += 1
    backend.append(state, op)


def start_held(state: State, backend: StateBackend, lost: threading.Event | None) -> None:
    """Write a new state as it is (serial 0: no change recorded yet), for a journal to
    continue: the journal's records need the state's lineage and digest key."""
    _refuse_if_lost(backend, lost)
    backend.write(state)


def fold_held(backend: StateBackend, lost: threading.Event | None) -> int:
    """``StateBackend.fold`` unless the lock was lost."""
    _refuse_if_lost(backend, lost)
    return backend.fold()


def _refuse_if_lost(backend: StateBackend, lost: threading.Event | None) -> None:
    if lost is not None and lost.is_set():
        raise StateError(
            "the state lock was taken by another run (force-unlock?); nothing was written",
            file=backend.describe(),
        )


def commit(state: State, backend: StateBackend) -> None:
    """Record one change: addresses sorted, serial up by one, written atomically."""
    state.resources = dict(sorted(state.resources.items()))
    state.serial += 1
    backend.write(state)


def late_records(journal: str) -> StateError:
    """A whole-state write that found records in the journal. Every writer holds the lock,
    and taking it folded the journal: records found now were added since by a run that lost
    the lock without noticing yet. Writing over them (and removing them) would lose what they
    record."""
    return StateError(
        "the journal holds records added after this run took the lock (a run that lost its "
        "lock?); nothing was written: run the command again, which folds them first",
        file=journal,
    )


def now() -> datetime:
    return datetime.now(UTC)

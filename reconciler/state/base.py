"""The state: what this tool last did, per address. Format and backend interface.

Trust rules:
- ``lineage`` is fixed when a state is first created; a saved plan is only valid against the
  same lineage.
- ``serial`` goes up by exactly one on every write; a saved plan is only valid at its serial.
- The state never holds a secret in clear. Secret fields are recorded as
  ``hmac-sha256:<hex>`` digests keyed with ``digest_key`` (random per state).
- It is written after every successful remote operation, atomically (a reader sees the old
  or the new file, never half of one).
"""

from __future__ import annotations

import secrets
import uuid
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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


class LockInfo(BaseModel):
    """Who holds a lock. Recorded in the lock itself so a waiting run can name the holder."""

    id: str
    who: str  # user@host
    pid: int
    operation: str  # "plan", "apply", "import", ...
    # Timezone-aware only: a naive time cannot be compared with now(), so a lock file
    # holding one is unreadable (held until force-unlock), not a crash.
    created: AwareDatetime  # UTC
    expires: AwareDatetime  # UTC; a lock past this is taken over by the next run

    def describe(self) -> str:
        return (
            f"lock {self.id} held by {self.who} (pid {self.pid}) for {self.operation} "
            f"since {self.created.astimezone(UTC).isoformat(timespec='seconds')}"
        )


class StateBackend(Protocol):
    """Where the state lives. The engine uses nothing else of a backend."""

    def describe(self) -> str:
        """Human name, e.g. ``state/reconciler.tfstate.json`` or ``s3://bucket/key``."""
        ...

    def read(self) -> State | None:
        """The current state, or None if none was ever written. Corrupt: ``StateError``."""
        ...

    def write(self, state: State) -> None:
        """Replace the stored state atomically. The caller has already bumped the serial."""
        ...

    def lock(self, operation: str) -> AbstractContextManager[LockInfo]:
        """Hold the state lock for the duration of the ``with`` block. Waits up to the
        configured timeout for a held lock, then raises ``LockError`` naming the holder."""
        ...

    def current_lock(self) -> LockInfo | None: ...

    def force_unlock(self, lock_id: str) -> None:
        """Remove the lock if its id is ``lock_id``; ``LockError`` otherwise."""
        ...


def commit(state: State, backend: StateBackend) -> None:
    """Record one change: addresses sorted, serial up by one, written atomically."""
    state.resources = dict(sorted(state.resources.items()))
    state.serial += 1
    backend.write(state)


def now() -> datetime:
    return datetime.now(UTC)

"""What the lock tests check about a lock that must not be taken over."""

from __future__ import annotations

import pytest

from reconciler.errors import LockError
from reconciler.state import LocalBackend


def assert_lock_kept(backend: LocalBackend, lock_id: str) -> None:
    """A new run is refused the lock ``lock_id`` holds (naming it), and the lock stays."""
    with pytest.raises(LockError, match=f"lock {lock_id} held by"), backend.lock("apply"):
        pass
    current = backend.current_lock()
    assert current is not None and current.id == lock_id

"""The lock holder's heartbeat: a thread that renews the lock every quarter lease while the
run holds it, and sets ``LockHandle.lost`` when it can no longer vouch for the lock."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.state.lock import LockHandle, StateLock

RENEWALS_PER_LEASE = 4
JOIN_SECONDS = 5.0


class Heartbeat:
    def __init__(self, lock: StateLock, handle: LockHandle) -> None:
        self._lock = lock
        self._handle = handle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="state-lock-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        # Bounded: a renewal stuck in a slow request must not hold up the exit. It can no
        # longer change anything once the lock is deleted: it is conditional on a token.
        self._thread.join(timeout=JOIN_SECONDS)

    def _run(self) -> None:
        """Renew until stopped. A renewal that fails (network, disk) is tried again at the
        next beat; after a whole lease without one, a waiter elsewhere may have taken the
        lock, so it counts as lost. Nothing here may raise: a thread's traceback would reach
        the user's terminal."""
        lease = self._lock.ttl
        last_renewed = time.monotonic()
        while not self._stop.wait(lease / RENEWALS_PER_LEASE):
            try:
                ours: bool | None = self._lock.renew(self._handle)
            except Exception:  # StateError (network, disk), or anything unexpected: not renewed
                ours = None
            if ours:
                last_renewed = time.monotonic()
                continue
            if ours is False or time.monotonic() - last_renewed >= lease:
                self._handle.lost.set()
                return

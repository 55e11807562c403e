"""Leases: the holder renews its lock while it runs; a waiter goes by what it watched on its own
monotonic clock, never by anybody's wall clock; a lock that is no longer ours says so."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import LockError, StateError
from reconciler.state import LocalBackend
from reconciler.state.base import LockInfo, now
from reconciler.state.lock import StateLock
from reconciler.state.lock_file import FileLockStore
from reconciler.state.process import Machine
from tests import child

ELSEWHERE = Machine("runner-17", "another-boot-id", "pid:[4026531836]")


def eventually(check: Callable[[], bool], limit: float = 20.0) -> bool:
    """Poll ``check`` until it holds; the limit only bounds a broken test, it asserts nothing
    about time."""
    give_up = time.monotonic() + limit
    while not check():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.02)
    return True


def on_disk(path: Path) -> LockInfo:
    return LockInfo.model_validate_json(path.read_bytes())


def test_the_holder_renews_its_lock_while_it_runs(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_ttl=0.2)
    with backend.lock("apply") as held:
        first = on_disk(backend.lock_path)
        assert eventually(lambda: on_disk(backend.lock_path).renewals >= 3)
        later = on_disk(backend.lock_path)
        # Same lock (id, creation), renewed: the bytes and so the version token changed.
        assert (later.id, later.created) == (first.id, first.created)
        assert later.renewed is not None and first.renewed is not None
        assert later.renewed >= first.renewed
        assert not held.lost.is_set()
    assert not backend.lock_path.exists()


def test_a_live_holder_whose_clock_is_two_hours_behind_keeps_its_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    store = FileLockStore(path.with_name("s.json.lock"))

    def two_hours_behind() -> datetime:
        return now() - timedelta(hours=2)

    # Another machine (so no pid check can help), a 1 s lease, a wall clock 2 hours slow.
    holder = StateLock(store, str(path), 0, 1.0, 0.05, clock=two_hours_behind, machine=ELSEWHERE)
    waiter = LocalBackend(path, lock_timeout=3.0, lock_ttl=1.0, poll_interval=0.05)
    with holder.hold("apply") as held:
        recorded = on_disk(store.path)
        assert recorded.created < now() - timedelta(hours=1, minutes=59)
        # Its "expires" (for older releases) is long past by our clock, and is not read.
        assert recorded.expires is not None and recorded.expires < now()
        # The waiter watches three leases go by; the lock is renewed within each of them.
        with pytest.raises(LockError) as exc, waiter.lock("apply"):
            pass
        assert "it renewed its lease while this run waited" in str(exc.value)
        current = waiter.current_lock()
        assert current is not None and current.id == held.id
        assert current.renewals > recorded.renewals
        assert not held.lost.is_set()
    with waiter.lock("apply") as mine:
        assert mine.notices == []


HOLD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.state import LocalBackend
    backend = LocalBackend(Path(sys.argv[1]), lock_ttl=float(sys.argv[2]))
    with backend.lock("apply") as held:
        print(held.id, flush=True)
        sys.stdin.read()  # hold until the test closes our stdin
    print("lost" if held.lost.is_set() else "released", flush=True)
    """
)


def test_a_live_holder_on_this_host_keeps_its_lock_even_when_its_renewals_stall(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.json"
    proc = child.start(HOLD, str(path), "0.2")
    assert proc.stdin is not None and proc.stdout is not None
    try:
        lock_id = proc.stdout.readline().strip()
        os.kill(proc.pid, signal.SIGSTOP)  # alive, but renewing nothing
        waiter = LocalBackend(path, lock_timeout=1.0, lock_ttl=0.2, poll_interval=0.05)
        with pytest.raises(LockError) as exc, waiter.lock("apply"):
            pass
        assert f"lock {lock_id} held by" in str(exc.value)
        assert "that process is running on this host" in str(exc.value)
        current = waiter.current_lock()
        assert current is not None and current.id == lock_id
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.stdin.close()
        last = proc.stdout.readline().strip()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert last == "released"
    assert not path.with_name("s.json.lock").exists()


def test_a_force_unlocked_holder_learns_it_lost_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    first = LocalBackend(path, lock_ttl=0.2)
    second = LocalBackend(path, lock_timeout=0)
    with first.lock("apply") as held:
        first.force_unlock(held.id)
        with second.lock("apply") as taken:
            assert held.lost.wait(timeout=20)
            # The lost holder's exit must leave the new holder's lock in place.
            first.state_lock.release(held)
            current = second.current_lock()
            assert current is not None and current.id == taken.id
            assert not taken.lost.is_set()
    assert second.current_lock() is None


class FailingRenewals(FileLockStore):
    """A lock file whose renewals fail, as on a full disk or an unreachable bucket."""

    def replace(self, token: str, payload: bytes) -> str | None:
        raise StateError("cannot renew lock: No space left on device", file=str(self.path))


def test_renewals_failing_for_a_whole_lease_count_as_lost(tmp_path: Path) -> None:
    store = FailingRenewals(tmp_path / "s.json.lock")
    lock = StateLock(store, "s.json", 0, 0.2, 0.05)
    with lock.hold("apply") as held:
        assert held.lost.wait(timeout=20)
        assert store.path.exists()  # nobody took it; but we can no longer vouch for it
    assert not store.path.exists()


def test_the_lock_is_renewed_while_an_earlier_runs_journal_is_folded(tmp_path: Path) -> None:
    # Folding a large journal (thousands of S3 reads) can outlast a lease: the lock is
    # renewed meanwhile, and a lock lost during the fold ends the command there.
    backend = LocalBackend(tmp_path / "s.json", lock_ttl=0.2)
    renewed: list[int] = []

    def slow_fold(handle: Any) -> None:
        assert eventually(lambda: on_disk(backend.lock_path).renewals >= 2)
        renewed.append(on_disk(backend.lock_path).renewals)

    with backend.state_lock.hold("apply", None, slow_fold) as held:
        assert not held.lost.is_set()
    assert renewed and renewed[0] >= 2

    def lost_fold(handle: Any) -> None:
        handle.lost.set()

    refused = pytest.raises(LockError, match="lost while an earlier run's journal was folded")
    with refused, backend.state_lock.hold("apply", None, lost_fold):
        raise AssertionError("the command must not start")
    assert not backend.lock_path.exists()

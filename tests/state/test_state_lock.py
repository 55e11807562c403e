from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.errors import LockError, StateError
from reconciler.state import LocalBackend
from reconciler.state.base import LockInfo, State, now
from reconciler.state.lock import StateLock, who
from reconciler.state.process import Machine, start_time, this_machine
from tests import child
from tests.state.lock_checks import assert_lock_kept

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.state import LocalBackend
    with LocalBackend(Path(sys.argv[1])).lock("apply") as info:
        print(info.id, flush=True)
        sys.stdin.read()  # hold until the test closes our stdin
    print("released", flush=True)
    """
)


class Holder:
    """Another process holding the lock on ``path`` until ``release()``."""

    def __init__(self, path: Path) -> None:
        self.proc = child.start(HOLDER, str(path))
        assert self.proc.stdout is not None
        self.lock_id = self.proc.stdout.readline().strip()
        assert self.lock_id, "holder did not take the lock"

    def release(self) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        line = self.proc.stdout.readline().strip()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        return line


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    h = Holder(tmp_path / "s.json")
    try:
        yield h
    finally:
        if h.proc.poll() is None:
            h.release()


def test_lock_file_records_holder_and_is_removed(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_ttl=60)
    with backend.lock("plan") as held:
        assert backend.lock_path.exists()
        assert stat.S_IMODE(backend.lock_path.stat().st_mode) == 0o600
        on_disk = LockInfo.model_validate_json(backend.lock_path.read_bytes())
        info = held.info
        assert on_disk == info
        assert backend.current_lock() == info
        assert info.who == who() and info.who.endswith("@" + socket.gethostname())
        assert info.pid == os.getpid() and info.operation == "plan"
        assert info.lease_seconds == 60 and info.renewals == 0 and info.renewed == info.created
        # What releases before leases require, so that they read this lock as held.
        assert info.expires == info.created + timedelta(seconds=60)
        raw = json.loads(backend.lock_path.read_text())
        assert {"id", "who", "pid", "operation", "created", "expires"} <= raw.keys()
        here = this_machine()
        assert (info.hostname, info.boot_id, info.pid_namespace) == (
            here.hostname,
            here.boot_id,
            here.pid_namespace,
        )
        assert info.pid_start is not None and info.pid_start == start_time(os.getpid())
        assert not held.lost.is_set() and held.notices == []
    assert not backend.lock_path.exists()
    assert backend.current_lock() is None


def test_lock_held_by_another_process(tmp_path: Path, holder: Holder) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.3, poll_interval=0.05)
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    message = str(exc.value)
    assert holder.lock_id in message
    assert f"held by {who()} (pid {holder.proc.pid}) for apply" in message
    assert "(that process is running on this host); gave up after 0.3s" in message
    assert "force-unlock" in message
    current = backend.current_lock()
    assert current is not None and current.id == holder.lock_id
    assert holder.release() == "released"
    assert backend.current_lock() is None


def test_second_writer_waits_then_succeeds(tmp_path: Path, holder: Holder) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=10, poll_interval=0.05)
    released: list[str] = []
    timer = threading.Timer(0.4, lambda: released.append(holder.release()))
    timer.start()
    try:
        with backend.lock("apply") as held:
            backend.write(State.new().model_copy(update={"serial": 1}))
            assert held.id != holder.lock_id
            assert held.notices == []  # waited for a release, took nothing over
    finally:
        timer.join()
    assert released == ["released"]
    state = backend.read()
    assert state is not None and state.serial == 1
    assert not backend.lock_path.exists()


ELSEWHERE = Machine("runner-17", "another-boot-id", "pid:[4026531836]")


def test_unrenewed_lock_of_another_machine_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    fresh = LocalBackend(path, lock_timeout=5, poll_interval=0.02)
    old = StateLock(fresh.state_lock.store, str(path), 0, 0.2, 0.02, machine=ELSEWHERE)
    stale = old.acquire("apply")  # and never renewed: its run died on another machine

    notices: list[str] = []
    with fresh.lock("plan", notify=notices.append) as held:
        assert held.id != stale.id
        assert notices == held.notices
        assert notices == [
            f"took over {stale.info.describe()}: it was not renewed for 0.2s (its lease)"
        ]
        # The old holder finishing late must not remove the new holder's lock.
        old.release(stale)
        current = fresh.current_lock()
        assert current is not None and current.id == held.id
    assert fresh.current_lock() is None


def test_a_lock_from_before_leases_still_loads_and_expires(tmp_path: Path) -> None:
    # Written by an earlier release: "expires" instead of a lease, no machine fields. It is
    # shown, and taken over after the waiter's own lease without renewal, never by pid.
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=5, lock_ttl=0.2, poll_interval=0.02)
    created = now() - timedelta(hours=2)
    backend.lock_path.write_text(
        json.dumps(
            {
                "id": "dead-run",
                "who": "ci@runner",
                "pid": os.getpid(),
                "operation": "apply",
                "created": created.isoformat(),
                "expires": (created + timedelta(hours=1)).isoformat(),
            }
        )
    )
    current = backend.current_lock()
    assert current is not None and current.id == "dead-run" and current.lease_seconds is None
    with backend.lock("apply") as held:
        assert held.id != "dead-run"
        assert held.notices == [
            f"took over {current.describe()}: it was not renewed for 0.2s (its lease)"
        ]


def test_a_lock_from_before_leases_is_kept_until_it_expires(tmp_path: Path) -> None:
    # Its holder (an older release, which never renews) may still be running until "expires".
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.1, lock_ttl=0.2, poll_interval=0.02)
    created = now()
    backend.lock_path.write_text(
        json.dumps(
            {
                "id": "old-release",
                "who": "ci@runner",
                "pid": 4242,
                "operation": "apply",
                "created": created.isoformat(),
                "expires": (created + timedelta(hours=1)).isoformat(),
            }
        )
    )
    assert_lock_kept(backend, "old-release")


def test_a_lock_is_not_taken_over_before_a_whole_lease_was_watched(tmp_path: Path) -> None:
    # lock_timeout 0 tries once: even an unrenewed lock is then not waited on.
    path = tmp_path / "s.json"
    backend = LocalBackend(path, lock_timeout=0, poll_interval=0.02)
    other = StateLock(backend.state_lock.store, str(path), 0, 3600, 0.02, machine=ELSEWHERE)
    live = other.acquire("import")
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    assert f"lock {live.id} held by {who()} (pid {os.getpid()}) for import" in str(exc.value)
    assert "(no renewal seen; its lease is 3600s); gave up after 0s" in str(exc.value)
    current = backend.current_lock()
    assert current is not None and current.id == live.id


def test_force_unlock_needs_the_right_id(tmp_path: Path, holder: Holder) -> None:
    backend = LocalBackend(tmp_path / "s.json")
    with pytest.raises(LockError) as exc:
        backend.force_unlock("not-the-id")
    assert holder.lock_id in str(exc.value) and "does not match" in str(exc.value)
    assert backend.lock_path.exists()

    backend.force_unlock(holder.lock_id)
    assert not backend.lock_path.exists()
    assert backend.current_lock() is None
    # The holder exits without removing a lock that is no longer its own.
    assert holder.release() == "released"
    with pytest.raises(LockError, match="is not locked"):
        backend.force_unlock(holder.lock_id)


def test_corrupt_lock_is_held_until_force_unlocked(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.1, poll_interval=0.02)
    backend.lock_path.write_text("{garbage")
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    message = str(exc.value)
    assert "treated as held" in message and "force-unlock" in message
    assert backend.lock_path.read_text() == "{garbage"
    with pytest.raises(LockError, match="treated as held"):
        backend.current_lock()

    pseudo_id = message.rsplit(" ", 1)[-1]
    with pytest.raises(LockError, match="does not match"):
        backend.force_unlock("unreadable-0000")
    backend.force_unlock(pseudo_id)
    assert not backend.lock_path.exists()
    with backend.lock("apply"):
        pass


COUNTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.state import LocalBackend
    from reconciler.state.base import State
    backend = LocalBackend(Path(sys.argv[1]), lock_timeout=30, poll_interval=0.005)
    for _ in range(int(sys.argv[2])):
        with backend.lock("apply"):
            state = backend.read()
            assert state is not None
            backend.write(state.model_copy(update={"serial": state.serial + 1}))
    """
)


def test_concurrent_writers_never_lose_an_update(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    backend.write(State.new())
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNTER, str(path), "8"], cwd=ROOT)
        for _ in range(3)
    ]
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    state = backend.read()
    assert state is not None and state.serial == 24
    assert not backend.lock_path.exists()


CREATE_ON_A_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from reconciler.errors import StateError
    from reconciler.state import LocalBackend
    backend = LocalBackend(Path(sys.argv[1]), lock_timeout=0.1, poll_interval=0.02)
    # The file-size limit makes the OS refuse the lock's content, as a full disk would.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    try:
        with backend.lock("apply"):
            print("LOCKED")
    except StateError as exc:
        print("ERR", type(exc).__name__, exc)
    """
)


def test_a_failed_lock_write_leaves_no_lock_behind(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    out = child.run(CREATE_ON_A_FULL_DISK, str(path))
    assert out.stdout.startswith("ERR StateError "), out.stderr
    assert f"{path}.lock: cannot create lock: File too large" in out.stdout
    # An empty lock file would be treated as held by every later run.
    assert not (tmp_path / "s.json.lock").exists()
    with LocalBackend(path, lock_timeout=0.1).lock("apply"):
        pass


def test_a_failed_lock_removal_is_a_state_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.1, poll_interval=0.02)
    backend.lock_path.write_text("{garbage")
    with pytest.raises(LockError) as exc:
        backend.current_lock()
    pseudo_id = str(exc.value).rsplit(" ", 1)[-1]

    real = os.unlink

    def unlink(path: str | os.PathLike[str], *, dir_fd: int | None = None) -> None:
        if os.fspath(path) == str(backend.lock_path):
            raise OSError(errno.EROFS, "Read-only file system")
        real(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(StateError) as failed:
        backend.force_unlock(pseudo_id)
    assert str(failed.value) == f"{backend.lock_path}: cannot remove lock: Read-only file system"
    assert backend.lock_path.read_text() == "{garbage"


def test_a_lock_with_timezone_less_times_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.1, poll_interval=0.02)
    old = now() - timedelta(hours=2)
    backend.lock_path.write_text(
        json.dumps(
            {
                "id": "x",
                "who": "someone@host",
                "pid": 1,
                "operation": "apply",
                "created": old.replace(tzinfo=None).isoformat(),
                "expires": (old + timedelta(hours=1)).replace(tzinfo=None).isoformat(),
            }
        )
    )
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    assert "does not hold valid lock information" in str(exc.value)
    assert "force-unlock unreadable-" in str(exc.value)
    with pytest.raises(LockError, match="treated as held"):
        backend.current_lock()
    assert backend.lock_path.exists()


class StuckStore:
    """A lock store holding a lock, never renewed, that it never lets anyone remove."""

    def __init__(self) -> None:
        info = LockInfo(
            id="stuck",
            who="someone@host",
            pid=1,
            operation="apply",
            created=now() - timedelta(hours=2),
            lease_seconds=0.05,
        )
        self.data = info.model_dump_json().encode()
        self.deletes = 0

    def describe(self) -> str:
        return "stuck.lock"

    def create(self, payload: bytes) -> str | None:
        return None

    def load(self) -> tuple[bytes, str] | None:
        return self.data, "token"

    def replace(self, token: str, payload: bytes) -> str | None:
        return None

    def delete(self, token: str) -> bool:
        self.deletes += 1
        if self.deletes > 1000:
            raise AssertionError("busy loop: delete retried without waiting")
        return False


def test_an_expired_lock_that_cannot_be_removed_is_waited_on_not_spun_on() -> None:
    store = StuckStore()
    lock = StateLock(store, "s.json", timeout=0.2, ttl=60, poll_interval=0.05)
    with pytest.raises(LockError, match=r"state s\.json is locked: lock stuck held by"):
        lock.acquire("apply")
    # Polled every 0.05s for at most 0.2s (+ one lease): a busy loop would reach 1000 at once.
    assert 1 <= store.deletes <= 10

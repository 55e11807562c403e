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
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from reconciler.errors import LockError, StateError
from reconciler.state import LocalBackend
from reconciler.state.base import LockInfo, State, now
from reconciler.state.lock import StateLock, who

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
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
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
    with backend.lock("plan") as info:
        assert backend.lock_path.exists()
        assert stat.S_IMODE(backend.lock_path.stat().st_mode) == 0o600
        on_disk = LockInfo.model_validate_json(backend.lock_path.read_bytes())
        assert on_disk == info
        assert backend.current_lock() == info
        assert info.who == who() and info.who.endswith("@" + socket.gethostname())
        assert info.pid == os.getpid() and info.operation == "plan"
        assert info.expires - info.created == timedelta(seconds=60)
    assert not backend.lock_path.exists()
    assert backend.current_lock() is None


def test_lock_held_by_another_process(tmp_path: Path, holder: Holder) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.3, poll_interval=0.05)
    started = time.monotonic()
    with pytest.raises(LockError) as exc, backend.lock("apply"):
        pass
    assert time.monotonic() - started >= 0.3
    message = str(exc.value)
    assert holder.lock_id in message
    assert f"held by {who()} (pid {holder.proc.pid}) for apply" in message
    assert "force-unlock" in message
    current = backend.current_lock()
    assert current is not None and current.id == holder.lock_id
    assert holder.release() == "released"
    assert backend.current_lock() is None


def test_second_writer_waits_then_succeeds(tmp_path: Path, holder: Holder) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=10, poll_interval=0.05)
    timer = threading.Timer(0.4, holder.release)
    timer.start()
    started = time.monotonic()
    try:
        with backend.lock("apply") as info:
            waited = time.monotonic() - started
            backend.write(State.new().model_copy(update={"serial": 1}))
            assert info.id != holder.lock_id
    finally:
        timer.join()
    assert 0.3 <= waited < 5
    state = backend.read()
    assert state is not None and state.serial == 1
    assert not backend.lock_path.exists()


def test_expired_lock_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    old = LocalBackend(path, lock_ttl=0.05)
    context = old.lock("apply")
    stale = context.__enter__()
    time.sleep(0.1)

    fresh = LocalBackend(path, lock_timeout=0, lock_ttl=60)
    with fresh.lock("plan") as info:
        assert info.id != stale.id
        # The old holder finishing late must not remove the new holder's lock.
        context.__exit__(None, None, None)
        current = fresh.current_lock()
        assert current is not None and current.id == info.id
    assert fresh.current_lock() is None


def test_expired_lock_file_from_a_dead_run(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0)
    created = now() - timedelta(hours=2)
    dead = LockInfo(
        id="dead-run",
        who="ci@runner",
        pid=999999,
        operation="apply",
        created=created,
        expires=created + timedelta(hours=1),
    )
    backend.lock_path.write_text(dead.model_dump_json())
    with backend.lock("apply") as info:
        assert info.id != "dead-run"


def test_unexpired_lock_is_not_taken_over(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0.1, poll_interval=0.02)
    created = now()
    live = LockInfo(
        id="live-run",
        who="ci@runner",
        pid=4242,
        operation="import",
        created=created,
        expires=created + timedelta(hours=1),
    )
    backend.lock_path.write_text(live.model_dump_json())
    with (
        pytest.raises(LockError, match=r"held by ci@runner \(pid 4242\) for import"),
        backend.lock("apply"),
    ):
        pass
    assert json.loads(backend.lock_path.read_text())["id"] == "live-run"


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
    out = subprocess.run(
        [sys.executable, "-c", CREATE_ON_A_FULL_DISK, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
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
    """A lock store holding an expired lock that it never lets anyone remove."""

    def __init__(self) -> None:
        created = now() - timedelta(hours=2)
        info = LockInfo(
            id="stuck",
            who="someone@host",
            pid=1,
            operation="apply",
            created=created,
            expires=created + timedelta(hours=1),
        )
        self.data = info.model_dump_json().encode()
        self.deletes = 0

    def describe(self) -> str:
        return "stuck.lock"

    def create(self, payload: bytes) -> bool:
        return False

    def load(self) -> tuple[bytes, str] | None:
        return self.data, "token"

    def delete(self, token: str) -> bool:
        self.deletes += 1
        if self.deletes > 1000:
            raise AssertionError("busy loop: delete retried without waiting")
        return False


def test_an_expired_lock_that_cannot_be_removed_is_waited_on_not_spun_on() -> None:
    store = StuckStore()
    lock = StateLock(store, "s.json", timeout=0.2, ttl=60, poll_interval=0.05)
    started = time.monotonic()
    with pytest.raises(LockError, match=r"state s\.json is locked: lock stuck held by"):
        lock.acquire("apply")
    assert time.monotonic() - started < 5
    assert 1 <= store.deletes <= 10

"""A lock whose holder ran on this machine and is gone (or whose pid now belongs to another
process) is taken over at once, with one line saying so; staging files left by a killed write
are removed by the next run that holds the lock, and never while their writer may be alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reconciler.atomic import staging_files
from reconciler.errors import LockError
from reconciler.state import LocalBackend
from reconciler.state.base import LockInfo, State, now
from reconciler.state.codec import encode_state
from reconciler.state.process import Liveness, liveness, start_time, this_machine
from reconciler.state.s3 import S3Backend
from tests import child
from tests.state.lock_checks import assert_lock_kept

# Holds the lock, stages a full copy of a state as a write would (and as a kill -9 in the
# middle of one leaves it), then waits to be killed.
HOLD_AND_STAGE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.atomic import stage
    from reconciler.state import LocalBackend
    path = Path(sys.argv[1])
    with LocalBackend(path).lock("apply") as held:
        stage(path, Path(sys.argv[2]).read_bytes(), 0o600)
        print(held.id, flush=True)
        sys.stdin.read()
    """
)


class Child:
    def __init__(self, path: Path, staged: Path) -> None:
        self.proc = child.start(HOLD_AND_STAGE, str(path), str(staged))
        assert self.proc.stdout is not None
        self.lock_id = self.proc.stdout.readline().strip()
        assert self.lock_id, "the child did not take the lock"

    def kill_9(self, reap: bool) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        if reap:
            self.proc.wait(timeout=30)
        else:  # wait for it to die but leave it unreaped: a zombie, as under a busy parent
            os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def a_state(tmp_path: Path) -> Path:
    staged = tmp_path / "copy.json"
    staged.write_bytes(encode_state(State.new()))
    return staged


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
def test_kill_9_then_a_plain_run_takes_the_lock_and_removes_the_staging_file(
    tmp_path: Path, reap: bool
) -> None:
    path = tmp_path / "s.json"
    child = Child(path, a_state(tmp_path))
    try:
        staged = staging_files(path)
        assert len(staged) == 1
        child.kill_9(reap)
        notices: list[str] = []
        # No force-unlock, no waiting: lock_timeout 0 tries once.
        with LocalBackend(path, lock_timeout=0).lock("apply", notify=notices.append) as held:
            assert held.id != child.lock_id
            assert staging_files(path) == []
        host = this_machine().hostname
        assert notices == [
            f"took over the lock of pid {child.proc.pid} on host {host}, which is no longer "
            "running",
            f"removed 1 staging file(s) left by an interrupted write: {staged[0].name}",
        ]
        assert not path.with_name("s.json.lock").exists()
    finally:
        child.close()


def test_staging_files_of_a_live_holder_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    child = Child(path, a_state(tmp_path))
    try:
        staged = staging_files(path)
        with (
            pytest.raises(LockError, match="that process is running on this host"),
            LocalBackend(path, lock_timeout=0).lock("apply"),
        ):
            pass
        assert staging_files(path) == staged
    finally:
        child.close()


def lock_of(pid: int, started: int | None, boot_id: str | None = None) -> LockInfo:
    here = this_machine()
    return LockInfo(
        id="old-run",
        who="ci@" + here.hostname,
        pid=pid,
        operation="apply",
        created=now(),
        lease_seconds=3600,
        hostname=here.hostname,
        boot_id=boot_id or here.boot_id,
        pid_namespace=here.pid_namespace,
        pid_start=started,
    )


def exited_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(proc.stdout)


def test_a_dead_pid_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0)
    pid = exited_pid()
    assert liveness(pid, None) is Liveness.GONE
    backend.lock_path.write_text(lock_of(pid, 12345).model_dump_json())
    with backend.lock("apply") as held:
        assert held.notices == [
            f"took over the lock of pid {pid} on host {this_machine().hostname}, which is no "
            "longer running"
        ]


def test_a_reused_pid_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    # The pid is running (it is this test), but it started after the lock was taken.
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0)
    started = start_time(os.getpid())
    assert started is not None
    backend.lock_path.write_text(lock_of(os.getpid(), started - 1).model_dump_json())
    with backend.lock("apply") as held:
        assert held.notices == [
            f"took over the lock of pid {os.getpid()} on host {this_machine().hostname}, "
            "whose pid now belongs to another process"
        ]


def test_a_dead_pid_under_the_same_hostname_on_another_machine_is_not_taken(
    tmp_path: Path,
) -> None:
    # Same hostname, another boot: that pid says nothing about this machine's processes.
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0)
    backend.lock_path.write_text(lock_of(exited_pid(), 12345, boot_id="other").model_dump_json())
    assert_lock_kept(backend, "old-run")


def test_only_this_states_staging_files_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    ours = [tmp_path / ".s.json.abcd1234.tmp", tmp_path / ".s.json.backup.zz_99xyz.tmp"]
    others = [
        tmp_path / ".s.json.v2.abcd1234.tmp",  # another state's, in the same directory
        tmp_path / ".main.toml.abcd1234.tmp",  # a configuration file being written
        tmp_path / "s.json.abcd1234.tmp",
        tmp_path / ".s.json.lock.new.abcd1234.tmp",  # a run creating the lock right now
    ]
    for f in ours + others:
        f.write_text("{}")
    with LocalBackend(path, lock_timeout=0).lock("apply") as held:
        assert len(held.notices) == 1 and held.notices[0].startswith("removed 2 staging file(s)")
    assert [f for f in ours + others if f.exists()] == others


def test_no_staging_file_outlives_a_write(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    state = State.new()
    for serial in (1, 2):
        state = state.model_copy(update={"serial": serial})
        backend.write(state)
        assert staging_files(path) == staging_files(backend.backup_path) == []


HOLD_S3 = textwrap.dedent(
    """
    import sys
    from reconciler.state.s3 import S3Backend
    backend = S3Backend(sys.argv[2], "k.json", region="us-east-1", endpoint_url=sys.argv[1])
    with backend.lock("apply") as held:
        print(held.id, flush=True)
        sys.stdin.read()
    """
)


@pytest.mark.usefixtures("fake_credentials")
def test_kill_9_of_an_s3_lock_holder_then_a_plain_run_takes_the_lock(
    endpoint: str, bucket: str
) -> None:
    proc = child.start(HOLD_S3, endpoint, bucket)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        lock_id = proc.stdout.readline().strip()
        assert lock_id, "the child did not take the lock"
        proc.kill()
        proc.wait(timeout=30)
        # lock_timeout 0 tries once: no waiting, no force-unlock.
        backend = S3Backend(
            bucket, "k.json", region="us-east-1", endpoint_url=endpoint, lock_timeout=0
        )
        with backend.lock("apply") as held:
            assert held.id != lock_id
            assert held.notices == [
                f"took over the lock of pid {proc.pid} on host {this_machine().hostname}, "
                "which is no longer running"
            ]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.stdin.close()
        proc.stdout.close()


@pytest.mark.parametrize("pid", [0, -1])
def test_a_lock_naming_no_real_pid_is_not_taken_over_by_pid(tmp_path: Path, pid: int) -> None:
    assert liveness(pid, None) is Liveness.RUNNING
    backend = LocalBackend(tmp_path / "s.json", lock_timeout=0)
    backend.lock_path.write_text(lock_of(pid, 12345).model_dump_json())
    with pytest.raises(LockError, match="lock old-run held by"), backend.lock("apply"):
        pass


RACE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.state import LocalBackend
    backend = LocalBackend(Path(sys.argv[1]), lock_timeout=30, poll_interval=0.01)
    print("ready", flush=True)
    sys.stdin.readline()  # all start together
    with backend.lock("apply", notify=print):
        state = backend.read()
        backend.write(state.model_copy(update={"serial": state.serial + 1}))
    """
)


def test_runs_racing_for_a_dead_holders_lock_take_it_over_once(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    backend.write(State.new())
    pid = exited_pid()
    backend.lock_path.write_text(lock_of(pid, 12345).model_dump_json())
    procs = [child.start(RACE, str(path)) for _ in range(4)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:  # every one is waiting on its stdin: release them all at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.close()
    outputs = []
    for p in procs:
        assert p.stdout is not None
        outputs.append(p.stdout.read())
        p.stdout.close()
        p.wait(timeout=60)
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    said = [line for out in outputs for line in out.splitlines()]
    assert said == [
        f"took over the lock of pid {pid} on host {this_machine().hostname}, which is no longer "
        "running"
    ]
    state = backend.read()
    assert state is not None and state.serial == 4
    assert not backend.lock_path.exists()

"""SIGTERM, SIGHUP and Ctrl-C mid-apply: nothing new starts, what is in flight is recorded,
the lock is released, the summary is printed, and the exit code says which signal; a second
signal stops waiting but still releases the lock. A plain rerun then converges, with no
force-unlock. (Real processes: the signal and the process boundary are the point.)"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import child
from tests.cli_runner import environment
from tests.e2e.conftest import SandboxFactory, Workspace, cloud_env, describe
from tests.toml_blocks import account

ACCOUNTS = "".join(account(f"s{i}", f"30000000000{i}") for i in range(1, 7))


def _start_apply(ws: Workspace) -> subprocess.Popen[str]:
    env = environment(ws.env)
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "infra", "--auto-approve"],
        cwd=ws.root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt_after_first_success(
    proc: subprocess.Popen[str], signals: list[signal.Signals]
) -> tuple[str, str]:
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # Datadog writes are serialised: one create at a time
        seen.append(line)
        if ": succeeded created" in line:
            for sig in signals:
                proc.send_signal(sig)
            break
    out, err = proc.communicate(timeout=60)
    return "".join(seen) + out, err


@pytest.mark.parametrize(
    ("signals", "code", "name"),
    [
        ([signal.SIGTERM], 143, "SIGTERM"),
        ([signal.SIGHUP], 129, "SIGHUP"),
        ([signal.SIGINT], 130, "SIGINT"),
        ([signal.SIGINT, signal.SIGINT], 130, "SIGINT"),
    ],
)
def test_a_signal_mid_apply_stops_cleanly_and_a_rerun_converges(
    tmp_path: Path,
    make_cloud: SandboxFactory,
    signals: list[signal.Signals],
    code: int,
    name: str,
) -> None:
    slow = make_cloud(latency_ms=300, data_dir=tmp_path / "slow")
    ws = Workspace(root=tmp_path, datadog_url=slow.url, aws_url=slow.url, env=cloud_env())
    ws.write(ACCOUNTS)
    proc = _start_apply(ws)
    out, err = _interrupt_after_first_success(proc, signals)

    shown = f"exit {proc.returncode}\n{out}\n{err}"
    assert proc.returncode == code, shown
    assert f"Interrupted ({name})." in err, shown
    assert "Traceback" not in out + err
    assert not ws.state_path.with_name(ws.state_path.name + ".lock").exists(), shown
    recorded = ws.read_state()["resources"]
    created = {a["attributes"]["aws_account_id"] for a in slow.datadog_accounts()}
    assert len(recorded) >= 1 and {r["natural_key"] for r in recorded.values()} <= created
    if len(signals) == 1:
        # One signal: what was in flight finished and was recorded, and the summary says
        # what was not started.
        assert len(recorded) == len(created), shown
        assert "not started: interrupted by " + name in out, shown
        assert "Apply complete:" in out, shown

    rest = ws.apply()  # no force-unlock
    assert rest.returncode == 0, describe(rest)
    assert len(slow.datadog_accounts()) == 6
    assert ws.plan("--detailed-exitcode").returncode == 0


HOLD_LOCK_ALIVE = """
import sys
from pathlib import Path
from reconciler.state.local import LocalBackend

with LocalBackend(Path(sys.argv[1])).lock("apply") as held:
    print(held.id, flush=True)
    sys.stdin.read()
"""


def test_a_signal_while_waiting_for_the_lock_ends_the_wait(
    tmp_path: Path, make_cloud: SandboxFactory
) -> None:
    cloud = make_cloud(data_dir=tmp_path / "c")
    ws = Workspace(root=tmp_path, datadog_url=cloud.url, aws_url=cloud.url, env=cloud_env())
    ws.write(ACCOUNTS)
    settings = ws.infra / "00-settings.toml"  # a wait that would outlast any CI grace period
    settings.write_text(
        settings.read_text().replace("lock_timeout_seconds = 0.5", "lock_timeout_seconds = 60")
    )
    holder = child.start(HOLD_LOCK_ALIVE, str(ws.state_path), env=environment())
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip()
        proc = _start_apply(ws)
        assert proc.stderr is not None
        # Give it time to reach the wait (it is still running: the lock is held).
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 143, f"{out}\n{err}"
        assert "Interrupted (SIGTERM)." in err
        assert "Traceback" not in out + err
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert cloud.datadog_accounts() == []

"""The state journal through the CLI: an apply that dies before folding its journal loses
nothing (every command reads the journal with the state; the next one that takes the lock
folds it in), and the journal never holds a secret."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.sandbox import Sandbox
from reconciler.state.local import LocalBackend
from tests.cli_runner import environment
from tests.e2e.conftest import SandboxFactory, Workspace, assert_one_error, cloud_env, describe
from tests.echoes import echoed_forms
from tests.toml_blocks import account

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = "".join(account(f"j{i}", f"31000000000{i}") for i in range(1, 5))
SECRET = 'J0urnal/Secret+Value="odd&chars"'
WITH_SECRET = """
[datadog_aws_account.keys]
aws_account_id = "312222222222"
auth_config = { access_key_id = "AKIAJOURNAL00000001", secret_access_key = "${env:J_SECRET}" }
"""


def journal_of(ws: Workspace) -> Path:
    return ws.state_path.with_name(ws.state_path.name + ".journal")


def test_an_apply_that_dies_before_its_fold_loses_nothing(
    ws: Workspace, cloud: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.env["J_SECRET"] = SECRET
    ws.write(ACCOUNTS + WITH_SECRET)
    with monkeypatch.context() as patched:  # the process dies right before the fold
        patched.setattr(LocalBackend, "fold", lambda self: 0)
        first = ws.apply()
    assert first.code == 0, describe(first)
    journal = journal_of(ws)
    assert len(journal.read_bytes().splitlines()) == 5
    raw = ws.read_state()
    assert raw["serial"] == 0 and raw["resources"] == {}
    stored = ws.state_path.read_bytes()

    text = journal.read_text() + ws.state_path.read_text()
    for form in echoed_forms(SECRET):
        assert form not in text, form

    plan = ws.plan("--detailed-exitcode")
    assert plan.code == 0, describe(plan)
    listed = ws.cli("state", "list", "infra")
    expected = [f"datadog_aws_account.j{i}" for i in range(1, 5)] + ["datadog_aws_account.keys"]
    assert listed.out.split() == expected, describe(listed)
    shown = ws.cli("output", "datadog_aws_account.j1", "--path", "infra", "--json")
    assert shown.code == 0 and "external_id" in shown.out, describe(shown)
    assert ws.state_path.read_bytes() == stored  # reading folds nothing without the lock

    again = ws.apply()
    assert again.code == 0, describe(again)
    assert "folded 5 operation(s)" in again.text, describe(again)
    assert not journal.exists()
    state = ws.read_state()
    assert state["serial"] == 5 and len(state["resources"]) == 5
    assert json.loads(ws.state_path.with_name(ws.state_path.name + ".backup").read_bytes()) == raw
    assert len(cloud.datadog_accounts()) == 5


def test_kill_9_mid_apply_then_plan_and_apply_recover(
    tmp_path: Path, make_cloud: SandboxFactory
) -> None:
    slow = make_cloud(latency_ms=300, data_dir=tmp_path / "slow")
    ws = Workspace(root=tmp_path, datadog_url=slow.url, aws_url=slow.url, env=cloud_env())
    ws.write(ACCOUNTS)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "infra", "--auto-approve"],
        cwd=ws.root,
        # This checkout's code, whatever the interpreter has installed.
        env=environment({**ws.env, "PYTHONPATH": str(ROOT)}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # Datadog writes go one at a time
        if ": succeeded created" in line:
            proc.send_signal(signal.SIGKILL)
            break
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert journal_of(ws).exists()
    created = {a["attributes"]["aws_account_id"] for a in slow.datadog_accounts()}
    assert 1 <= len(created) < 4

    listed = ws.cli("state", "list", "infra")  # the journal's records are in the state read
    assert len(listed.out.split()) >= 1, describe(listed)
    rest = ws.apply()  # no force-unlock, no hand edits
    assert rest.code == 0, describe(rest)
    assert not journal_of(ws).exists()
    ids = [a["attributes"]["aws_account_id"] for a in slow.datadog_accounts()]
    assert sorted(ids) == [f"31000000000{i}" for i in range(1, 5)]  # none lost or made twice
    assert len(ws.read_state()["resources"]) == 4
    assert ws.plan("--detailed-exitcode").code == 0


def test_a_journal_that_does_not_fit_the_state_stops_every_command(
    ws: Workspace, cloud: Sandbox
) -> None:
    ws.write(ACCOUNTS)
    assert ws.apply().code == 0
    journal = journal_of(ws)
    record = (
        '{"address":"datadog_aws_account.j9","entry":null,"lineage":"not-this-one",'
        '"moved_from":null,"serial":5}'
    )
    journal.write_text(hashlib.sha256(record.encode()).hexdigest() + " " + record + "\n")
    before = ws.state_path.read_bytes()
    for result in (ws.plan(), ws.apply(), ws.cli("state", "list", "infra")):
        line = assert_one_error(result, f"{journal}:1", "lineage not-this-one")
        assert "Traceback" not in result.text, line
    assert ws.state_path.read_bytes() == before and journal.exists()


def test_an_apply_whose_fold_fails_exits_1_and_the_next_run_folds(
    ws: Workspace, cloud: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.write(ACCOUNTS)
    fold = LocalBackend.fold

    def failing(self: LocalBackend) -> int:
        if self.journal.path.exists():
            raise StateError("cannot write state: No space left on device", file=str(self.path))
        return fold(self)

    with monkeypatch.context() as patched:
        patched.setattr(LocalBackend, "fold", failing)
        first = ws.apply()
    assert_one_error(first, "No space left on device", "recorded in the state's journal")
    assert "Apply complete: 4 succeeded" in first.out, describe(first)
    again = ws.apply()
    assert again.code == 0 and "folded 4 operation(s)" in again.text, describe(again)
    assert len(ws.read_state()["resources"]) == 4 and len(cloud.datadog_accounts()) == 4

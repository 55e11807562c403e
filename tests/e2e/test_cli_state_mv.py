"""Renaming an address, and the state commands' independence from secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.e2e.conftest import run

ROOT = Path(__file__).resolve().parents[2]
SECRET = {"LEGACY_AWS_SECRET": "mv-test-secret"}


def test_rename_is_refused_then_done_with_state_mv(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    applied = run(["apply", "--sandbox", "--auto-approve", "examples/"], tmp_path, env=SECRET)
    assert applied.returncode == 0, applied.stderr
    datadog = tmp_path / "examples" / "datadog.toml"
    text = datadog.read_text().replace("[datadog_aws_account.staging", "[datadog_aws_account.stage")
    datadog.write_text(text)

    refused = run(["plan", "--sandbox", "examples/"], tmp_path, env=SECRET)
    assert refused.returncode == 1
    assert "already managed as datadog_aws_account.staging" in refused.stderr
    assert "state mv datadog_aws_account.staging datadog_aws_account.stage" in refused.stderr

    moved = run(
        ["state", "mv", "--sandbox", "datadog_aws_account.staging", "datadog_aws_account.stage"],
        tmp_path,
    )
    assert moved.returncode == 0, moved.stderr
    plan = run(["plan", "--sandbox", "--detailed-exitcode", "examples/"], tmp_path, env=SECRET)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    state = json.loads((tmp_path / "state/sandbox/reconciler.tfstate.json").read_text())
    assert "datadog_aws_account.stage" in state["resources"]
    assert "datadog_aws_account.staging" not in state["resources"]

    other = run(
        ["state", "mv", "--sandbox", "datadog_aws_account.stage", "aws_logs_integration.x"],
        tmp_path,
    )
    assert other.returncode == 1
    assert "the kind must stay the same" in other.stderr


def test_state_commands_need_no_secrets(tmp_path: Path) -> None:
    # An emergency force-unlock or a look at the state must work without the secrets the
    # resources reference: only the [state] table is read.
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    state = tmp_path / "s.json"
    (tmp_path / "examples" / "state.toml").write_text(f'[state]\npath = "{state}"\n')
    state.write_text(
        json.dumps({"version": 1, "lineage": "l", "serial": 1, "digest_key": "00" * 32})
    )
    listed = run(["state", "list", "examples/"], tmp_path, env={"LEGACY_AWS_SECRET": None})
    assert listed.returncode == 0, listed.stderr
    unlock = run(["force-unlock", "nope", "examples/"], tmp_path, env={"LEGACY_AWS_SECRET": None})
    assert unlock.returncode == 1
    assert "is not locked" in unlock.stderr
    assert "LEGACY_AWS_SECRET" not in unlock.stderr

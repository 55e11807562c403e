"""Renaming an address: the plan refuses the rename until `state mv` records it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "LEGACY_AWS_SECRET": "mv-test-secret"}
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_rename_is_refused_then_done_with_state_mv(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    assert _run(tmp_path, "apply", "--sandbox", "--auto-approve", "examples/").returncode == 0
    datadog = tmp_path / "examples" / "datadog.toml"
    datadog.write_text(
        datadog.read_text().replace("[datadog_aws_account.staging", "[datadog_aws_account.stage")
    )

    refused = _run(tmp_path, "plan", "--sandbox", "examples/")
    assert refused.returncode == 1
    assert "already managed as datadog_aws_account.staging" in refused.stderr
    assert "state mv datadog_aws_account.staging datadog_aws_account.stage" in refused.stderr

    moved = _run(
        tmp_path,
        "state",
        "mv",
        "--sandbox",
        "datadog_aws_account.staging",
        "datadog_aws_account.stage",
    )
    assert moved.returncode == 0, moved.stderr
    plan = _run(tmp_path, "plan", "--sandbox", "--detailed-exitcode", "examples/")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    state = json.loads((tmp_path / "state/sandbox/reconciler.tfstate.json").read_text())
    assert "datadog_aws_account.stage" in state["resources"]
    assert "datadog_aws_account.staging" not in state["resources"]

    other_kind = _run(
        tmp_path, "state", "mv", "--sandbox", "datadog_aws_account.stage", "aws_logs_integration.x"
    )
    assert other_kind.returncode == 1
    assert "the kind must stay the same" in other_kind.stderr

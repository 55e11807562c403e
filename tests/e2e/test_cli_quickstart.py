"""The README's quick start (in-process, and once as the installed command in a real process),
and validate without credentials."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from tests.cli_runner import spawn
from tests.e2e.conftest import describe, run, summary_line

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "quickstart-only-secret-3f9a"


def copy_examples(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path


def test_quickstart_plan_apply_then_no_changes(tmp_path: Path) -> None:
    cwd = copy_examples(tmp_path)
    env = {"LEGACY_AWS_SECRET": SECRET}

    planned = run(["plan", "--sandbox", "examples/"], cwd, env)
    assert planned.returncode == 0, describe(planned)
    assert summary_line(planned.stdout) == "Plan: 0 to import, 4 to add, 0 to change, 0 to destroy."

    applied = run(["apply", "--sandbox", "--auto-approve", "examples/"], cwd, env)
    assert applied.returncode == 0, describe(applied)
    assert "Apply complete: 4 succeeded, 0 failed, 0 skipped." in applied.stdout

    again = run(["plan", "--sandbox", "--detailed-exitcode", "examples/"], cwd, env)
    assert again.returncode == 0, describe(again)
    assert "No changes" in again.stdout

    sandbox_dir = cwd / "state" / "sandbox"
    cloud = json.loads((sandbox_dir / "sandbox.json").read_text())
    assert len(cloud["datadog"]["accounts"]) == 3
    assert len(cloud["logs"]["integrations"]) == 1
    state = json.loads((sandbox_dir / "reconciler.tfstate.json").read_text())
    assert sorted(state["resources"]) == [
        "aws_logs_integration.vended",
        "datadog_aws_account.legacy",
        "datadog_aws_account.prod",
        "datadog_aws_account.staging",
    ]
    for output in (planned, applied, again):
        assert SECRET not in output.stdout + output.stderr
    assert SECRET not in (sandbox_dir / "reconciler.tfstate.json").read_text()


def test_validate_examples_needs_no_credentials(tmp_path: Path) -> None:
    cwd = copy_examples(tmp_path)
    # base_env() already drops every DD_* and AWS_* variable; the secret is still needed
    # because a missing secret variable is a configuration error.
    env: dict[str, str | None] = {
        "LEGACY_AWS_SECRET": SECRET,
        "AWS_CONFIG_FILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": None,
        "HOME": str(tmp_path),
    }
    result = run(["validate", "examples/"], cwd, env)
    assert result.returncode == 0, describe(result)
    assert result.stdout.strip() == "The configuration is valid: 4 resources."
    assert result.stderr == ""
    assert not (cwd / "state").exists()


def test_readme_quick_start_as_the_installed_command(tmp_path: Path) -> None:
    # The README's commands through a real process: the console script, a real standard
    # input answering the prompt, exit codes as a shell sees them. The other quick-start
    # checks run in-process (above).
    cwd = copy_examples(tmp_path)
    program = (str(Path(sys.executable).with_name("reconciler")),)
    env = {"LEGACY_AWS_SECRET": SECRET}

    valid = spawn(["validate", "examples/"], cwd=cwd, env=env, program=program)
    assert valid.code == 0, valid.show()
    applied = spawn(
        ["apply", "--sandbox", "examples/"], cwd=cwd, env=env, input="yes\n", program=program
    )
    assert applied.code == 0, applied.show()
    assert "Only 'yes' will be accepted to approve." in applied.out
    assert "Apply complete: 4 succeeded, 0 failed, 0 skipped." in applied.out
    for result in (valid, applied):
        assert SECRET not in result.text

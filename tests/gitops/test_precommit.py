"""The pre-commit hook definition names a real command that passes on the examples."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.gitops.conftest import EXAMPLES, ROOT, VENV_BIN, Workdir


def _hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hooks


def _run_hook(
    hook: dict[str, Any], repo: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    # As pre-commit runs it: entry + args, in the repository root, PATH with the install.
    return subprocess.run(
        [*shlex.split(hook["entry"]), *hook.get("args", [])],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_hook_definition_parses() -> None:
    hooks = _hooks()
    assert [h["id"] for h in hooks] == ["reconciler-validate"]
    hook = hooks[0]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert shlex.split(hook["entry"])[0] == "reconciler"
    assert (VENV_BIN / "reconciler").exists()


def test_hook_entry_passes_on_the_examples(sandbox_work: Workdir) -> None:
    hook = _hooks()[0]
    repo = sandbox_work.path / "repo"
    shutil.copytree(EXAMPLES, repo)
    proc = _run_hook(hook, repo, sandbox_work.env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "The configuration is valid: 4 resources." in proc.stdout

    (repo / "typo.toml").write_text('[datadog_aws_account.x]\naws_acount_id = "123456789012"\n')
    bad = _run_hook(hook, repo, sandbox_work.env)
    assert bad.returncode == 1
    assert "did you mean aws_account_id?" in bad.stderr
    assert "Traceback" not in bad.stderr

    # validate needs no secret values (pre-commit on a laptop, pull requests from forks): an
    # unset ${env:NAME} is a note there; plan and apply still refuse it.
    env = {k: v for k, v in sandbox_work.env.items() if k != "LEGACY_AWS_SECRET"}
    (repo / "typo.toml").unlink()
    unset = _run_hook(hook, repo, env)
    assert unset.returncode == 0, unset.stdout + unset.stderr
    assert "environment variable LEGACY_AWS_SECRET is not set" in unset.stdout

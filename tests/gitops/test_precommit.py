"""The pre-commit hook of .pre-commit-hooks.yaml, run by pre-commit itself on a git repository
laid out as users have it: the configuration in infra/, a pyproject.toml at the root.

Offline: the hook is declared as a ``repo: local`` hook with this project's definition (id,
entry, args, files, pass_filenames), run with ``language: system`` so pre-commit uses the
reconciler of the test's venv instead of building one from the package index."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitops.conftest import ROOT, VENV_BIN, Workdir

PYPROJECT = """[project]
name = "acme-infra-tools"
version = "1.0"

[tool.ruff]
line-length = 100
"""


def _hook() -> dict[str, Any]:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["reconciler-validate"]
    return hooks[0]


def test_hook_definition() -> None:
    hook = _hook()
    assert hook["language"] == "python"  # pre-commit installs this project for it
    assert hook["entry"] == "reconciler validate"
    assert hook["pass_filenames"] is False
    assert hook["args"] == ["infra/"]
    assert (VENV_BIN / "reconciler").exists()


class Repo:
    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = {**env, "PRE_COMMIT_HOME": str(path.parent / "pre-commit-home")}

    def git(self, *args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=self.path,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def pre_commit(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        proc = subprocess.run(
            [str(VENV_BIN / "pre-commit"), "run", "--color", "never", *args],
            cwd=self.path,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def repo(sandbox_work: Workdir) -> Repo:
    """A git repository: pyproject.toml at the root, the example configuration in infra/, and a
    .pre-commit-config.yaml holding this project's hook."""
    path = sandbox_work.path / "repo"
    shutil.copytree(sandbox_work.infra, path / "infra")
    (path / "pyproject.toml").write_text(PYPROJECT)
    config = {"repos": [{"repo": "local", "hooks": [{**_hook(), "language": "system"}]}]}
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    r = Repo(path, sandbox_work.env)
    r.git("init", "-q", "-b", "main")
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "initial")
    return r


def test_hook_reports_a_typo_in_infra(repo: Repo) -> None:
    (repo.path / "infra" / "typo.toml").write_text(
        '[datadog_aws_account.x]\naws_acount_id = "123456789012"\n'
    )
    repo.git("add", "-A")
    code, out = repo.pre_commit()  # the staged files, as on `git commit`
    assert code == 1, out
    assert "did you mean aws_account_id?" in out
    assert "Traceback" not in out


def test_hook_skips_changes_outside_infra(repo: Repo) -> None:
    (repo.path / "pyproject.toml").write_text(PYPROJECT + "\n[tool.other]\nx = 1\n")
    repo.git("add", "-A")
    code, out = repo.pre_commit()
    assert code == 0, out
    assert "(no files to check)Skipped" in out


def test_hook_passes_on_infra_beside_a_root_pyproject_with_no_secret_values(repo: Repo) -> None:
    # pre-commit on a laptop and pull requests from forks have no secret values: an unset
    # ${env:NAME} is a note in validate; plan and apply still refuse it.
    env = {k: v for k, v in repo.env.items() if k != "LEGACY_AWS_SECRET"}
    code, out = repo.pre_commit("--all-files", "--verbose", env=env)
    assert code == 0, out
    assert "reconciler validate" in out and "Passed" in out
    assert "environment variable LEGACY_AWS_SECRET is not set" in out

"""examples/gitops/workflow.yml is a valid workflow (actionlint: syntax, expressions, every
`uses:` input of the actions it knows), installs reconciler pinned from its own source, and its
scheduled job tells clean, drift and pending apart."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
from pathlib import Path

import pytest

import reconciler
from tests.gitops.conftest import VENV_BIN, Workdir
from tests.gitops.workflow_steps import WORKFLOW, _env, workflow

DISTRIBUTION = "integration-reconciler"


def test_actionlint_passes() -> None:
    actionlint = shutil.which("actionlint", path=str(VENV_BIN)) or shutil.which("actionlint")
    assert actionlint, "actionlint is a test extra: pip install -e '.[test]'"
    proc = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_wrong_input(tmp_path: Path) -> None:
    # The check is real: a misspelt input of the download action fails it.
    actionlint = shutil.which("actionlint", path=str(VENV_BIN)) or shutil.which("actionlint")
    assert actionlint
    broken = tmp_path / "workflow.yml"
    broken.write_text(WORKFLOW.read_text().replace("pr: ${{", "pull: ${{"))
    proc = subprocess.run(
        [actionlint, "-no-color", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert 'input "pull" is not defined' in proc.stdout


def test_the_distribution_is_ours_and_the_version_single_sourced() -> None:
    assert importlib.metadata.version(DISTRIBUTION) == reconciler.__version__
    scripts = importlib.metadata.distribution(DISTRIBUTION).entry_points
    assert [e.value for e in scripts if e.name == "reconciler"] == ["reconciler.cli:main"]


def test_every_job_installs_the_pinned_version_from_source() -> None:
    doc = workflow()
    env = doc["env"]
    assert env["RECONCILER_VERSION"] == reconciler.__version__
    assert str(env["RECONCILER_SOURCE"]).startswith("git+https://")
    text = WORKFLOW.read_text()
    assert "pip install reconciler" not in text
    for name, job in doc["jobs"].items():
        steps = job["steps"]
        install = [s for s in steps if s.get("id") == "install"]
        assert len(install) == 1, name
        assert install[0]["run"] == (
            f'pip install "{DISTRIBUTION} @ ${{RECONCILER_SOURCE}}@v${{RECONCILER_VERSION}}"'
        )
        check = steps[steps.index(install[0]) + 1]
        assert "reconciler --version" in check["run"], name


def test_permissions_and_the_artifact_lookup() -> None:
    doc = workflow()
    assert doc["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "id-token": "write",
        "actions": "read",
    }
    upload = next(s for s in doc["jobs"]["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["name"] == "reconciler-plan-${{ github.event.pull_request.head.sha }}"
    apply_steps = doc["jobs"]["apply"]["steps"]
    download = next(s for s in apply_steps if "download-artifact" in s.get("uses", ""))
    assert download["with"] == {
        "workflow": "reconciler.yml",
        "pr": "${{ steps.pr.outputs.number }}",
        "name": "reconciler-plan-${{ steps.pr.outputs.head_sha }}",
        "path": ".",
    }
    assert "commit" not in download["with"]  # a merge commit is never the PR's head
    pr = next(s for s in apply_steps if s.get("id") == "pr")
    assert pr["run"].startswith("python -m reconciler.merged_pr ")
    assert pr["env"] == {"GITHUB_TOKEN": "${{ github.token }}"}
    for step_id in ("replan", "post-replan"):
        step = next(s for s in apply_steps if s.get("id") == step_id)
        assert step["if"] == "failure() && steps.apply.outcome == 'failure'"


def _stub(wd: Workdir, code: int) -> dict[str, str]:
    """An environment whose ``reconciler`` prints a line and exits ``code``."""
    stub = wd.path / "bin"
    stub.mkdir(exist_ok=True)
    (stub / "reconciler").write_text(f"#!/bin/sh\necho 'plan output'\nexit {code}\n")
    (stub / "reconciler").chmod(0o755)
    return {
        **_env(wd),
        "PATH": f"{stub}:{wd.env['PATH']}",
        "GITHUB_OUTPUT": str(wd.path / "output"),
        "GITHUB_STEP_SUMMARY": str(wd.path / "summary"),
    }


@pytest.mark.parametrize(("code", "passes"), [(0, True), (2, True), (3, True), (1, False)])
def test_pull_request_plan_step_fails_only_on_an_error(
    sandbox_work: Workdir, code: int, passes: bool
) -> None:
    # With --detailed-exitcode, changes (2) are what a pull request shows; only 1 fails.
    step = next(s for s in workflow()["jobs"]["plan"]["steps"] if s.get("name") == "Plan")
    result = sandbox_work.bash("set -o pipefail\n" + step["run"], env=_stub(sandbox_work, code))
    assert (result.code == 0) is passes, result.show()
    assert (sandbox_work.path / "plan.md").read_text() == "plan output\n"


ANNOTATIONS = {
    "clean": "reconciler: clean",
    "drift": "::error title=reconciler: drift::",
    "pending": "::warning title=reconciler: pending::",
}


@pytest.mark.parametrize(
    ("code", "outcome"), [(0, "clean"), (2, "drift"), (3, "pending"), (1, "error")]
)
def test_scheduled_job_reports_each_exit_code_distinctly(
    sandbox_work: Workdir, code: int, outcome: str
) -> None:
    # The exit codes of `plan --refresh-only` (0 clean, 2 drift, 3 pending) as a stand-in
    # reconciler gives them: the step must keep the code and name the outcome.
    wd = sandbox_work
    step = next(s for s in workflow()["jobs"]["drift"]["steps"] if s.get("id") == "check")
    output, summary = wd.path / "output", wd.path / "summary"
    result = wd.bash("set -o pipefail\n" + step["run"], env=_stub(wd, code))
    assert result.code == code
    assert "plan output" in result.out
    assert output.read_text() == f"outcome={outcome}\n"
    assert f"**{outcome}** (exit code {code})" in summary.read_text()
    for name, annotation in ANNOTATIONS.items():
        assert (annotation in result.out) == (name == outcome), name

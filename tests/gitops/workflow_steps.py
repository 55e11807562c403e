"""Running a GitHub Actions job of examples/gitops/workflow.yml locally: its ``run:`` steps in
order with bash, against the embedded sandbox (RECONCILER_FLAGS=--sandbox). Steps that need
GitHub (``uses:``) and the install step are skipped; artifacts are simulated by the files
already being in the work dir."""

from __future__ import annotations

from typing import Any

import yaml

from tests.gitops.conftest import EXAMPLES, Result, Workdir

WORKFLOW = EXAMPLES / "gitops" / "workflow.yml"
STICKY_MARKER = "<!-- reconciler-plan -->"


def workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


def _env(wd: Workdir) -> dict[str, str]:
    """The workflow's own env, with the test's stand-ins for secrets and RECONCILER_FLAGS."""
    env = {k: str(v) for k, v in workflow()["env"].items() if "${{" not in str(v)}
    env["RECONCILER_FLAGS"] = "--sandbox"
    assert env["CONFIG"] == "infra/"
    return {**wd.env, **env}


def run_job(wd: Workdir, job: str) -> list[tuple[str, Result]]:
    """Run the job's ``run:`` steps in order; stop at the first that fails, as Actions does."""
    done: list[tuple[str, Result]] = []
    for step in workflow()["jobs"][job]["steps"]:
        if "uses" in step or step.get("id") == "install":
            continue
        # GitHub's default shell for run steps on Linux: bash -e {0}.
        result = wd.bash(step["run"], env=_env(wd))
        done.append((step.get("name", step["run"]), result))
        if result.code != 0:
            break
    return done


def all_ok(steps: list[tuple[str, Result]]) -> None:
    for name, result in steps:
        assert result.code == 0, f"step {name!r} failed:\n{result.show()}"


def step_result(steps: list[tuple[str, Result]], prefix: str) -> Result:
    for name, result in steps:
        if name.startswith(prefix):
            return result
    raise AssertionError(f"no step {prefix!r} ran; ran: {[n for n, _ in steps]}")

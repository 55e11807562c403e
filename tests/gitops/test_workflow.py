"""examples/gitops/workflow.yml, run for real: each job's ``run:`` steps in order with bash,
against the embedded sandbox (RECONCILER_FLAGS=--sandbox), in a work dir holding ``infra/``.
Steps that need GitHub (``uses:``) and the install step are skipped; the artifact download is
simulated by plan.json and comment.md already being in the work dir."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.gitops.conftest import EXAMPLES, Result, Workdir, embedded_cloud

WORKFLOW = EXAMPLES / "gitops" / "workflow.yml"
STICKY_MARKER = "<!-- reconciler-plan -->"
PROD_ACCOUNT = "123456789012"


def _workflow() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return doc


def _env(wd: Workdir) -> dict[str, str]:
    """The workflow's own env, with the test's stand-ins for secrets and RECONCILER_FLAGS."""
    env = {k: str(v) for k, v in _workflow()["env"].items() if "${{" not in str(v)}
    env["RECONCILER_FLAGS"] = "--sandbox"
    assert env["CONFIG"] == "infra/"
    return {**wd.env, **env}


def run_job(wd: Workdir, job: str) -> list[tuple[str, Result]]:
    """Run the job's ``run:`` steps in order; stop at the first that fails, as Actions does."""
    done: list[tuple[str, Result]] = []
    for step in _workflow()["jobs"][job]["steps"]:
        if "uses" in step or step.get("id") == "install":
            continue
        # GitHub's default shell for run steps on Linux: bash -e {0}.
        result = wd.bash(step["run"], env=_env(wd))
        done.append((step.get("name", step["run"]), result))
        if result.code != 0:
            break
    return done


def _ok(steps: list[tuple[str, Result]]) -> None:
    for name, result in steps:
        assert result.code == 0, f"step {name!r} failed:\n{result.show()}"


def _step(steps: list[tuple[str, Result]], prefix: str) -> Result:
    for name, result in steps:
        if name.startswith(prefix):
            return result
    raise AssertionError(f"no step {prefix!r} ran; ran: {[n for n, _ in steps]}")


def test_workflow_jobs_are_as_expected() -> None:
    jobs = _workflow()["jobs"]
    assert set(jobs) == {"plan", "apply", "drift"}
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    assert jobs["drift"]["if"] == "github.event_name == 'schedule'"
    for job in jobs.values():
        runs = [s for s in job["steps"] if "run" in s and s.get("id") != "install"]
        assert runs, "a job with nothing to run"


def test_pull_request_merge_and_drift_jobs(sandbox_work: Workdir) -> None:
    wd = sandbox_work
    plan_steps = run_job(wd, "plan")
    _ok(plan_steps)
    assert len(plan_steps) == 3  # validate, plan, prepare comment
    comment = (wd.path / "comment.md").read_text()
    assert comment.startswith(STICKY_MARKER + "\n")
    assert "Plan: 0 to import, 4 to add, 0 to change, 0 to destroy." in comment
    assert re.search(r"Plan file digest: sha256:[0-9a-f]{64}", comment)
    assert (wd.path / "plan.json").exists()

    apply_steps = run_job(wd, "apply")
    _ok(apply_steps)
    applied = _step(apply_steps, "Apply the reviewed plan")
    assert "Apply complete: 4 succeeded, 0 failed, 0 skipped." in applied.out

    # The next pull request finds nothing to do.
    again = run_job(wd, "plan")
    _ok(again)
    comment = (wd.path / "comment.md").read_text()
    assert comment.startswith(STICKY_MARKER)
    assert "Plan: 0 to import, 0 to add, 0 to change, 0 to destroy." in comment

    drift = run_job(wd, "drift")
    _ok(drift)
    assert len(drift) == 1
    assert "No changes. Your infrastructure still matches the configuration." in drift[0][1].out


def test_merge_job_refuses_a_plan_gone_stale(sandbox_work: Workdir) -> None:
    wd = sandbox_work
    wd.ok("apply", "infra/", "--sandbox", "--auto-approve")
    datadog_toml = wd.infra / "datadog.toml"
    datadog_toml.write_text(
        datadog_toml.read_text().replace(
            'account_tags = ["env:prod", "team:platform"]',
            'account_tags = ["env:prod", "team:platform", "cost:shared"]',
        )
    )
    _ok(run_job(wd, "plan"))
    assert (
        "Plan: 0 to import, 0 to add, 1 to change, 0 to destroy."
        in (wd.path / "comment.md").read_text()
    )

    # Between the review and the merge, someone edits the account in Datadog.
    with embedded_cloud(wd) as cloud:
        cloud.set_tags(PROD_ACCOUNT, ["env:prod", "edited:by-hand"])
    state_before = wd.state_bytes()
    sandbox_state = wd.path / "state" / "sandbox" / "reconciler.tfstate.json"
    sandbox_state_before = sandbox_state.read_bytes()

    steps = run_job(wd, "apply")
    names = [n for n, _ in steps]
    assert names[-1].startswith("Apply the reviewed plan"), names
    applied = steps[-1][1]
    assert applied.code == 1, applied.show()
    assert "saved plan is stale: the live object changed since the plan" in applied.err
    assert "datadog_aws_account.prod" in applied.err
    assert wd.state_bytes() == state_before
    assert sandbox_state.read_bytes() == sandbox_state_before
    with embedded_cloud(wd) as cloud:
        assert cloud.tags(PROD_ACCOUNT) == ["edited:by-hand", "env:prod"]

    # The drift job sees the edit (exit 2 fails the scheduled run).
    drift = run_job(wd, "drift")
    assert drift[-1][1].code == 2, drift[-1][1].show()
    assert "datadog_aws_account.prod" in drift[-1][1].out


def test_merge_job_digest_check_rejects_another_plan_file(sandbox_work: Workdir) -> None:
    # The comment shows the digest of the reviewed plan file; a different plan.json must fail
    # the "Check the plan file is the one the comment showed" step.
    wd = sandbox_work
    _ok(run_job(wd, "plan"))
    reviewed = (wd.path / "comment.md").read_text()
    (wd.infra / "logs.toml").unlink()
    wd.ok("plan", "infra/", "--sandbox", "--out", "plan.json")
    assert (wd.path / "comment.md").read_text() == reviewed

    steps = run_job(wd, "apply")
    check = _step(steps, "Check the plan file")
    digest_line = (wd.path / "digest.txt").read_text()
    assert check.code != 0, (
        "the digest check passed for a plan file the comment never showed; "
        f"digest.txt holds {digest_line!r}"
    )

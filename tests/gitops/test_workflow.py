"""examples/gitops/workflow.yml, run for real: the pull request's plan job, the merge's apply
job and the scheduled drift job, one after the other in the same work dir."""

from __future__ import annotations

import re

from tests.gitops.conftest import Workdir
from tests.gitops.workflow_steps import STICKY_MARKER, all_ok, run_job, step_result, workflow


def test_workflow_jobs_are_as_expected() -> None:
    jobs = workflow()["jobs"]
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
    all_ok(plan_steps)
    assert len(plan_steps) == 3  # validate, plan, prepare comment
    comment = (wd.path / "comment.md").read_text()
    assert comment.startswith(STICKY_MARKER + "\n")
    assert "Plan: 0 to import, 4 to add, 0 to change, 0 to destroy." in comment
    assert re.search(r"Plan file digest: sha256:[0-9a-f]{64}", comment)
    assert (wd.path / "plan.json").exists()

    apply_steps = run_job(wd, "apply")
    all_ok(apply_steps)
    applied = step_result(apply_steps, "Apply the reviewed plan")
    assert "Apply complete: 4 succeeded, 0 failed, 0 skipped." in applied.out

    # The next pull request finds nothing to do.
    again = run_job(wd, "plan")
    all_ok(again)
    comment = (wd.path / "comment.md").read_text()
    assert comment.startswith(STICKY_MARKER)
    assert "Plan: 0 to import, 0 to add, 0 to change, 0 to destroy." in comment

    drift = run_job(wd, "drift")
    all_ok(drift)
    assert len(drift) == 1
    assert "No changes. Your infrastructure still matches the configuration." in drift[0][1].out

"""examples/gitops/workflow.yml, run for real: the pull request's plan job, the merge's apply
job and the scheduled job, one after the other, each on a fresh runner sharing the state."""

from __future__ import annotations

import re

from tests.gitops.conftest import Workdir
from tests.gitops.workflow_steps import (
    STICKY_MARKER,
    all_ok,
    github_repo,
    step_result,
    workflow,
)


def test_workflow_jobs_are_as_expected() -> None:
    jobs = workflow()["jobs"]
    assert set(jobs) == {"plan", "apply", "drift"}
    assert jobs["plan"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    assert jobs["drift"]["if"] == "github.event_name == 'schedule'"
    for job in jobs.values():
        runs = [s for s in job["steps"] if "run" in s and s.get("id") != "install"]
        assert runs, "a job with nothing to run"


def test_pull_request_merge_and_scheduled_jobs(sandbox_work: Workdir) -> None:
    wd = sandbox_work
    with github_repo(wd) as repo:
        plan_steps = repo.open_pr(1)
        all_ok(plan_steps)
        comment = repo.github.comments[1][0]["body"]
        assert comment.startswith(STICKY_MARKER + "\n")
        assert "Plan: 0 to import, 4 to add, 0 to change, 0 to destroy." in comment
        assert re.search(r"Plan file digest: sha256:[0-9a-f]{64}", comment)

        apply_steps = repo.merge(1)
        all_ok(apply_steps)
        assert "Pull request #1, head commit" in step_result(apply_steps, "Find the merged").out
        applied = step_result(apply_steps, "Apply the reviewed plan")
        assert "Apply complete: 4 succeeded, 0 failed, 0 skipped." in applied.out
        assert not any(name.startswith("Re-plan") for name, _ in apply_steps)

        # The next pull request finds nothing to do; its comment replaces the sticky one.
        all_ok(repo.open_pr(2))
        assert len(repo.github.comments[2]) == 1
        assert (
            "Plan: 0 to import, 0 to add, 0 to change, 0 to destroy."
            in (repo.github.comments[2][0]["body"])
        )

        check = repo.schedule()
        all_ok(check)
        clean = check[-1][1].out
        assert "No changes. Your infrastructure still matches the configuration." in clean
        assert "reconciler: clean" in check[-1][1].out

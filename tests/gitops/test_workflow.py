"""examples/gitops/workflow.yml, run for real: the pull request's plan job, the merge's apply
job (after a merge commit, a squash and a rebase) and the scheduled job, one after the other,
each on a fresh runner sharing the state."""

from __future__ import annotations

import re

from tests.gitops.conftest import Result, Workdir
from tests.gitops.workflow_steps import (
    STICKY_MARKER,
    Repo,
    all_ok,
    edit,
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


PROD_TAGS = 'account_tags = ["env:prod", "team:platform"]'


def _merged(steps: list[tuple[str, Result]], repo: Repo, number: int, applied: int) -> None:
    """The merge job found pull request ``number`` and applied its reviewed plan, nothing else."""
    all_ok(steps)
    found = step_result(steps, "Find the merged").out
    assert f"Pull request #{number}, head commit {repo.heads[number]}" in found
    result = step_result(steps, "Apply the reviewed plan")
    assert f"Apply complete: {applied} succeeded, 0 failed, 0 skipped." in result.out
    assert not any(name.startswith("Re-plan") for name, _ in steps)


def test_pull_requests_merged_every_way_and_the_scheduled_job(sandbox_work: Workdir) -> None:
    # One repository's life: a pull request merged with a merge commit, then two planned
    # against the same state on disjoint addresses, merged by squash and by rebase (the pull
    # request found from the squash commit and from the last rebased one, not its head), each
    # applying only its own reviewed plan; then the scheduled job finds nothing to do.
    wd = sandbox_work
    datadog, logs = wd.infra / "datadog.toml", wd.infra / "logs.toml"
    with github_repo(wd) as repo:
        all_ok(repo.open_pr(1))
        comment = repo.github.comments[1][0]["body"]
        assert comment.startswith(STICKY_MARKER + "\n")
        assert "Plan: 0 to import, 4 to add, 0 to change, 0 to destroy." in comment
        assert re.search(r"Plan file digest: sha256:[0-9a-f]{64}", comment)
        _merged(repo.merge(1), repo, 1, applied=4)

        base_datadog, base_logs = datadog.read_text(), logs.read_text()
        edit(datadog, PROD_TAGS, 'account_tags = ["env:prod", "team:platform", "a:1"]')
        all_ok(repo.open_pr(2))
        tags = datadog.read_text()
        datadog.write_text(base_datadog)
        edit(logs, "retention_days = 30", "retention_days = 14")
        all_ok(repo.open_pr(3))
        for number, summary in ((2, "0 to add, 1 to change, 0"), (3, "1 to add, 0 to change, 1")):
            assert len(repo.github.comments[number]) == 1
            body = repo.github.comments[number][0]["body"]
            assert f"Plan: 0 to import, {summary} to destroy." in body  # 3: a replacement

        datadog.write_text(tags)  # main after squashing #2
        logs.write_text(base_logs)
        _merged(repo.merge(2, "squash"), repo, 2, applied=1)
        edit(logs, "retention_days = 30", "retention_days = 14")  # main after rebasing #3
        _merged(repo.merge(3, "rebase"), repo, 3, applied=1)
        assert len(repo.github.comments[3]) == 1  # nothing re-planned or posted

        check = repo.schedule()
        all_ok(check)
        clean = check[-1][1].out
        assert "No changes. Your infrastructure still matches the configuration." in clean
        assert "reconciler: clean" in clean

"""The merge job of examples/gitops/workflow.yml: it finds the reviewed plan of the pull request
the push came from, applies only that, and when the apply is refused it re-plans and posts the
new plan to the merged pull request (merges that apply: test_workflow.py)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from tests.gitops.conftest import Workdir, embedded_cloud
from tests.gitops.workflow_steps import all_ok, edit, github_repo, step_result

PROD_ACCOUNT = "123456789012"
PROD_TAGS = 'account_tags = ["env:prod", "team:platform"]'


def _names(steps: Sequence[tuple[str, object]]) -> list[str]:
    return [name for name, _ in steps]


def test_merge_job_refuses_a_plan_gone_stale_and_posts_a_new_plan(sandbox_work: Workdir) -> None:
    wd = sandbox_work
    wd.ok("apply", "infra/", "--sandbox", "--auto-approve")
    edit(
        wd.infra / "datadog.toml",
        PROD_TAGS,
        'account_tags = ["env:prod", "team:platform", "cost:shared"]',
    )
    with github_repo(wd) as repo:
        all_ok(repo.open_pr(3))
        assert (
            "Plan: 0 to import, 0 to add, 1 to change, 0 to destroy."
            in (repo.github.comments[3][0]["body"])
        )

        # Between the review and the merge, someone edits the account in Datadog.
        with embedded_cloud(wd) as cloud:
            cloud.set_tags(PROD_ACCOUNT, ["env:prod", "edited:by-hand"])
        state_before = wd.state_bytes()
        sandbox_state = wd.path / "state" / "sandbox" / "reconciler.tfstate.json"
        sandbox_state_before = sandbox_state.read_bytes()

        steps = repo.merge(3)
        names = _names(steps)
        assert names[-3].startswith("Apply the reviewed plan"), names
        applied = steps[-3][1]
        assert applied.code == 1, applied.show()
        assert "saved plan is stale" in applied.err
        assert "datadog_aws_account.prod" in applied.err
        assert wd.state_bytes() == state_before
        assert sandbox_state.read_bytes() == sandbox_state_before
        with embedded_cloud(wd) as cloud:
            assert cloud.tags(PROD_ACCOUNT) == ["edited:by-hand", "env:prod"]

        # Re-planned from the merged configuration and posted to the merged pull request.
        assert names[-2:] == [
            "Re-plan after a refused or failed apply",
            "Post the new plan to the merged pull request",
        ]
        posted = repo.github.comments[3][-1]["body"]
        assert len(repo.github.comments[3]) == 2  # the sticky plan comment, then this one
        assert posted.startswith("<!-- reconciler-replan -->\n")
        assert "the reviewed plan of #3 was not applied" in posted
        assert "saved plan is stale" in posted
        assert "datadog_aws_account.prod" in posted
        assert "Plan: 0 to import, 0 to add, 1 to change, 0 to destroy." in posted
        assert "Plan file digest" not in posted  # nothing to apply from this comment

        # The scheduled check sees the edit: drift, exit 2, failing the run.
        check = repo.schedule()
        assert check[-1][1].code == 2, check[-1][1].show()
        assert "datadog_aws_account.prod" in check[-1][1].out
        assert "::error title=reconciler: drift::" in check[-1][1].out


def test_two_pull_requests_on_the_same_address(sandbox_work: Workdir) -> None:
    # Both are planned against the same state; the first merged applies, the second is refused
    # (its address changed since its plan), re-planned on top of the first, and posted; the
    # scheduled check then reports the merged change as pending.
    wd = sandbox_work
    wd.ok("apply", "infra/", "--sandbox", "--auto-approve")
    base = (wd.infra / "datadog.toml").read_text()
    with github_repo(wd) as repo:
        edit(
            wd.infra / "datadog.toml",
            PROD_TAGS,
            'account_tags = ["env:prod", "team:platform", "a:1"]',
        )
        all_ok(repo.open_pr(1))
        first = (wd.infra / "datadog.toml").read_text()
        (wd.infra / "datadog.toml").write_text(base)
        edit(
            wd.infra / "datadog.toml",
            "collect_cloudwatch_alarms = true",
            "collect_cloudwatch_alarms = false",
        )
        all_ok(repo.open_pr(2))

        (wd.infra / "datadog.toml").write_text(first)  # main after merging #1
        all_ok(repo.merge(1))
        edit(
            wd.infra / "datadog.toml",
            "collect_cloudwatch_alarms = true",
            "collect_cloudwatch_alarms = false",
        )
        steps = repo.merge(2)  # main after merging #2: both changes
        refused = step_result(steps, "Apply the reviewed plan")
        assert refused.code == 1, refused.show()
        assert "stale" in refused.err
        posted = repo.github.comments[2][-1]["body"]
        assert posted.startswith("<!-- reconciler-replan -->")
        assert "Plan: 0 to import, 0 to add, 1 to change, 0 to destroy." in posted
        assert "collect_cloudwatch_alarms" in posted
        changed = [ln for ln in posted.splitlines() if ln.startswith(("+ ", "- "))]
        assert changed and not any("account_tags" in ln for ln in changed)  # #1 is applied

        # Until someone applies it, the scheduled check reports #2 as merged but pending.
        check = repo.schedule()
        result = check[-1][1]
        assert result.code == 3, result.show()
        assert "::warning title=reconciler: pending::" in result.out
        assert "datadog_aws_account.prod" in result.out


def test_merge_job_applies_no_plan_but_the_reviewed_one(sandbox_work: Workdir) -> None:
    # The comment on the pull request shows the digest of the reviewed plan file; an artifact
    # holding another plan.json must fail the check, and nothing is applied or re-planned.
    # A direct push (no pull request) has no reviewed plan at all.
    wd = sandbox_work
    with github_repo(wd) as repo:
        all_ok(repo.open_pr(4))
        (wd.infra / "logs.toml").unlink()
        wd.ok("plan", "infra/", "--sandbox", "--out", "other.json")
        artifact = repo.store / f"reconciler-plan-{repo.heads[4]}"
        shutil.copy(wd.path / "other.json", artifact / "plan.json")

        steps = repo.merge(4)
        check = step_result(steps, "Check the plan file")
        assert check.code != 0, "the digest check passed for a plan file the comment never showed"
        assert _names(steps)[-1].startswith("Check the plan file")
        assert len(repo.github.comments[4]) == 1
        assert not (wd.state_file).exists()

        # A commit pushed straight to main has no reviewed plan: nothing is applied either.
        steps = repo.push_direct()
        find = step_result(steps, "Find the merged pull request")
        assert find.code == 1
        assert f"no pull request was merged into main as commit {repo.main_sha}" in find.err
        assert _names(steps)[-1].startswith("Find the merged pull request")
        assert not wd.state_file.exists()

"""The merge job of examples/gitops/workflow.yml refuses what was not reviewed: a plan gone
stale, and a plan file other than the one the comment showed."""

from __future__ import annotations

from tests.gitops.conftest import Workdir, embedded_cloud
from tests.gitops.workflow_steps import all_ok, run_job, step_result

PROD_ACCOUNT = "123456789012"


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
    all_ok(run_job(wd, "plan"))
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
    all_ok(run_job(wd, "plan"))
    reviewed = (wd.path / "comment.md").read_text()
    (wd.infra / "logs.toml").unlink()
    wd.ok("plan", "infra/", "--sandbox", "--out", "plan.json")
    assert (wd.path / "comment.md").read_text() == reviewed

    steps = run_job(wd, "apply")
    check = step_result(steps, "Check the plan file")
    digest_line = (wd.path / "digest.txt").read_text()
    assert check.code != 0, (
        "the digest check passed for a plan file the comment never showed; "
        f"digest.txt holds {digest_line!r}"
    )

"""``[[moved]]`` renames an address in a reviewed change; ``--replace`` forces a replacement."""

from __future__ import annotations

from tests.gitops.conftest import (
    ROLE,
    ROLE_ID,
    Cloud,
    Workdir,
    applied_actions,
    plan_json,
    refused_apply,
    write_main,
)

MOVED = """
[[moved]]
from = "datadog_aws_account.role"
to = "datadog_aws_account.main_role"
"""


def test_a_moved_block_renames_without_touching_the_object(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE)
    work.ok("apply", "infra", "--auto-approve")
    config_id = cloud.account_id(ROLE_ID)

    write_main(work, ROLE.replace("datadog_aws_account.role", "datadog_aws_account.main_role"))
    (work.infra / "moved.toml").write_text(MOVED)
    planned = work.ok("plan", "infra", "--out", "plan.json", "--detailed-exitcode", codes=(2,))
    assert "datadog_aws_account.main_role: moved from datadog_aws_account.role" in planned.out
    assert "to destroy" in planned.out and "0 to destroy" in planned.out
    (change,) = plan_json(work)["resource_changes"]
    assert change["previous_address"] == "datadog_aws_account.role"
    assert change["change"]["actions"] == ["no-op"]

    applied = work.ok("apply", "plan.json")
    assert applied_actions(applied) == {"datadog_aws_account.main_role": "move"}
    assert sorted(work.state()["resources"]) == ["datadog_aws_account.main_role"]
    assert cloud.account_id(ROLE_ID) == config_id  # the same object, never recreated
    # The block may stay: with the state moved, it does nothing.
    again = work.run("plan", "infra", "--detailed-exitcode")
    assert again.code == 0, again.show()


def test_moved_blocks_are_checked(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE)
    (work.infra / "moved.toml").write_text(
        '[[moved]]\nfrom = "datadog_aws_account.role"\nto = "aws_logs_integration.role"\n'
    )
    result = work.run("validate", "infra")
    assert result.code == 1
    assert "moved.toml:1" in result.err and "the kind must stay the same" in result.err

    (work.infra / "moved.toml").write_text(MOVED)
    result = work.run("validate", "infra")
    assert result.code == 1
    assert "datadog_aws_account.main_role, which is not declared" in result.err


def test_replace_forces_a_replacement_and_is_part_of_the_saved_plan(
    work: Workdir, cloud: Cloud
) -> None:
    write_main(work, ROLE)
    work.ok("apply", "infra", "--auto-approve")
    before = cloud.account_id(ROLE_ID)

    bad = work.run("plan", "infra", "--replace", "datadog_aws_account.nope")
    assert bad.code == 1 and "datadog_aws_account.nope" in bad.err

    planned = work.ok(
        "plan", "infra", "--replace", "datadog_aws_account.role", "--out", "plan.json"
    )
    assert "replace_by_request" in planned.out
    assert "Plan: 0 to import, 1 to add, 0 to change, 1 to destroy." in planned.out
    refused = refused_apply(work, cloud, "plan.json", "--replace", "datadog_aws_account.role")
    assert "cannot be used with a saved plan" in refused.err

    applied = work.ok("apply", "plan.json")
    assert applied_actions(applied) == {"datadog_aws_account.role": "replace"}
    assert cloud.account_id(ROLE_ID) != before
    assert work.run("plan", "infra", "--detailed-exitcode").code == 0

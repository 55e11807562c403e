"""Stale saved plans: refused when the state or a live object the plan touches moved on since
the plan, naming the reason, without changing the cloud or the state."""

from __future__ import annotations

from tests.gitops.conftest import (
    KEYS_ID,
    ROLE,
    ROLE_ID,
    Cloud,
    Workdir,
    applied_actions,
    refused_apply,
    write_main,
)


def plan_after_drift(work: Workdir, cloud: Cloud, tag: str, *plan_args: str) -> None:
    """Changes the role account's tags outside and saves a plan (``plan.json``) putting them
    back."""
    cloud.set_tags(ROLE_ID, [tag])
    work.ok("plan", "infra", "--out", "plan.json", *plan_args)


def test_refused_when_the_state_lineage_differs(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    old_lineage = work.state()["lineage"]
    plan_after_drift(work, cloud, "changed:outside")

    # A new state: the old one is lost and an apply starts another lineage (it adopts the
    # existing account by its aws_account_id and puts the tags back).
    work.state_file.unlink()
    work.state_file.with_name(work.state_file.name + ".backup").unlink(missing_ok=True)
    work.ok("apply", "infra", "--auto-approve")
    new_lineage = work.state()["lineage"]
    assert new_lineage != old_lineage

    result = refused_apply(work, cloud, "plan.json")
    assert "saved plan is for another state" in result.err
    assert old_lineage in result.err and new_lineage in result.err


def test_refused_when_the_state_was_deleted(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    plan_after_drift(work, cloud, "changed:outside")
    work.state_file.unlink()

    result = refused_apply(work, cloud, "plan.json")
    assert "saved plan is stale: the state it was made against is gone" in result.err


def test_refused_when_a_state_was_written_after_a_plan_made_without_one(
    work: Workdir, cloud: Cloud
) -> None:
    write_main(work, ROLE)
    work.ok("plan", "infra", "--out", "plan.json")
    work.ok("apply", "infra", "--auto-approve")

    result = refused_apply(work, cloud, "plan.json")
    assert "made before any state existed" in result.err


def test_serial_moving_on_elsewhere_does_not_make_it_stale(
    applied: tuple[Workdir, Cloud],
) -> None:
    work, cloud = applied
    plan_after_drift(work, cloud, "changed:outside", "--target", "datadog_aws_account.role")
    serial = work.state()["serial"]

    # Another change is applied in between, at another address: the serial moves on.
    cloud.set_tags(KEYS_ID, ["changed:outside"])
    work.ok("apply", "infra", "--auto-approve", "--target", "datadog_aws_account.keys")
    assert work.state()["serial"] > serial

    result = work.ok("apply", "plan.json")
    assert applied_actions(result) == {"datadog_aws_account.role": "update"}
    assert cloud.tags(ROLE_ID) == ["env:test"]


def test_refused_when_another_apply_touched_its_address(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    cloud.set_tags(KEYS_ID, ["changed:outside"])
    plan_after_drift(work, cloud, "changed:outside")

    # Something else applies one of the plan's own addresses first.
    work.ok("apply", "infra", "--auto-approve", "--target", "datadog_aws_account.keys")

    result = refused_apply(work, cloud, "plan.json")
    # The other apply put the live object back as it was recorded: the reason given is the
    # live object (its state entry is byte for byte what it was).
    assert result.err.startswith("Error: datadog_aws_account.keys: saved plan is stale: ")
    assert "since the plan" in result.err
    assert cloud.tags(ROLE_ID) == ["changed:outside"]


def test_refused_when_a_touched_object_changed_live(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    plan_after_drift(work, cloud, "changed:once")
    cloud.set_tags(ROLE_ID, ["changed:twice"])

    result = refused_apply(work, cloud, "plan.json")
    assert "the live object changed since the plan" in result.err
    assert "datadog_aws_account.role" in result.err
    assert cloud.tags(ROLE_ID) == ["changed:twice"]


def test_refused_when_a_touched_object_was_deleted_live(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    plan_after_drift(work, cloud, "changed:once")
    with cloud.datadog() as api:
        api.delete_aws_account(cloud.account_id(ROLE_ID))

    result = refused_apply(work, cloud, "plan.json")
    assert "the live object was deleted since the plan" in result.err

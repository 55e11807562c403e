"""Saved plans: a fresh plan applies exactly what it says; a stale one is refused, for each
reason, without changing the cloud or the state."""

from __future__ import annotations

from tests.gitops.conftest import (
    KEYS,
    KEYS_ID,
    LOGS,
    ROLE,
    ROLE_ID,
    SECRET_ENV,
    SECRET_VALUE,
    Cloud,
    Result,
    Workdir,
    applied_actions,
    plan_json,
    planned_actions,
    write_main,
)


def _refused(wd: Workdir, cloud: Cloud, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run an apply that must be refused: exit 1, and neither the cloud nor the state moved."""
    cloud_before, state_before = cloud.snapshot(), wd.state_bytes()
    result = wd.run("apply", *args, env=env)
    assert result.code == 1, result.show()
    assert "Traceback" not in result.text
    assert cloud.snapshot() == cloud_before, "a refused apply changed the cloud"
    assert wd.state_bytes() == state_before, "a refused apply changed the state"
    return result


def test_fresh_plan_applies_exactly_its_actions(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS, LOGS)
    planned = work.ok("plan", "infra", "--out", "plan.json", "--detailed-exitcode", codes=(2,))
    assert "Plan: 0 to import, 3 to add, 0 to change, 0 to destroy." in planned.out
    expected = planned_actions(plan_json(work))
    assert expected == {
        "aws_logs_integration.vended": "create",
        "datadog_aws_account.keys": "create",
        "datadog_aws_account.role": "create",
    }

    result = work.ok("apply", "plan.json")
    assert applied_actions(result) == expected, result.show()
    assert "Apply complete: 3 succeeded, 0 failed, 0 skipped." in result.out
    assert cloud.account(ROLE_ID) is not None and cloud.account(KEYS_ID) is not None
    assert [i["integrationName"] for i in cloud.sandbox.logs_integrations()] == ["vended"]

    after = work.run("plan", "infra", "--detailed-exitcode")
    assert after.code == 0, after.show()
    assert "No changes." in after.out


def test_refused_when_the_state_lineage_differs(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    old_lineage = work.state()["lineage"]
    cloud.set_tags(ROLE_ID, ["changed:outside"])
    work.ok("plan", "infra", "--out", "plan.json")

    # A new state: the old one is lost and an apply starts another lineage (it adopts the
    # existing account by its aws_account_id and puts the tags back).
    work.state_file.unlink()
    work.state_file.with_name(work.state_file.name + ".backup").unlink(missing_ok=True)
    work.ok("apply", "infra", "--auto-approve")
    new_lineage = work.state()["lineage"]
    assert new_lineage != old_lineage

    result = _refused(work, cloud, "plan.json")
    assert "saved plan is for another state" in result.err
    assert old_lineage in result.err and new_lineage in result.err


def test_refused_when_the_state_was_deleted(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:outside"])
    work.ok("plan", "infra", "--out", "plan.json")
    work.state_file.unlink()

    result = _refused(work, cloud, "plan.json")
    assert "saved plan is stale: the state it was made against is gone" in result.err


def test_refused_when_a_state_was_written_after_a_plan_made_without_one(
    work: Workdir, cloud: Cloud
) -> None:
    write_main(work, ROLE)
    work.ok("plan", "infra", "--out", "plan.json")
    work.ok("apply", "infra", "--auto-approve")

    result = _refused(work, cloud, "plan.json")
    assert "made before any state existed" in result.err


def test_refused_when_the_serial_moved_on(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:outside"])
    cloud.set_tags(KEYS_ID, ["changed:outside"])
    work.ok("plan", "infra", "--out", "plan.json")
    serial = work.state()["serial"]

    # Something else is applied in between: only the keys account.
    work.ok("apply", "infra", "--auto-approve", "--target", "datadog_aws_account.keys")
    assert work.state()["serial"] > serial

    result = _refused(work, cloud, "plan.json")
    assert f"the state moved on from serial {serial} to {work.state()['serial']}" in result.err
    assert cloud.tags(ROLE_ID) == ["changed:outside"]


def test_refused_when_a_secret_changed(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS)
    work.ok("plan", "infra", "--out", "plan.json")

    result = _refused(work, cloud, "plan.json", env={SECRET_ENV: "rotated-after-review"})
    assert "the secret's environment value changed since the plan" in result.err
    assert "datadog_aws_account.keys" in result.err
    assert "rotated-after-review" not in result.text
    assert SECRET_VALUE.encode() not in (work.path / "plan.json").read_bytes()
    assert cloud.account(ROLE_ID) is None and not work.state_file.exists()


def test_refused_when_a_rotated_secret_changed_again(applied: tuple[Workdir, Cloud]) -> None:
    # With a state: its own digest key is used, and a rotation is an update shown as sensitive.
    work, cloud = applied
    rotated, again = "rotated-once-Fk2pQ9", "rotated-twice-Wm7cX3"
    work.secrets += [rotated, again]
    planned = work.ok("plan", "infra", "--out", "plan.json", env={SECRET_ENV: rotated})
    assert "auth_config.secret_access_key: (sensitive) -> (sensitive)" in planned.out
    assert planned_actions(plan_json(work)) == {"datadog_aws_account.keys": "update"}

    result = _refused(work, cloud, "plan.json", env={SECRET_ENV: again})
    assert "the secret's environment value changed since the plan" in result.err

    applied_now = work.ok("apply", "plan.json", env={SECRET_ENV: rotated})
    assert applied_actions(applied_now) == {"datadog_aws_account.keys": "update"}
    assert work.run("plan", "infra", "--detailed-exitcode", env={SECRET_ENV: rotated}).code == 0


def test_refused_when_a_touched_object_changed_live(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:once"])
    work.ok("plan", "infra", "--out", "plan.json")
    cloud.set_tags(ROLE_ID, ["changed:twice"])

    result = _refused(work, cloud, "plan.json")
    assert "the live object changed since the plan" in result.err
    assert "datadog_aws_account.role" in result.err
    assert cloud.tags(ROLE_ID) == ["changed:twice"]


def test_refused_when_a_touched_object_was_deleted_live(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:once"])
    work.ok("plan", "infra", "--out", "plan.json")
    with cloud.datadog() as api:
        api.delete_aws_account(cloud.account_id(ROLE_ID))

    result = _refused(work, cloud, "plan.json")
    assert "the live object was deleted since the plan" in result.err


def test_untouched_objects_may_change(applied: tuple[Workdir, Cloud]) -> None:
    # Only objects the plan touches are re-read: a change elsewhere does not go stale.
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:once"])
    work.ok("plan", "infra", "--out", "plan.json")
    cloud.set_tags(KEYS_ID, ["changed:elsewhere"])

    result = work.ok("apply", "plan.json")
    assert applied_actions(result) == {"datadog_aws_account.role": "update"}
    assert cloud.tags(ROLE_ID) == ["env:test"]
    assert cloud.tags(KEYS_ID) == ["changed:elsewhere"]


def test_refused_when_the_configuration_changed(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE)
    work.ok("plan", "infra", "--out", "plan.json")
    write_main(work, ROLE.replace('"env:test"', '"env:test", "team:new"'))

    result = _refused(work, cloud, "plan.json")
    assert "the configuration changed since the plan was made" in result.err
    assert cloud.account(ROLE_ID) is None


def test_target_or_exclude_with_a_plan_file_is_refused(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS)
    work.ok("plan", "infra", "--out", "plan.json")
    for flag in ("--target", "--exclude"):
        result = _refused(work, cloud, "plan.json", flag, "datadog_aws_account.role")
        assert "--target/--exclude cannot be used with a saved plan" in result.err
    assert cloud.account(ROLE_ID) is None

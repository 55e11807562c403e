"""Saved plans: a fresh plan applies exactly what it says; a plan made with a secret, a
configuration or a target that differs at apply time is refused without changing anything."""

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
    Workdir,
    applied_actions,
    plan_json,
    planned_actions,
    refused_apply,
    write_main,
)


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


def test_refused_when_a_secret_changed(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS)
    work.ok("plan", "infra", "--out", "plan.json")

    result = refused_apply(work, cloud, "plan.json", env={SECRET_ENV: "rotated-after-review"})
    assert f"the secret's environment variable {SECRET_ENV} changed since the plan" in result.err
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

    result = refused_apply(work, cloud, "plan.json", env={SECRET_ENV: again})
    assert f"the secret's environment variable {SECRET_ENV} changed since the plan" in result.err

    applied_now = work.ok("apply", "plan.json", env={SECRET_ENV: rotated})
    assert applied_actions(applied_now) == {"datadog_aws_account.keys": "update"}
    assert work.run("plan", "infra", "--detailed-exitcode", env={SECRET_ENV: rotated}).code == 0


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

    result = refused_apply(work, cloud, "plan.json")
    assert result.err.startswith("Error: datadog_aws_account.role: account_tags: saved plan is")
    assert 'now sets ["env:test", "team:new"], the reviewed plan ["env:test"]' in result.err
    assert cloud.account(ROLE_ID) is None


def test_a_configuration_change_elsewhere_does_not_make_it_stale(
    work: Workdir, cloud: Cloud
) -> None:
    # Another pull request merged meanwhile, at another address: this plan still applies,
    # and only what it reviewed (the other change is left for its own plan).
    write_main(work, ROLE)
    work.ok("plan", "infra", "--out", "plan.json")
    write_main(work, ROLE, KEYS)

    result = work.ok("apply", "plan.json")
    assert applied_actions(result) == {"datadog_aws_account.role": "create"}
    assert cloud.account(ROLE_ID) is not None and cloud.account(KEYS_ID) is None


def test_target_or_exclude_with_a_plan_file_is_refused(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS)
    work.ok("plan", "infra", "--out", "plan.json")
    for flag in ("--target", "--exclude"):
        result = refused_apply(work, cloud, "plan.json", flag, "datadog_aws_account.role")
        assert "--target/--exclude/--replace cannot be used with a saved plan" in result.err
    assert cloud.account(ROLE_ID) is None

"""``plan --refresh-only`` (the scheduled drift check) writes nothing; ``--target`` and
``--exclude`` select addresses on plan and apply."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.gitops.conftest import (
    KEYS,
    KEYS_ID,
    LOGS,
    ROLE,
    ROLE_ID,
    Cloud,
    Workdir,
    write_main,
)


def _files(wd: Workdir) -> dict[str, tuple[bytes, int]]:
    """Every file under state/: bytes and mtime."""
    out: dict[str, tuple[bytes, int]] = {}
    for path in sorted((wd.path / "state").rglob("*")):
        if path.is_file():
            out[str(path.relative_to(wd.path))] = (path.read_bytes(), os.stat(path).st_mtime_ns)
    return out


def test_refresh_only_writes_nothing_and_exits_by_drift(applied: tuple[Workdir, Cloud]) -> None:
    work, cloud = applied
    files, cloud_before = _files(work), cloud.snapshot()
    assert str(Path("state/reconciler.tfstate.json")) in files

    clean = work.run("plan", "infra", "--refresh-only")
    assert clean.code == 0, clean.show()
    assert "No changes. Your infrastructure still matches the configuration." in clean.out
    assert _files(work) == files

    cloud.set_tags(ROLE_ID, ["drifted:outside"])
    with cloud.datadog() as api:
        api.delete_aws_account(cloud.account_id(KEYS_ID))
    cloud_before = cloud.snapshot()

    drifted = work.run("plan", "infra", "--refresh-only")
    assert drifted.code == 2, drifted.show()
    assert "datadog_aws_account.role" in drifted.out
    assert "drifted:outside" in drifted.out
    assert "datadog_aws_account.keys" in drifted.out
    # Drift only: nothing the configuration would change is proposed, nothing is written.
    assert "Plan:" not in drifted.out
    assert _files(work) == files
    assert cloud.snapshot() == cloud_before


def _planned(wd: Workdir, *args: str) -> set[str]:
    result = wd.ok("plan", "infra", "--format", "json", *args, codes=(0, 2))
    doc = json.loads(result.out)
    return {rc["address"] for rc in doc["resource_changes"] if rc["change"]["actions"] != ["no-op"]}


def test_target_and_exclude_select_addresses(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS, LOGS)
    role, keys, logs = (
        "datadog_aws_account.role",
        "datadog_aws_account.keys",
        "aws_logs_integration.vended",
    )
    assert _planned(work, "--target", role, "--target", logs) == {role, logs}
    assert _planned(work, "--exclude", role) == {keys, logs}

    work.ok("apply", "infra", "--auto-approve", "--target", role)
    assert cloud.account(ROLE_ID) is not None
    assert cloud.account(KEYS_ID) is None
    assert cloud.sandbox.logs_integrations() == []
    assert sorted(work.state()["resources"]) == [role]

    work.ok("apply", "infra", "--auto-approve", "--exclude", logs)
    assert cloud.account(KEYS_ID) is not None
    assert cloud.sandbox.logs_integrations() == []
    assert sorted(work.state()["resources"]) == [keys, role]

    assert _planned(work) == {logs}


def test_unknown_target_is_an_error(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE)
    result = work.run("apply", "infra", "--auto-approve", "--target", "datadog_aws_account.nope")
    assert result.code == 1, result.show()
    assert "no resource datadog_aws_account.nope in the configuration or the state" in result.err
    assert cloud.account(ROLE_ID) is None
    assert not work.state_file.exists()


def test_a_targeted_saved_plan_applies_only_its_target(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE, KEYS)
    work.ok("plan", "infra", "--target", "datadog_aws_account.keys", "--out", "plan.json")
    work.ok("apply", "plan.json")
    assert cloud.account(KEYS_ID) is not None
    assert cloud.account(ROLE_ID) is None
    assert sorted(work.state()["resources"]) == ["datadog_aws_account.keys"]


def test_refresh_only_reports_drift_of_an_address_left_only_in_the_state(
    applied: tuple[Workdir, Cloud],
) -> None:
    # DESIGN.md: drift is "observed differs from prior". The keys account is still in the
    # state (its table was removed, the delete not yet applied) and is edited outside: the
    # scheduled drift check must report it, as it does for a deleted one.
    work, cloud = applied
    write_main(work, ROLE)
    cloud.set_tags(KEYS_ID, ["drifted:outside"])
    result = work.run("plan", "infra", "--refresh-only")
    assert result.code == 2, result.show()
    assert "datadog_aws_account.keys" in result.out


def test_refresh_only_tells_pending_from_drift_from_clean(applied: tuple[Workdir, Cloud]) -> None:
    # The scheduled job: 0 clean, 3 configuration merged but not applied, 2 changed outside.
    work, cloud = applied
    assert work.run("plan", "infra", "--refresh-only").code == 0

    write_main(work, ROLE.replace('"env:test"', '"env:test", "team:merged"'), KEYS)
    pending = work.run("plan", "infra", "--refresh-only")
    assert pending.code == 3, pending.show()
    assert "Pending: 1 change in the configuration not applied yet" in pending.out
    assert "datadog_aws_account.role" in pending.out
    as_json = work.run("plan", "infra", "--refresh-only", "--format", "json")
    assert as_json.code == 3
    assert json.loads(as_json.out)["refresh_only"] is True

    cloud.set_tags(KEYS_ID, ["drifted:outside"])
    assert work.run("plan", "infra", "--refresh-only").code == 2  # drift wins over pending


def test_a_bad_format_is_refused_before_anything_is_written(work: Workdir) -> None:
    write_main(work, ROLE)
    result = work.run("plan", "infra", "--format", "bogus", "--out", "p.json")
    assert result.code == 1, result.show()
    assert not (work.path / "p.json").exists()

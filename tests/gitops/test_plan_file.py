"""The saved plan file and its views: no secret inside, mode 0600, the Terraform-style JSON
layout, and the markdown a pull request comment is made of, ending with the file's digest."""

from __future__ import annotations

import hashlib
import json
import stat
from typing import Any

import pytest

from tests.gitops.conftest import (
    ROLE,
    ROLE_ID,
    SECRET_ENV,
    SECRET_VALUE,
    Cloud,
    Workdir,
    plan_json,
    write_main,
)

ROTATED = "rotated-gitops-secret-Zr4kW8"

# From the applied ROLE + KEYS: the role account switches to key auth (a replacement, and a
# secret in its planned values), the keys account is removed (a delete).
SWITCHED = """
[datadog_aws_account.role]
aws_account_id = "111111111111"
account_tags = ["env:test"]
auth_config = { access_key_id = "AKIAGITOPS0000000002", secret_access_key = "${env:GITOPS_SECRET}" }
"""


@pytest.fixture
def reviewed(applied: tuple[Workdir, Cloud]) -> tuple[Workdir, Cloud]:
    """A replacement, a delete, drift on the replaced account, and one unmanaged account."""
    work, cloud = applied
    write_main(work, SWITCHED)
    cloud.set_tags(ROLE_ID, ["drifted:outside"])
    cloud.create_account("333333333333", role_name="Unmanaged")
    return work, cloud


def test_plan_file_holds_no_secret_and_is_private(reviewed: tuple[Workdir, Cloud]) -> None:
    work, _ = reviewed
    result = work.ok("plan", "infra", "--out", "plan.json", env={SECRET_ENV: ROTATED})
    data = (work.path / "plan.json").read_bytes()
    for secret in (SECRET_VALUE, ROTATED):
        assert secret.encode() not in data
        assert secret not in result.text
    assert stat.S_IMODE((work.path / "plan.json").stat().st_mode) == 0o600
    # The secret is only there as a reference to where apply reads it from.
    assert json.loads(data)["secrets"] == {
        "datadog_aws_account.role": {"auth_config.secret_access_key": "${env:GITOPS_SECRET}"}
    }


def _by_address(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["address"]: e for e in entries}


def test_show_json_has_the_terraform_layout(reviewed: tuple[Workdir, Cloud]) -> None:
    work, _ = reviewed
    work.ok("plan", "infra", "--out", "plan.json")
    doc = plan_json(work)
    assert SECRET_VALUE not in json.dumps(doc)

    assert doc["format_version"] == "1.0"
    changes = _by_address(doc["resource_changes"])
    assert set(changes) == {"datadog_aws_account.keys", "datadog_aws_account.role"}
    for address, entry in changes.items():
        assert entry["type"] == "datadog_aws_account"
        assert entry["name"] == address.split(".", 1)[1]
        for key in (
            "actions",
            "before",
            "after",
            "before_sensitive",
            "after_sensitive",
            "replace_paths",
        ):
            assert key in entry["change"], f"{address}: change.{key} missing"
        assert "action_reason" in entry, f"{address}: action_reason missing"

    role, keys = changes["datadog_aws_account.role"], changes["datadog_aws_account.keys"]
    assert role["change"]["actions"] == ["delete", "create"]
    assert role["action_reason"] == "replace_because_cannot_update"
    assert ["auth_config"] in role["change"]["replace_paths"]
    # The secret is masked where Terraform puts the mark, and its value is null.
    assert role["change"]["after_sensitive"]["auth_config"]["secret_access_key"] is True
    assert role["change"]["after"]["auth_config"]["secret_access_key"] is None
    assert keys["change"]["actions"] == ["delete"]
    assert keys["action_reason"] == "delete_because_no_resource_config"
    assert keys["change"]["after"] is None
    assert keys["change"]["before_sensitive"]["auth_config"]["secret_access_key"] is True

    drift = _by_address(doc["resource_drift"])
    assert list(drift) == ["datadog_aws_account.role"]
    drifted = drift["datadog_aws_account.role"]["change"]
    assert drifted["before"]["account_tags"] == ["env:test"]
    assert drifted["after"]["account_tags"] == ["drifted:outside"]
    assert [u["natural_key"] for u in doc["unmanaged"]] == ["333333333333"]
    assert set(doc["fingerprints"]) == set(changes)
    assert all(fp for fp in doc["fingerprints"].values())


def test_markdown_summary_warning_and_digest(reviewed: tuple[Workdir, Cloud]) -> None:
    work, _ = reviewed
    result = work.ok("plan", "infra", "--out", "plan.json", "--format", "markdown")
    lines = result.out.splitlines()
    assert lines[0] == "Plan: 0 to import, 1 to add, 0 to change, 2 to destroy."

    warning = result.out[result.out.index("> [!WARNING]") :].split("\n\n", 1)[0]
    assert "This plan destroys or replaces 2 resources" in warning
    assert "> - <code>datadog_aws_account.keys</code> will be destroyed" in warning
    assert "> - <code>datadog_aws_account.role</code> must be replaced" in warning
    # The warning comes before any per-resource detail.
    assert result.out.index("> [!WARNING]") < result.out.index("<details>")

    last = [line for line in lines if line.strip()][-1]
    digest = "sha256:" + hashlib.sha256((work.path / "plan.json").read_bytes()).hexdigest()
    assert last == f"Plan file digest: {digest}"

    shown = work.ok("show", "plan.json", "--format", "markdown")
    assert shown.out == result.out


def test_a_damaged_plan_file_is_refused(work: Workdir) -> None:
    write_main(work, ROLE)
    (work.path / "cut.json").write_text('{"format": "reconciler-plan", "version": 1, "pl')
    for command in ("show", "apply"):
        result = work.run(command, "cut.json")
        assert result.code == 1, result.show()
        assert "not a plan file: invalid JSON" in result.err, result.show()
    not_plan = work.run("show", "infra/main.toml")
    assert not_plan.code == 1
    assert "not a plan file" in not_plan.err
    assert not work.state_file.exists()

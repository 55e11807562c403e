"""A saved plan is checked, not trusted: every edit of a plan file is refused at apply, before
anything is changed. A file that is not a plan is never read as something else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.gitops.conftest import ROLE_ID, Cloud, Workdir, refused_apply

Edit = Callable[[dict[str, Any]], None]


def _role(doc: dict[str, Any]) -> dict[str, Any]:
    (change,) = [c for c in doc["plan"]["changes"] if c["address"] == "datadog_aws_account.role"]
    assert isinstance(change, dict)
    return change


def _to_delete(doc: dict[str, Any]) -> None:
    change = _role(doc)
    change["action"], change["after"], change["changes"] = "delete", None, []


def _clear_protection(doc: dict[str, Any]) -> None:
    _role(doc)["prevent_destroy"] = True  # the configuration says false: any edit differs


def _edit_after(doc: dict[str, Any]) -> None:
    _role(doc)["after"]["account_tags"] = ["edited:after-review"]


def _extra_address(doc: dict[str, Any]) -> None:
    # After the genuine change in address order: nothing may be applied before the refusal.
    extra = json.loads(json.dumps(_role(doc)))
    extra["address"], extra["name"] = "datadog_aws_account.zz_added", "zz_added"
    doc["plan"]["changes"].append(extra)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_to_delete, "would now be update, not delete as reviewed"),
        (_clear_protection, "lifecycle.prevent_destroy"),
        (_edit_after, "account_tags"),
        (_extra_address, "datadog_aws_account.zz_added"),
    ],
)
def test_an_edited_plan_is_refused_with_nothing_applied(
    applied: tuple[Workdir, Cloud], edit: Edit, reason: str
) -> None:
    work, cloud = applied
    cloud.set_tags(ROLE_ID, ["changed:outside"])
    work.ok("plan", "infra", "--out", "plan.json")
    planfile = work.path / "plan.json"
    doc = json.loads(planfile.read_text())
    edit(doc)
    planfile.write_text(json.dumps(doc))

    result = refused_apply(work, cloud, "plan.json", "--auto-approve")
    assert "saved plan is stale" in result.err
    assert reason in result.err
    assert cloud.tags(ROLE_ID) == ["changed:outside"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a plan file: the file is empty"),
        (b'[datadog_aws_account.x]\naws_account_id = "1"\n', "not a plan file: invalid JSON"),
        (b'{"format": "something-else"}', 'not a plan file: no "format": "reconciler-plan"'),
        (b"[" * 100_000, "not a plan file"),
        (b'{"format": "reconciler-plan", "version": 1' + b"9" * 5000 + b"}", "not a plan file"),
    ],
)
def test_a_file_that_is_not_a_plan_is_never_read_as_a_configuration(
    applied: tuple[Workdir, Cloud], content: bytes, reason: str
) -> None:
    # An empty plan.json was once read as an empty configuration and destroyed everything.
    work, cloud = applied
    (work.path / "plan.json").write_bytes(content)
    result = refused_apply(work, cloud, "plan.json", "--auto-approve")
    assert reason in result.err
    assert "plan.json" in result.err

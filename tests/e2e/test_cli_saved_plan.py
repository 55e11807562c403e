"""Saved plans (the GitOps steps): the markdown comment carries the plan file's digest; the
plan applies as reviewed, and is refused, with the reason, when the live object, the state or
a secret changed since."""

from __future__ import annotations

import hashlib
from typing import Any

from pytest import MonkeyPatch

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace, assert_one_error, dd_account, dd_update, describe

ACCOUNT = "135791357913"


def toml(tags: str) -> str:
    return f"""
[datadog_aws_account.gitops]
aws_account_id = "{ACCOUNT}"
account_tags = [{tags}]

[datadog_aws_account.gitops.auth_config]
access_key_id = "AKIAE2EGITOPS0001"
secret_access_key = "${{env:GITOPS_SECRET}}"
"""


SECRET = {"GITOPS_SECRET": "gitops-secret-Lm4Qs9"}


def reviewed_plan(ws: Workspace) -> bytes:
    ws.write(toml('"env:prod"'))
    applied = ws.apply(env=SECRET)
    assert applied.returncode == 0, describe(applied)
    ws.write(toml('"env:prod", "team:gitops"'))
    planned = ws.plan("--out", "plan.json", env=SECRET)
    assert planned.returncode == 0, describe(planned)
    assert "Saved the plan to plan.json" in planned.stdout
    return ws.state_path.read_bytes()


def live_tags(cloud: Sandbox) -> list[str]:
    return sorted(dd_account(cloud.url, ACCOUNT)["attributes"]["account_tags"])


def test_changed_secret_or_live_object_since_the_plan_is_refused(
    ws: Workspace, cloud: Sandbox
) -> None:
    state = reviewed_plan(ws)

    refused = ws.cli("apply", "plan.json", env={"GITOPS_SECRET": "a-different-value-Hh2"})
    line = assert_one_error(
        refused, "stale", "datadog_aws_account.gitops", "auth_config.secret_access_key"
    )
    assert "a-different-value-Hh2" not in refused.stdout + refused.stderr, line

    live = dd_account(cloud.url, ACCOUNT)
    dd_update(cloud.url, live["id"], ACCOUNT, account_tags=["env:prod", "edited:live"])
    refused = ws.cli("apply", "plan.json", env=SECRET)
    assert_one_error(refused, "stale", "datadog_aws_account.gitops")

    assert live_tags(cloud) == ["edited:live", "env:prod"]
    assert ws.state_path.read_bytes() == state


def test_state_moved_on_since_the_plan_is_refused(ws: Workspace, cloud: Sandbox) -> None:
    reviewed_plan(ws)
    # Another run applies something else first: the state's serial moves on.
    ws.write(toml('"env:prod", "other:change"'))
    other = ws.apply(env=SECRET)
    assert other.returncode == 0, describe(other)

    # The configuration is back to what was planned; only the state differs.
    ws.write(toml('"env:prod", "team:gitops"'))
    refused = ws.cli("apply", "plan.json", env=SECRET)
    assert_one_error(refused, "stale", "datadog_aws_account.gitops", "state entry changed")
    assert live_tags(cloud) == ["env:prod", "other:change"]


def test_markdown_digest_matches_the_plan_file_and_show(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(toml('"env:prod"'))
    planned = ws.plan(
        "--out", "plan.json", "--format", "markdown", "--detailed-exitcode", env=SECRET
    )
    assert planned.returncode == 2, describe(planned)
    digest = "sha256:" + hashlib.sha256((ws.root / "plan.json").read_bytes()).hexdigest()
    lines = [ln for ln in planned.stdout.splitlines() if ln.startswith("Plan file digest: ")]
    assert lines == [f"Plan file digest: {digest}"]
    shown = ws.cli("show", "plan.json", "--format", "markdown")
    assert shown.returncode == 0, describe(shown)
    assert f"Plan file digest: {digest}" in shown.stdout.splitlines()

    # The first plan of a new state: applying it creates the state it was planned against.
    applied = ws.cli("apply", "plan.json", env=SECRET)
    assert applied.returncode == 0, describe(applied)
    assert live_tags(cloud) == ["env:prod"]
    assert ws.plan("--detailed-exitcode", env=SECRET).returncode == 0


def test_only_a_plan_that_is_kept_carries_digests(ws: Workspace, monkeypatch: MonkeyPatch) -> None:
    """The digests a saved plan rests on (the state entry's, the live object's fingerprint)
    are worked out for ``--out`` and the JSON view (which lists the fingerprints), not for a
    plan that is only shown, nor for a plain apply's."""
    import json

    from reconciler import diff, planner
    from reconciler.state_digest import entry_digest

    digested: list[str] = []
    fingerprint = diff.fingerprint

    def counted_entry(prior: Any) -> str | None:
        digested.append("entry")
        return entry_digest(prior)

    def counted_fingerprint(*args: Any) -> str:
        digested.append("live")
        return fingerprint(*args)

    monkeypatch.setattr(planner, "entry_digest", counted_entry)
    monkeypatch.setattr(diff, "fingerprint", counted_fingerprint)
    ws.write(toml('"env:prod"'))
    assert ws.apply(env=SECRET).returncode == 0  # a plain apply: shown, then carried out
    assert digested == []
    for fmt in ("human", "markdown"):
        shown = ws.plan("--format", fmt, env=SECRET)
        assert shown.returncode == 0 and digested == [], describe(shown)
    as_json = ws.plan("--format", "json", env=SECRET)
    assert as_json.returncode == 0 and sorted(digested) == ["entry", "live"], describe(as_json)
    fingerprints = json.loads(as_json.stdout)["fingerprints"]
    assert list(fingerprints) == ["datadog_aws_account.gitops"]
    assert ws.plan("--out", "plan.json", env=SECRET).returncode == 0
    assert sorted(digested) == ["entry", "entry", "live", "live"]

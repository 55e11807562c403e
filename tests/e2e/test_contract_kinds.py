"""The contract every kind passes, through the CLI against a sandbox that reorders lists:
plan, apply, plan empty, change a field, plan shows it, apply, plan empty, remove, gone."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.registry import KINDS
from reconciler.sandbox import Sandbox
from tests.e2e.conftest import (
    Workspace,
    dd_accounts,
    describe,
    logs_client,
    summary_line,
)
from tests.e2e.file_kind import CLOUD_ENV, FileNote

DD_ACCOUNT = "111122223333"
DD_TAGS = ["env:e2e", "team:platform", "cost:shared", "owner:ops"]
DD_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
LOGS_NAME = "e2e-contract"
LOGS_REGION = "eu-west-1"


def datadog_toml(tags: list[str]) -> str:
    quoted = ", ".join(f'"{t}"' for t in tags)
    regions = ", ".join(f'"{r}"' for r in DD_REGIONS)
    return f"""
[datadog_aws_account.contract]
aws_account_id = "{DD_ACCOUNT}"
account_tags = [{quoted}]
auth_config = {{ role_name = "DatadogIntegrationRole" }}
aws_regions = {{ include_only = [{regions}] }}

[datadog_aws_account.contract.metrics_config]
namespace_filters = {{ include_only = ["AWS/Lambda", "AWS/EC2", "AWS/RDS", "AWS/ELB"] }}

[datadog_aws_account.contract.logs_config.lambda_forwarder]
sources = ["s3", "elb", "cloudfront"]
"""


def logs_toml(retention_days: int) -> str:
    return f"""
[aws_logs_integration.contract]
integration_name = "{LOGS_NAME}"
region = "{LOGS_REGION}"
force_delete = true

[aws_logs_integration.contract.opensearch]
data_source_role_arn = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
dashboard_viewer_principals = [
    "arn:aws:iam::123456789012:role/OnCall",
    "arn:aws:iam::123456789012:role/Analysts",
]
retention_days = {retention_days}
"""


def datadog_live(cloud: Sandbox) -> list[str]:
    return [a["attributes"]["aws_account_id"] for a in dd_accounts(cloud.url)]


def logs_live(cloud: Sandbox) -> list[str]:
    listed = logs_client(cloud.url, LOGS_REGION).list_integrations()
    return [i["integrationName"] for i in listed["integrationSummaries"]]


@dataclass(frozen=True)
class Case:
    address: str
    first: str
    changed: str
    change_heading: str  # the human plan's heading for the change
    change_marks: tuple[str, ...]  # more text the change's plan must show
    change_summary: str
    live: Callable[[Sandbox], list[str]]
    live_key: str


CASES = [
    Case(
        address="datadog_aws_account.contract",
        first=datadog_toml(DD_TAGS),
        changed=datadog_toml([*DD_TAGS, "tier:gold"]),
        change_heading="datadog_aws_account.contract will be updated in-place",
        change_marks=("account_tags", "tier:gold"),
        change_summary="Plan: 0 to import, 0 to add, 1 to change, 0 to destroy.",
        live=datadog_live,
        live_key=DD_ACCOUNT,
    ),
    Case(
        address="aws_logs_integration.contract",
        first=logs_toml(7),
        changed=logs_toml(14),
        change_heading="aws_logs_integration.contract must be replaced",
        change_marks=("opensearch.retention_days: 7 -> 14", "# forces replacement"),
        change_summary="Plan: 0 to import, 1 to add, 0 to change, 1 to destroy.",
        live=logs_live,
        live_key=LOGS_NAME,
    ),
]


def assert_no_changes(ws: Workspace) -> None:
    result = ws.plan("--detailed-exitcode")
    assert result.returncode == 0, describe(result)
    assert "No changes" in result.stdout


def note_toml(labels: list[str]) -> str:
    quoted = ", ".join(f'"{label}"' for label in labels)
    return f'\n[file_note.contract]\ntitle = "contract"\nlabels = [{quoted}]\n'


def notes_live(cloud: Sandbox) -> list[str]:
    path = FileNote.path()
    notes = json.loads(path.read_text()) if path.exists() else {}
    return [note["title"] for note in notes.values()]


# A kind registered at runtime (tests/e2e/file_kind.py), run through the same contract.
NEW_KIND = Case(
    address="file_note.contract",
    first=note_toml(["b", "a", "c"]),
    changed=note_toml(["b", "a", "c", "d"]),
    change_heading="file_note.contract will be updated in-place",
    change_marks=("labels",),
    change_summary="Plan: 0 to import, 0 to add, 1 to change, 0 to destroy.",
    live=notes_live,
    live_key="contract",
)


def test_every_registered_kind_has_a_contract_case() -> None:
    # A new kind without a case here fails loudly instead of being skipped.
    assert {c.address.split(".")[0] for c in CASES} == set(KINDS)


@pytest.fixture
def new_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(KINDS, FileNote.name, FileNote)
    monkeypatch.setenv(CLOUD_ENV, str(tmp_path / "notes.json"))
    yield


@pytest.mark.parametrize(
    "case",
    [*CASES, NEW_KIND],
    ids=[*(c.address.split(".")[0] for c in CASES), "registered_at_runtime"],
)
def test_kind_lifecycle_settles(
    case: Case, ws: Workspace, cloud: Sandbox, request: pytest.FixtureRequest
) -> None:
    if case is NEW_KIND:
        request.getfixturevalue("new_kind")
    ws.write(case.first)

    planned = ws.plan("--detailed-exitcode")
    assert planned.returncode == 2, describe(planned)
    assert f"{case.address} will be created" in planned.stdout
    assert summary_line(planned.stdout) == "Plan: 0 to import, 1 to add, 0 to change, 0 to destroy."

    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    assert "Apply complete: 1 succeeded, 0 failed, 0 skipped." in applied.stdout
    assert case.live(cloud) == [case.live_key]
    assert_no_changes(ws)

    ws.write(case.changed)
    changed = ws.plan("--detailed-exitcode")
    assert changed.returncode == 2, describe(changed)
    assert case.change_heading in changed.stdout
    for mark in case.change_marks:
        assert mark in changed.stdout, describe(changed)
    assert summary_line(changed.stdout) == case.change_summary

    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    assert "0 failed" in applied.stdout
    assert case.live(cloud) == [case.live_key]
    assert_no_changes(ws)

    ws.write("# nothing declared any more\n")
    removed = ws.apply()
    assert removed.returncode == 0, describe(removed)
    assert f"{case.address} will be destroyed" in removed.stdout
    assert case.live(cloud) == []
    assert ws.read_state()["resources"] == {}
    assert_no_changes(ws)


def test_sandbox_really_reorders_what_the_kind_sent(ws: Workspace, cloud: Sandbox) -> None:
    # The contract above is only meaningful if the lists come back in another order.
    ws.write(datadog_toml(DD_TAGS))
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    (account,) = dd_accounts(cloud.url)
    attrs = account["attributes"]
    assert sorted(attrs["account_tags"]) == sorted(DD_TAGS)
    assert attrs["account_tags"] != DD_TAGS
    assert attrs["aws_regions"]["include_only"] != DD_REGIONS

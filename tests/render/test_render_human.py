from __future__ import annotations

import io
import re
from typing import Any

from pytest import MonkeyPatch
from rich.console import Console

from reconciler.model import Action, DriftChange, FieldChange, Plan, Unmanaged
from reconciler.render.human import render_human
from reconciler.render.lines import NO_CHANGES, NO_DRIFT
from tests.render.plans import DIGESTS, change

ANSI = re.compile(r"\x1b\[")


def _render(plan: Plan, *, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=100,
        force_terminal=True,
        no_color=not color,
        color_system="standard" if color else None,
    )
    render_human(plan, console)
    return out.getvalue()


def test_no_color_is_plain_text_with_summary(plan: Plan) -> None:
    text = _render(plan)
    assert not ANSI.search(text)
    assert text.rstrip().endswith("Plan: 1 to import, 2 to add, 2 to change, 2 to destroy.")


def test_colour_when_asked(plan: Plan) -> None:
    text = _render(plan, color=True)
    assert "\x1b[32m" in text  # green for the create symbol
    assert "\x1b[31m" in text  # red for delete


def test_headers_symbols_and_marks(plan: Plan) -> None:
    text = _render(plan)
    for expected in (
        "# aws_logs_integration.vended must be replaced",
        "# (because replace_because_cannot_update: no update API)",
        "-/+ aws_logs_integration.vended {",
        "~ opensearch.retention_days: 30 -> 14 # forces replacement",
        "# datadog_aws_account.adopted will be imported",
        '# (imported from "uuid-adopted")',
        "# datadog_aws_account.legacy will be updated in-place",
        "~ auth_config.secret_access_key: (sensitive) -> (sensitive)",
        "# datadog_aws_account.new will be created",
        "+ auth_config.secret_access_key: (sensitive)",
        '+ aws_account_id: "111111111111"',
        "# datadog_aws_account.old will be destroyed",
        '- aws_account_id: "222222222222"',
        "lifecycle.prevent_destroy is set on datadog_aws_account.old",
        '~ account_tags: ["env:prod"] -> ["env:prod", "team:[red]"]',
    ):
        assert expected in text, expected
    assert "steady" not in text  # no-op resources are not listed


def test_long_lists_one_item_per_line(plan: Plan) -> None:
    lines = _render(plan).splitlines()
    start = next(i for i, line in enumerate(lines) if "~ namespaces: [" in line)
    block = [line.strip() for line in lines[start + 1 : start + 8]]
    assert block[:7] == [
        '"AWS/Service0",',
        '"AWS/Service1",',
        '"AWS/Service2",',
        '"AWS/Service3",',
        '+ "AWS/Service4",',
        '+ "AWS/Service5",',
        "]",
    ]


def test_drift_and_unmanaged_sections_apart_from_changes(plan: Plan) -> None:
    text = _render(plan)
    drift_at = text.index("Objects changed outside reconciler")
    unmanaged_at = text.index("Unmanaged objects")
    actions_at = text.index("reconciler will perform the following actions")
    assert drift_at < actions_at and unmanaged_at < actions_at
    assert '~ aws_partition: "aws" -> "aws-cn"' in text[drift_at:unmanaged_at]
    assert "# datadog_aws_account.vanished has been deleted" in text[drift_at:unmanaged_at]
    assert "datadog_aws_account 555555555555 (id uuid-stray)" in text[unmanaged_at:actions_at]


def test_no_secret_or_digest_in_output(plan: Plan) -> None:
    for color in (False, True):
        text = _render(plan, color=color)
        assert "hmac-sha256" not in text
        for digest in DIGESTS:
            assert digest.split(":")[1] not in text


def test_markup_in_values_is_printed_literally() -> None:
    tricky = Plan(
        changes=[
            change(
                "datadog_aws_account.t",
                Action.UPDATE,
                "1",
                before={"tags": ["[/]"]},
                after={"tags": ["[bold]x[/bold]", "[/red]"]},
                changes=[
                    FieldChange(path="tags", before=["[/]"], after=["[bold]x[/bold]", "[/red]"])
                ],
            )
        ]
    )
    text = _render(tricky, color=True)
    assert '["[/]"] -> ["[bold]x[/bold]", "[/red]"]' in text


def test_control_characters_cannot_reach_the_terminal() -> None:
    evil = Plan(
        changes=[
            change(
                "datadog_aws_account.e",
                Action.CREATE,
                "1",
                after={"note": "a\x1b[2Jb", "k\x1bey": 1},
            )
        ]
    )
    text = _render(evil)
    assert "\x1b" not in text
    assert '+ note: "a\\u001b[2Jb"' in text


def test_bidi_overrides_are_written_out_in_every_plan_view() -> None:
    # U+202E makes a reviewer read text reversed ("Trojan Source"): never printed as is.
    from reconciler.render.markdown import render_markdown

    tricky = Plan(
        changes=[
            change(
                "datadog_aws_account.b",
                Action.CREATE,
                "1",
                after={"tags": ["team:\u202eevil", "line\u2028break"]},
            )
        ]
    )
    for text in (_render(tricky), render_markdown(tricky, plan_digest="0" * 64)):
        assert "\u202e" not in text and "\u2028" not in text
        assert "team:\\u202eevil" in text


def test_no_changes_message() -> None:
    steady = Plan(
        changes=[
            change(
                "datadog_aws_account.s",
                Action.NOOP,
                "1",
                before={"a": 1},
                after={"a": 1},
            )
        ]
    )
    text = _render(steady)
    assert NO_CHANGES in text
    assert "Plan:" not in text


def test_refresh_only_shows_only_drift(plan: Plan) -> None:
    text = _render(plan.model_copy(update={"refresh_only": True}))
    assert "Objects changed outside reconciler" in text
    assert "will be updated in-place" not in text
    assert "Plan:" not in text
    quiet = _render(Plan(refresh_only=True, drift=[]))
    assert NO_DRIFT in quiet


def test_gone_drift_of_unknown_address() -> None:
    plan = Plan(
        drift=[
            DriftChange(
                address="aws_logs_integration.x", kind="aws_logs_integration", name="x", gone=True
            )
        ]
    )
    text = _render(plan)
    assert "# aws_logs_integration.x has been deleted" in text
    assert NO_CHANGES in text


def test_null_fields_of_a_created_object_are_left_out() -> None:
    plan = Plan(
        changes=[
            change(
                "aws_logs_integration.n",
                Action.CREATE,
                "eu-west-1/n",
                after={"integration_name": "n", "opensearch": {"kms_key_arn": None}},
            )
        ]
    )
    text = _render(plan)
    assert '+ integration_name: "n"' in text
    assert "kms_key_arn" not in text


def _among_settled(settled: int) -> Plan:
    """One update and one settings-only record among ``settled`` no-op changes."""
    noops = [
        change(f"datadog_aws_account.n{i:05d}", Action.NOOP, f"1000000{i:05d}")
        for i in range(settled)
    ]
    update = change(
        "datadog_aws_account.edited",
        Action.UPDATE,
        "222222222222",
        before={"account_tags": ["a"]},
        after={"account_tags": ["a", "b"]},
        changes=[FieldChange(path="account_tags", before=["a"], after=["a", "b"])],
    )
    recorded = change(
        "datadog_aws_account.kept",
        Action.NOOP,
        "333333333333",
        settings_changed=["lifecycle.prevent_destroy"],
    )
    return Plan(changes=sorted([*noops, update, recorded], key=lambda c: c.address))


def test_a_change_among_settled_ones_is_drawn_alone(monkeypatch: MonkeyPatch) -> None:
    """The human and markdown views show what a plan does: the entries of settled resources
    (no-ops) are never built for them, however many there are; the JSON view has them all."""
    from reconciler.render import json_plan
    from reconciler.render.markdown import render_markdown

    built: list[str] = []
    entry = json_plan._resource_change

    def counted(c: Any, patterns: Any) -> dict[str, Any]:
        built.append(c.address)
        return entry(c, patterns)

    monkeypatch.setattr(json_plan, "_resource_change", counted)
    plan = _among_settled(200)
    text = _render(plan)
    assert built == ["datadog_aws_account.edited", "datadog_aws_account.kept"]
    assert "datadog_aws_account.edited will be updated" in text
    assert "datadog_aws_account.kept: apply will record lifecycle.prevent_destroy" in text
    assert "n00001" not in text
    built.clear()
    markdown = render_markdown(plan, plan_digest=None)
    assert built == ["datadog_aws_account.edited", "datadog_aws_account.kept"]
    assert "datadog_aws_account.edited" in markdown and "n00001" not in markdown
    built.clear()
    view = json_plan.plan_to_json(plan)
    assert len(view["resource_changes"]) == 202 and len(built) == 202


def test_thousands_of_unmanaged_objects_are_counted_past_the_first(plan: Plan) -> None:
    from reconciler.render.human import UNMANAGED_SHOWN

    strays = [
        Unmanaged(
            kind="datadog_aws_account",
            natural_key=f"9{i:011d}",
            remote_id=f"id-{i}",
            values={"aws_account_id": f"9{i:011d}"},
        )
        for i in range(UNMANAGED_SHOWN + 7)
    ]
    text = _render(plan.model_copy(update={"unmanaged": strays}))
    listed = [line for line in text.splitlines() if line.startswith("  - datadog_aws_account 9")]
    assert len(listed) == UNMANAGED_SHOWN
    assert "  - ... and 7 more (--format json lists every one)" in text

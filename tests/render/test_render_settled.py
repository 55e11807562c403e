"""A plan with nothing to show is one line, drawn without building the full view."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.model import Action, Plan, ResourceChange
from reconciler.render.human import human_lines, render_human
from reconciler.render.lines import NO_CHANGES, NO_DRIFT


def _render(plan: Plan) -> str:
    out = io.StringIO()
    render_human(plan, Console(file=out, no_color=True, width=120))
    return out.getvalue()


def _noop(name: str, moved_from: str | None = None) -> ResourceChange:
    return ResourceChange(
        address=f"datadog_aws_account.{name}",
        kind="datadog_aws_account",
        name=name,
        action=Action.NOOP,
        natural_key=name,
        before={"a": 1},
        after={"a": 1},
        moved_from=moved_from,
    )


def test_a_settled_plan_is_one_line_however_large() -> None:
    settled = Plan(changes=[_noop(f"n{i}") for i in range(50)])
    assert [t.plain for t in human_lines(settled)] == [NO_CHANGES]
    assert _render(settled) == NO_CHANGES + "\n"
    quiet = Plan(refresh_only=True, changes=[_noop("a")])
    assert [t.plain for t in human_lines(quiet)] == [NO_DRIFT]


def test_no_op_changes_with_something_to_say_take_the_full_view() -> None:
    moved = Plan(changes=[_noop("a", moved_from="datadog_aws_account.old")])
    assert "moved from datadog_aws_account.old" in _render(moved)
    noted = Plan(changes=[_noop("a")], notes=["datadog_aws_account.a: a note"])
    assert "a note" in _render(noted)


def test_markdown_does_not_call_a_move_or_a_settings_change_no_changes() -> None:
    # The pull-request comment must agree with `plan`: a rename or a setting to record is a
    # change the merge will apply.
    from reconciler.render.markdown import render_markdown

    moved = Plan(changes=[_noop("a", moved_from="datadog_aws_account.old")])
    assert moved.has_changes()
    text = render_markdown(moved, plan_digest="0" * 64)
    assert NO_CHANGES not in text
    assert "datadog_aws_account.old" in text
    settings = Plan(changes=[_noop("b").model_copy(update={"settings_changed": ["options.x"]})])
    assert settings.has_changes()
    assert NO_CHANGES not in render_markdown(settings, plan_digest="0" * 64)
    assert NO_CHANGES in render_markdown(Plan(changes=[_noop("c")]), plan_digest="0" * 64)

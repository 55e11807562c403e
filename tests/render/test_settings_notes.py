"""Settings only reconciler keeps (force_delete, prevent_destroy) show in every view."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.model import Action, Plan
from reconciler.render import plan_to_json, render_human, render_markdown
from tests.render.plans import change

NOTE = (
    "aws_logs_integration.vended: apply will record options.force_delete in the state (no API call)"
)


def _plan() -> Plan:
    return Plan(
        lineage="l",
        serial=3,
        changes=[
            change(
                "aws_logs_integration.vended",
                Action.NOOP,
                "eu-west-1/vended-logs",
                remote_id="vended-logs",
                settings_changed=["options.force_delete"],
            )
        ],
    )


def test_every_view_names_the_settings_apply_will_record() -> None:
    plan = _plan()
    assert plan.has_changes()
    view = plan_to_json(plan)
    assert view["resource_changes"][0]["settings_changed"] == ["options.force_delete"]
    console = Console(file=io.StringIO(), no_color=True, width=200)
    render_human(plan, console)
    out = console.file
    assert isinstance(out, io.StringIO)
    assert NOTE in out.getvalue()
    assert NOTE in render_markdown(plan, plan_digest=None)


def test_refresh_only_plans_do_not_mention_settings() -> None:
    plan = _plan().model_copy(update={"refresh_only": True})
    assert NOTE not in render_markdown(plan, plan_digest=None)

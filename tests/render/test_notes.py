"""Notes (what a plan reports about live objects without acting on it) appear in every view:
human, JSON and the pull-request markdown reviewers read."""

from __future__ import annotations

import json

from rich.console import Console

from reconciler.model import Plan
from reconciler.render.human import render_human
from reconciler.render.json_plan import render_json
from reconciler.render.markdown import render_markdown

NOTE = "aws_logs_integration.v: collection status REBUILDING is not one this version knows"


def test_notes_are_in_every_view() -> None:
    plan = Plan(notes=[NOTE])
    markdown = render_markdown(plan, plan_digest="sha256:" + "0" * 64)
    assert "### Notes" in markdown and NOTE in markdown
    assert json.loads(render_json(plan))["notes"] == [NOTE]
    console = Console(record=True, width=200, no_color=True)
    render_human(plan, console)
    assert NOTE in console.export_text()

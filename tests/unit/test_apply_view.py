from __future__ import annotations

import io

from rich.console import Console

from reconciler.applier import Outcome, StepResult
from reconciler.apply_view import apply_view
from reconciler.model import Action, ResourceChange


def _change() -> ResourceChange:
    return ResourceChange(
        address="aws_logs_integration.vended",
        kind="aws_logs_integration",
        name="vended",
        action=Action.CREATE,
        natural_key="eu-west-1/vended-logs",
    )


def _drive(console: Console) -> str:
    with apply_view(console) as cb:
        cb.started(_change())
        cb.progress("aws_logs_integration.vended", "still PROVISIONING (20s)")
        cb.finished(StepResult("aws_logs_integration.vended", "create", Outcome.OK, "created"))
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def test_log_output_keeps_every_step() -> None:
    text = _drive(Console(file=io.StringIO(), force_terminal=False, soft_wrap=True))
    assert text.splitlines() == [
        "aws_logs_integration.vended: Creating...",
        "aws_logs_integration.vended: still PROVISIONING (20s)",
        "aws_logs_integration.vended: succeeded created",
    ]


def test_terminal_output_ends_with_the_result_and_no_leftover_spinner() -> None:
    text = _drive(Console(file=io.StringIO(), force_terminal=True, no_color=True, width=100))
    assert "aws_logs_integration.vended: succeeded created" in text
    final_screen = text.rsplit("\r", 1)[-1]
    assert "Creating" not in final_screen

"""The apply results in a CI log (no terminal, 80 columns or fewer): no address and no error
is ever cut or wrapped, so a failed step can be found by its address."""

from __future__ import annotations

import io
import re

from rich.console import Console

from reconciler.applier import ApplyReport, Outcome, StepResult
from reconciler.apply_view import apply_view, print_report
from reconciler.model import Action, ResourceChange

LONG = "aws_logs_integration.apse2_vended_logs_for_the_payments_platform_team"
ERROR = (
    "ValidationException: the role arn:aws:iam::123456789012:role/LogsToOpenSearch cannot be "
    "assumed by logs.amazonaws.com; check its trust policy (request id 0f3c2a9e-1b)"
)


def _report() -> ApplyReport:
    return ApplyReport(
        results=[
            StepResult(LONG, "replace", Outcome.FAILED, ERROR),
            StepResult("datadog_aws_account.prod", "update", Outcome.OK, "updated"),
        ]
    )


def _ci_console(width: int = 40) -> Console:
    # What a CI runner gives: no terminal, a narrow width, and no soft_wrap from the caller.
    return Console(file=io.StringIO(), force_terminal=False, width=width, no_color=True)


def _text(console: Console) -> str:
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def _row(text: str, address: str) -> list[str]:
    rows = [line for line in text.splitlines() if line.startswith("│") and address in line]
    assert len(rows) == 1, text
    return [cell.strip() for cell in rows[0].strip("│").split("│")]


def test_results_table_off_a_terminal_cuts_nothing() -> None:
    console = _ci_console()
    print_report(_report(), console)
    text = _text(console)
    assert "…" not in text
    assert _row(text, LONG) == [LONG, "replace", "failed", ERROR]
    assert _row(text, "datadog_aws_account.prod") == [
        "datadog_aws_account.prod",
        "update",
        "succeeded",
        "updated",
    ]
    assert "Apply complete: 1 succeeded, 1 failed, 0 skipped." in text


def test_results_table_on_a_terminal_still_fits_the_window() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=60, no_color=True)
    print_report(_report(), console)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", _text(console)).splitlines()
    assert LONG not in "\n".join(lines)  # folded or cut to fit, as rich does on a terminal
    assert max(len(line) for line in lines) <= 60


def test_progress_lines_off_a_terminal_are_never_wrapped() -> None:
    console = _ci_console(width=30)
    change = ResourceChange(
        address=LONG,
        kind="aws_logs_integration",
        name=LONG.split(".", 1)[1],
        action=Action.REPLACE,
        natural_key="ap-southeast-2/vended-logs",
    )
    with apply_view(console) as cb:
        cb.started(change)
        cb.finished(StepResult(LONG, "replace", Outcome.FAILED, ERROR))
    assert _text(console).splitlines() == [
        f"{LONG}: Replacing...",
        f"{LONG}: failed {ERROR}",
    ]


def test_plan_text_off_a_terminal_is_never_wrapped_or_cut() -> None:
    from reconciler.model import FieldChange, Plan
    from reconciler.render.human import render_human

    tags = ["team:payments", "env:prod-ap-southeast-2-payments-platform-vended-logs"]
    plan = Plan(
        changes=[
            ResourceChange(
                address=LONG,
                kind="aws_logs_integration",
                name=LONG.split(".", 1)[1],
                action=Action.UPDATE,
                natural_key="ap-southeast-2/vended-logs",
                remote_id="x",
                before={"tags": []},
                after={"tags": tags},
                changes=[FieldChange(path="tags", before=[], after=tags)],
            )
        ]
    )
    console = _ci_console(width=30)
    render_human(plan, console)
    lines = _text(console).splitlines()
    assert f"  # {LONG} will be updated in-place" in lines
    assert f'      ~ tags: [] -> ["{tags[0]}", "{tags[1]}"]' in lines
    assert "…" not in _text(console)

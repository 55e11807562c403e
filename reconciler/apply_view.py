"""How the CLI shows an apply in progress: a live spinner per address on a terminal, one line
per event elsewhere (CI logs keep every step)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.measure import Measurement
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from reconciler.applier import ApplyReport, Callbacks, Outcome, StepResult
from reconciler.console import error_line as shown  # redacted, escaped, bounded
from reconciler.model import Action, ResourceChange

STYLE = {"succeeded": "green", "failed": "red", "skipped": "yellow"}


def verb(change: ResourceChange) -> str:
    if change.action is Action.NOOP:
        if change.importing:
            return "Importing"
        return (
            "Moving" if change.moved_from and not change.settings_changed else "Recording settings"
        )
    return {
        Action.CREATE: "Creating",
        Action.UPDATE: "Updating",
        Action.REPLACE: "Replacing",
        Action.DELETE: "Destroying",
    }[change.action]


def _result_line(result: StepResult) -> str:
    style = STYLE[result.outcome.value]
    return f"{shown(result.address)}: [{style}]{result.outcome.value}[/] {shown(result.message)}"


# Wider than any table a report can make: the width a table is measured against off a TTY.
_UNBOUNDED = 1_000_000


def _table(report: ApplyReport, *, fold: bool) -> Table:
    table = Table(title="Apply results", show_lines=False)
    table.add_column("address", no_wrap=not fold)
    table.add_column("action", no_wrap=not fold)
    table.add_column("result", no_wrap=not fold)
    table.add_column("detail", overflow="fold", no_wrap=not fold)
    for r in report.results:
        outcome = r.outcome.value
        table.add_row(
            shown(r.address), r.action, f"[{STYLE[outcome]}]{outcome}[/]", shown(r.message)
        )
    return table


def _print_unbounded(table: Table, console: Console) -> None:
    """Print ``table`` at its natural width, however narrow the console: a CI log has no
    width, and rich would otherwise cut cells to fit 80 columns ("aws_logs_integration.apse…"),
    so a failed step could not be named. Each row is one line, never wrapped or cut."""
    width = Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
    width = max(width, min(console.width, _UNBOUNDED))
    options = console.options.update_width(width)
    for line in console.render_lines(table, options, pad=False, new_lines=False):
        row = Text()
        for segment in line:
            if not segment.control:
                row.append(segment.text, segment.style)
        row.rstrip()
        console.print(row, soft_wrap=True, highlight=False, overflow="ignore", crop=False)


def print_report(report: ApplyReport, console: Console) -> None:
    """The closing table: what succeeded, failed and was skipped. On a terminal it fits the
    window (long details fold); elsewhere it is printed at its full width, nothing cut."""
    if console.is_terminal:
        console.print(_table(report, fold=True))
    else:
        _print_unbounded(_table(report, fold=False), console)
    counts = {o.value: sum(1 for r in report.results if r.outcome is o) for o in Outcome}
    console.print(
        f"Apply complete: {counts['succeeded']} succeeded, {counts['failed']} failed, "
        f"{counts['skipped']} skipped.",
        soft_wrap=True,
    )


@contextmanager
def apply_view(console: Console) -> Iterator[Callbacks]:
    if not console.is_terminal:
        # One event a line, never wrapped at the console width (soft_wrap), whatever console
        # the caller made: a CI log line is searched for by address.
        def line(text: str) -> None:
            console.print(text, soft_wrap=True, highlight=False)

        yield Callbacks(
            started=lambda c: line(f"{shown(c.address)}: {verb(c)}..."),
            progress=lambda a, m: line(f"{shown(a)}: {shown(m)}"),
            finished=lambda r: line(_result_line(r)),
        )
        return

    tasks: dict[str, TaskID] = {}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:

        def started(change: ResourceChange) -> None:
            tasks[change.address] = progress.add_task(
                f"{shown(change.address)}: {verb(change)}...", total=None
            )

        def update(address: str, message: str) -> None:
            if address in tasks:
                progress.update(tasks[address], description=f"{shown(address)}: {shown(message)}")

        def finished(result: StepResult) -> None:
            if result.address in tasks:
                progress.remove_task(tasks.pop(result.address))
            progress.console.print(_result_line(result))

        yield Callbacks(started=started, progress=update, finished=finished)

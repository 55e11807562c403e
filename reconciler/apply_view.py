"""How the CLI shows an apply in progress: a live spinner per address on a terminal, one line
per event elsewhere (CI logs keep every step)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from reconciler.applier import ApplyReport, Callbacks, Outcome, StepResult
from reconciler.model import Action, ResourceChange

STYLE = {"succeeded": "green", "failed": "red", "skipped": "yellow"}


def verb(change: ResourceChange) -> str:
    if change.action is Action.NOOP:
        return "Importing" if change.importing else "Recording settings"
    return {
        Action.CREATE: "Creating",
        Action.UPDATE: "Updating",
        Action.REPLACE: "Replacing",
        Action.DELETE: "Destroying",
    }[change.action]


def _result_line(result: StepResult) -> str:
    style = STYLE[result.outcome.value]
    return f"{escape(result.address)}: [{style}]{result.outcome.value}[/] {escape(result.message)}"


def print_report(report: ApplyReport, console: Console) -> None:
    """The closing table: what succeeded, failed and was skipped."""
    table = Table(title="Apply results", show_lines=False)
    table.add_column("address")
    table.add_column("action")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for r in report.results:
        outcome = r.outcome.value
        table.add_row(
            escape(r.address), r.action, f"[{STYLE[outcome]}]{outcome}[/]", escape(r.message)
        )
    console.print(table)
    counts = {o.value: sum(1 for r in report.results if r.outcome is o) for o in Outcome}
    console.print(
        f"Apply complete: {counts['succeeded']} succeeded, {counts['failed']} failed, "
        f"{counts['skipped']} skipped."
    )


@contextmanager
def apply_view(console: Console) -> Iterator[Callbacks]:
    if not console.is_terminal:
        yield Callbacks(
            started=lambda c: console.print(f"{escape(c.address)}: {verb(c)}..."),
            progress=lambda a, m: console.print(f"{escape(a)}: {escape(m)}"),
            finished=lambda r: console.print(_result_line(r)),
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
                f"{escape(change.address)}: {verb(change)}...", total=None
            )

        def update(address: str, message: str) -> None:
            if address in tasks:
                progress.update(tasks[address], description=f"{escape(address)}: {escape(message)}")

        def finished(result: StepResult) -> None:
            if result.address in tasks:
                progress.remove_task(tasks.pop(result.address))
            progress.console.print(_result_line(result))

        yield Callbacks(started=started, progress=update, finished=finished)

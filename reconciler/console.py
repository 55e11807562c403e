"""Where the CLI prints: consoles, error lines and plan views.

Consoles never wrap a line (one error stays one line in a CI log, a plan line can be searched
for whole), never turn text into emoji ("main.toml:100:" stays itself) and never highlight.
Every line that echoes user or API text goes through ``error_line``: secrets removed, control
characters escaped, length bounded.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from reconciler.errors import ReconcilerError
    from reconciler.model import Plan


class Format(StrEnum):
    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"


def err_console() -> Console:
    return Console(
        stderr=True,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        no_color=bool(os.environ.get("NO_COLOR")),
    )


def out_console(no_color: bool = False) -> Console:
    return Console(
        no_color=no_color or bool(os.environ.get("NO_COLOR")),
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


def error_line(text: str) -> str:
    """One message line as printed: secrets removed, controls escaped, length bounded."""
    from reconciler.printable import line
    from reconciler.redact import redact

    return escape(line(redact(text)))


def print_error(err: ReconcilerError) -> None:
    """Every problem an error holds, one ``Error:`` line each, on stderr."""
    from reconciler.errors import ConfigErrors

    messages = [str(e) for e in err.errors] if isinstance(err, ConfigErrors) else [str(err)]
    console = err_console()
    for message in messages:
        console.print(f"[bold red]Error:[/] {error_line(message)}")


def note(text: str) -> None:
    """One line about something done on the user's behalf (a dead run's lock taken over)."""
    err_console().print(f"[bold yellow]Note:[/] {error_line(text)}")


def print_interrupted(signal_name: str) -> None:
    err_console().print(f"[bold red]Interrupted[/] ({signal_name}).")


def render_plan(plan: Plan, fmt: Format, console: Console, plan_digest: str | None = None) -> None:
    if fmt is Format.JSON:
        from reconciler.render.json_plan import render_json

        sys.stdout.write(render_json(plan) + "\n")
    elif fmt is Format.MARKDOWN:
        from reconciler.render.markdown import render_markdown

        sys.stdout.write(render_markdown(plan, plan_digest=plan_digest).rstrip("\n") + "\n")
    else:
        from reconciler.render.human import render_human

        render_human(plan, console)

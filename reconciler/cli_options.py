"""The options several commands share, as typer annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.console import Format

PathArg = Annotated[Path, typer.Argument(help="A TOML file or a directory of them.")]
AddressArg = Annotated[str, typer.Argument(help="kind.name")]
SandboxOpt = Annotated[
    bool,
    typer.Option(
        "--sandbox", help="Run against the embedded sandbox (state under state/sandbox/)."
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Plain output without colour.")]
TargetOpt = Annotated[
    list[str] | None, typer.Option("--target", help="Only this address (repeatable).")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", help="Leave this address out (repeatable).")
]
ReplaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--replace",
        help="Plan this address as a replacement (delete, then create) even if it matches "
        "(repeatable).",
    ),
]
# An enum: a bad value is a usage error found before anything is read or written.
FormatOpt = Annotated[
    Format, typer.Option("--format", help="human, json or markdown.", case_sensitive=False)
]

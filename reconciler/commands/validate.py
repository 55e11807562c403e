"""``reconciler validate``: load the configuration, call no API, need no secret value."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from reconciler.console import error_line, out_console
from reconciler.errors import ConfigError
from reconciler.session import Session


def run_validate(path: Path, explain: str | None) -> None:
    config = Session(path, None, secrets_optional=True, explain=explain).config
    if explain is not None and explain not in config.resources:
        raise ConfigError(f"no resource {explain} in the configuration")
    n = len(config.resources)
    console = out_console()
    for entry in config.explanation:
        console.print(error_line(entry))
    for name in config.missing_env:
        # A note, not an error: pre-commit on a laptop and pull requests from forks have no
        # secret values. plan and apply refuse a missing variable.
        console.print(
            f"Note: environment variable {escape(name)} is not set; plan and apply need it."
        )
    console.print(f"The configuration is valid: {n} resource{'s' if n != 1 else ''}.")

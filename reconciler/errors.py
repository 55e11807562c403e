"""Errors a user can act on.

Every failure the CLI reports is a ``ReconcilerError``: it prints as one line naming where
(file, line, address, field) and what, and the process exits 1. Anything else escaping to the
CLI is a bug in this tool.
"""

from __future__ import annotations

from collections.abc import Iterable


class ReconcilerError(Exception):
    """One problem, with where it is. ``str()`` gives the full one-line message."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        address: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.address = address
        self.field = field

    def where(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.address:
            parts.append(self.address)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class ConfigError(ReconcilerError):
    """The TOML (or a value it references, such as an env var) is wrong."""


class ConfigErrors(ReconcilerError):
    """Several configuration problems found in one pass; each is reported on its own line."""

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file or "", e.line or 0, e.address or ""))
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_all(errors: list[ConfigError]) -> None:
    """Raise the one error as itself, several as ``ConfigErrors``; nothing if there are none."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ConfigErrors(errors)


class StateError(ReconcilerError):
    """The state file or backend is unreadable, corrupt or unwritable."""


class LockError(StateError):
    """The state is locked by someone else (the message names the holder)."""


class ApiError(ReconcilerError):
    """A remote API refused a request or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        service: str,
        status: int | None = None,
        address: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"{service}: {message}", address=address)
        self.service = service
        self.status = status
        self.retryable = retryable


class PlanError(ReconcilerError):
    """A saved plan cannot be applied (stale, corrupt, or of another format version)."""

"""The loaded configuration: settings plus the desired resources, each with where it was
written (so every later error can name the file and line)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reconciler.kinds.base import ResourceKind, ResourceSpec
from reconciler.settings import Settings


class SourceLocation:
    """Where something was written: a file and, when known, a line (1-based).

    The line is given, or looked up (``lookup``) the first time it is asked for: finding
    lines reads a file's text once more (``toml_source.LineIndex``), and only messages need
    them, so a configuration that loads and plans cleanly never pays for it."""

    __slots__ = ("_file", "_line", "_lookup")

    def __init__(
        self,
        file: str,
        line: int | None = None,
        *,
        lookup: Callable[[], int | None] | None = None,
    ) -> None:
        self._file = file
        self._line = line
        self._lookup = lookup

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int | None:
        if self._lookup is not None:
            self._line, self._lookup = self._lookup(), None
        return self._line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __repr__(self) -> str:
        return f"SourceLocation(file={self.file!r}, line={self.line!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceLocation):
            return NotImplemented
        return (self.file, self.line) == (other.file, other.line)

    def __hash__(self) -> int:
        return hash((self.file, self.line))


@dataclass(frozen=True, slots=True)
class DesiredResource:
    """One resource table, validated. (Not a pydantic model: thousands are made per load, from
    values already checked, and a model's validation and field bookkeeping cost several times
    what the table itself does.)"""

    address: str  # "kind.name"
    kind: str
    name: str
    spec: ResourceSpec  # an instance of the kind's spec model, secrets resolved
    source: SourceLocation


class Move(BaseModel):
    """One ``[[moved]]`` block (see reconciler.moves)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str  # "from" in TOML
    target: str  # "to"
    location: SourceLocation


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    settings: Settings = Settings()
    resources: dict[str, DesiredResource] = Field(default_factory=dict)  # sorted by address
    moves: list[Move] = Field(default_factory=list)
    # [defaults.<kind>] as written (import leaves out what they already give).
    defaults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    files: list[str] = Field(default_factory=list)
    # sha256 over the files' bytes in path order: ties a saved plan to the reviewed config.
    digest: str = ""
    # validate only: ${env:NAME} variables that are not set (plan and apply refuse those).
    missing_env: list[str] = Field(default_factory=list)
    # validate --explain ADDRESS: "path = value  # file:line (source)" per value.
    explanation: list[str] = Field(default_factory=list)

    def natural_keys(self, kinds: Mapping[str, ResourceKind]) -> dict[str, str]:
        """Every resource's natural key, by address (``engine.check_natural_keys`` gives the
        same, with each problem placed at its file and line)."""
        return {a: kinds[r.kind].natural_key(r.spec) for a, r in self.resources.items()}

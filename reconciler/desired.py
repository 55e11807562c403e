"""The loaded configuration: settings plus the desired resources, each with where it was
written (so every later error can name the file and line)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reconciler.kinds.base import ResourceSpec
from reconciler.settings import Settings


class SourceLocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None  # line of the resource's table header, when known

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class DesiredResource(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    address: str  # "kind.name"
    kind: str
    name: str
    spec: ResourceSpec  # an instance of the kind's spec model, secrets resolved
    source: SourceLocation


class Move(BaseModel):
    """One ``[[moved]]`` block (see reconciler.moves)."""

    model_config = ConfigDict(frozen=True)

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

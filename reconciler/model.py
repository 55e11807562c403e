"""The plan: plain data that every renderer, the saved plan file and the applier read.

Nothing here does I/O. The planner builds a ``Plan``; renderers only ever see a ``Plan``.
Values in ``before``/``after``/``FieldChange`` are JSON-compatible and never hold a secret:
a sensitive path holds the keyed digest ``"hmac-sha256:<hex>"`` and renderers print it as
``(sensitive)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PLAN_FORMAT_VERSION = "1.0"

JSON = Any  # a JSON-compatible value: dict / list / str / int / float / bool / None


class Action(StrEnum):
    """What apply will do to one address.

    An import is not its own action: it is ``importing=True`` on a ``ResourceChange`` whose
    action says what happens after adoption (``no-op`` if the remote object already matches).
    """

    NOOP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"  # delete, wait until gone, then create (Terraform: ["delete","create"])
    DELETE = "delete"

    @property
    def destroys(self) -> bool:
        """Deletes the live object (a replacement deletes it first)."""
        return self in (Action.DELETE, Action.REPLACE)

    def terraform_actions(self) -> list[str]:
        if self is Action.REPLACE:
            return ["delete", "create"]
        return [self.value]


class FieldChange(BaseModel):
    """One field that differs. ``path`` is dotted with list indexes in brackets:
    ``metrics_config.tag_filters[0].tags``. ``None`` on a side means absent/null."""

    model_config = ConfigDict(frozen=True)

    path: str
    before: JSON = None
    after: JSON = None
    sensitive: bool = False  # values are digests; render as "(sensitive)"
    forces_replacement: bool = False


class ResourceChange(BaseModel):
    """The planned change of one address (``kind.name``)."""

    address: str
    kind: str
    name: str
    action: Action
    importing: bool = False  # adopted from a live object found by natural key, not in state
    reason: str | None = None  # e.g. "replace_because_unhealthy: collection NOT_FOUND"
    natural_key: str
    remote_id: str | None = None  # the API's id; None before create
    # Set when a replacement deletes an object under another natural key than it creates.
    before_natural_key: str | None = None
    # The address the state records this object under, when a [[moved]] block renames it;
    # apply records it under ``address`` (Terraform's previous_address).
    moved_from: str | None = None
    # Current values (observed, with write-only fields from the state); None if absent.
    before: dict[str, JSON] | None = None
    after: dict[str, JSON] | None = None  # planned values, None when deleted
    changes: list[FieldChange] = Field(default_factory=list)
    sensitive_paths: list[str] = Field(default_factory=list)
    replace_paths: list[str] = Field(default_factory=list)
    # Digest of the observed object this change was planned against (None if nothing exists).
    # A saved plan is refused if the live object's fingerprint no longer matches.
    fingerprint: str | None = None
    # Digest of the state entry this change was planned against (None: not in the state).
    # With ``fingerprint`` it is what a saved plan rests on: if either moved, it is stale.
    prior_digest: str | None = None
    prevent_destroy: bool = False
    # Options the applier needs that are not part of the compared values (e.g. force_delete).
    options: dict[str, JSON] = Field(default_factory=dict)
    # reconciler's own settings (options, lifecycle.prevent_destroy) that differ from the
    # state's record. Apply records them without calling any API.
    settings_changed: list[str] = Field(default_factory=list)


class DriftChange(BaseModel):
    """Something changed outside this tool: observed differs from what was last applied."""

    address: str
    kind: str
    name: str
    gone: bool = False  # the object was deleted outside this tool
    changes: list[FieldChange] = Field(default_factory=list)


class Unmanaged(BaseModel):
    """A live object in neither the configuration nor the state. Listed, never touched."""

    kind: str
    natural_key: str
    remote_id: str
    values: dict[str, JSON] = Field(default_factory=dict)


class Summary(BaseModel):
    import_: int = Field(0, alias="import")
    add: int = 0
    change: int = 0
    destroy: int = 0

    model_config = ConfigDict(populate_by_name=True)

    def line(self) -> str:
        return (
            f"Plan: {self.import_} to import, {self.add} to add, "
            f"{self.change} to change, {self.destroy} to destroy."
        )


class Plan(BaseModel):
    """Everything a plan says. Sorted by address; deterministic for the same inputs."""

    format_version: str = PLAN_FORMAT_VERSION
    lineage: str | None = None  # state lineage the plan was made against (None: no state yet)
    serial: int = 0  # state serial the plan was made against
    config_digest: str = ""
    changes: list[ResourceChange] = Field(default_factory=list)
    drift: list[DriftChange] = Field(default_factory=list)
    unmanaged: list[Unmanaged] = Field(default_factory=list)
    refresh_only: bool = False
    # Addresses the user asked to replace (--replace); a saved plan is re-planned with them.
    replace_requested: list[str] = Field(default_factory=list)
    # "<address>: <note>" for what the plan reports about live objects without acting on it.
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> Summary:
        s = Summary()
        for c in self.changes:
            if c.importing:
                s.import_ += 1
            if c.action is Action.CREATE:
                s.add += 1
            elif c.action is Action.UPDATE:
                s.change += 1
            elif c.action is Action.DELETE:
                s.destroy += 1
            elif c.action is Action.REPLACE:
                s.add += 1
                s.destroy += 1
        return s

    @property
    def actionable(self) -> list[ResourceChange]:
        return [
            c
            for c in self.changes
            if c.action is not Action.NOOP or c.importing or c.settings_changed or c.moved_from
        ]

    def has_changes(self) -> bool:
        if self.refresh_only:
            return bool(self.drift)
        return bool(self.actionable)

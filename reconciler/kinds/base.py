"""The seam for a resource kind.

A kind is one module holding a TOML model (``spec``), its diff rules (data), and a class that
satisfies ``ResourceKind``. The engine (refresh, planner, applier) talks to kinds only through
this protocol and never imports Datadog or AWS code.

Contract, after Crossplane's ExternalClient:
- ``list`` and ``get`` never change anything remotely.
- ``create``/``update`` return what now exists (ids included), normalised.
- ``delete`` of something already gone is success.
- ``normalise`` and ``desired_values`` are pure, and produce values of the same shape, so the
  planner can compare them field by field.
- Client construction is lazy: building a kind reads no credentials and opens no connection,
  so ``validate`` and ``plan --help`` never touch an API library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from reconciler.settings import Settings

Progress = Callable[[str], None]
"""Callback for human-readable progress from long operations (waits, retries)."""


class Lifecycle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    prevent_destroy: bool = Field(
        False, description="Refuse any plan that would delete or replace this resource."
    )


class ResourceSpec(BaseModel):
    """Base of every kind's TOML model. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    lifecycle: Lifecycle = Lifecycle()


@dataclass(frozen=True)
class DiffRules:
    """How a kind's values are compared. Paths are dotted; ``[]`` matches any list index and
    ``*`` any single key or index: ``metrics_config.tag_filters[].tags``.

    - ``set_paths``: lists whose order carries no meaning (compared as sets).
    - ``null_as_empty``: paths where ``null`` (or absent) equals ``[]``.
    - ``ignored_paths``: never compared (server timestamps, ids).
    - ``computed_paths``: the server picks a value when the TOML leaves it out; compared only
      when the desired values set them.
    - ``write_only_paths``: never returned by the API; compared against the last-applied
      record in the state instead of the observed object.
    - ``sensitive_paths``: secrets; always write-only, compared as keyed digests, rendered
      ``(sensitive)``.
    - ``replace_paths``: a change there forces replacement (``*`` alone: any change does).
    """

    set_paths: tuple[str, ...] = ()
    null_as_empty: tuple[str, ...] = ()
    ignored_paths: tuple[str, ...] = ()
    computed_paths: tuple[str, ...] = ()
    write_only_paths: tuple[str, ...] = ()
    sensitive_paths: tuple[str, ...] = ()
    replace_paths: tuple[str, ...] = ()


class Observed(BaseModel):
    """One live object, normalised into the same shape as ``desired_values``."""

    model_config = ConfigDict(frozen=True)

    natural_key: str  # aws_account_id for Datadog; "<region>/<integration_name>" for Logs
    remote_id: str  # the API's id: Datadog config UUID; the integration name for Logs
    values: dict[str, Any]
    # None when healthy. Otherwise why the object cannot be trusted, e.g. "FAILED" or
    # "collection NOT_FOUND"; the planner replaces an unhealthy object.
    # (Its fingerprint is reconciler.diff.fingerprint: it depends on the kind's rules.)
    health: str | None = None
    # What the plan should say about the object without acting on it, e.g. a sub-resource
    # status this version does not know (reported, never a reason to replace).
    notes: tuple[str, ...] = ()
    # Set when the live object uses something this version does not manage (an unknown
    # oneOf member, say), naming it: the address cannot be planned, so it is never
    # overwritten with what this version believes the object to be.
    unmanageable: str | None = None


class ResourceKind(Protocol):
    name: ClassVar[str]  # the TOML table, e.g. "datadog_aws_account"
    spec: ClassVar[type[ResourceSpec]]
    rules: ClassVar[DiffRules]
    # How many writes (create/update/delete) the applier runs at once for this kind. The
    # applier checks for a stop request after a slot is free, right before the write starts.
    write_concurrency: ClassVar[int]

    def __init__(self, settings: Settings) -> None: ...

    # -- pure ---------------------------------------------------------------------------
    def natural_key(self, spec: ResourceSpec) -> str: ...

    def scope(self, natural_key: str) -> str:
        """The listing scope an object lives in ("" for global APIs, the region for AWS)."""
        ...

    def desired_values(self, spec: ResourceSpec) -> dict[str, Any]:
        """The comparable form of the spec with every server default filled in. Secret
        fields hold the ``EnvSecret`` itself; the planner turns it into a digest."""
        ...

    def options(self, spec: ResourceSpec) -> dict[str, Any]:
        """Settings for the applier that are not compared (e.g. ``force_delete``)."""
        ...

    def normalise(self, raw: dict[str, Any], scope: str) -> Observed:
        """Parse one raw API object (as the list/get call returns it)."""
        ...

    def spec_table(self, observed: Observed) -> dict[str, Any]:
        """A TOML table (plain data) that declares ``observed``, for ``import``. Secrets and
        write-only values it cannot know are left out or written as ``${env:...}`` refs."""
        ...

    # -- reads -----------------------------------------------------------------------------
    def default_scopes(self) -> list[str]:
        """Scopes listed even when nothing is declared there (to find unmanaged objects)."""
        ...

    async def list(self, scope: str) -> list[Observed]: ...

    async def get(self, natural_key: str, remote_id: str) -> Observed | None:
        """One object by id, or None if gone. Used to re-check saved plans and by waits."""
        ...

    # -- writes ----------------------------------------------------------------------------
    async def create(self, spec: ResourceSpec, progress: Progress) -> Observed: ...

    async def update(
        self, spec: ResourceSpec, observed: Observed, progress: Progress
    ) -> Observed: ...

    async def delete(
        self, natural_key: str, remote_id: str, options: dict[str, Any], progress: Progress
    ) -> None: ...

    async def aclose(self) -> None: ...

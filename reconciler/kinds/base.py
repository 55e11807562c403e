"""The seam for a resource kind.

A kind is one module holding a TOML model (``spec``), its diff rules (data), and a class that
satisfies ``ResourceKind``. The engine (refresh, planner, applier) talks to kinds only through
this protocol and never imports Datadog or AWS code. The contract (after Crossplane's
ExternalClient) is written on ``ResourceKind`` and on each of its members.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
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


@dataclass(frozen=True, slots=True)
class Observed:
    """One live object, normalised into the same shape as ``desired_values``. Nothing
    changes ``values`` once it is built. (Not a pydantic model: a listing makes thousands,
    from values the kind has just checked.)"""

    # aws_account_id for Datadog; "<region>/<integration_name>" for Logs; through a named
    # connection, its name first: "eu:<aws_account_id>", "prod:<region>/<integration_name>".
    natural_key: str
    remote_id: str  # the API's id: Datadog config UUID; the integration name for Logs
    values: dict[str, Any]
    # None when healthy. Otherwise why the object cannot be trusted, e.g. "FAILED" or
    # "collection NOT_FOUND"; the planner replaces an unhealthy object.
    # (Its fingerprint is reconciler.diff.fingerprint: it depends on the kind's rules.)
    health: str | None = None
    # What the plan should say about the object without acting on it, e.g. a sub-resource
    # status this version does not know (reported, never a reason to replace).
    notes: tuple[str, ...] = ()
    # Set, as a reason ("it uses aws_regions.exclude_only, which this version ... does not
    # manage"; "it is still being provisioned ..."), when the live object cannot be planned
    # against safely: the address is refused, never overwritten on what this version guesses.
    unmanageable: str | None = None
    # Readable paths the API has not reported yet (an OpenSearch application while the
    # integration is still being provisioned). Taken from the last-applied record (or, on an
    # import, from the configuration) like a write-only field: never a change, drift or a
    # reason to replace; compared once the API reports them.
    unreported: tuple[str, ...] = ()


class ResourceKind(Protocol):
    """One kind of remote object. The engine calls nothing else of a kind.

    Three groups of members, each with its own promises:

    - pure (``natural_key`` .. ``spec_table``): no I/O, no clock, no environment beyond what
      the settings say; the same input gives the same output.
    - reads (``default_scopes``, ``list``, ``get``): never change anything remotely; fail
      closed (an answer that cannot be read raises ``ApiError``, never "nothing there").
    - writes (``create``, ``update``, ``delete``): each may be retried after any failure and
      must then converge on the same outcome (idempotent in effect); each returns or raises
      only once the outcome is known (a write whose answer was lost is resolved by reading,
      not guessed).

    "Gone" means the API says the object does not exist (Datadog 404, Logs
    ResourceNotFoundException); any other failure to read it is an error, not "gone".
    """

    name: ClassVar[str]  # the TOML table, e.g. "datadog_aws_account"
    spec: ClassVar[type[ResourceSpec]]  # the TOML model; unknown keys are errors
    rules: ClassVar[DiffRules]  # how values compare (data, not code)
    # How many writes (create/update/delete) the applier runs at once for this kind. The
    # applier checks for a stop request after a slot is free, right before the write starts.
    write_concurrency: ClassVar[int]
    # The API allows at most one object per scope (CloudWatch Logs: one integration per
    # account and region): two declarations in one scope are refused before any API call.
    one_per_scope: ClassVar[bool]

    def __init__(self, settings: Settings) -> None:
        """Reads no credentials and opens no connection (clients are built on first use), so
        ``validate`` and ``--help`` never load an API library. Test doubles may take more
        keyword arguments (their fake cloud, say)."""
        ...

    # -- pure ---------------------------------------------------------------------------
    def natural_key(self, spec: ResourceSpec) -> str:
        """What identifies the object remotely whatever its id: the AWS account ID for
        Datadog; ``<region>/<integration_name>`` for Logs. May raise ``ConfigError`` (e.g. no
        region), which the engine reports with the resource's file, line and address."""
        ...

    def scope(self, natural_key: str) -> str:
        """The listing scope an object lives in ("" for global APIs, the region for AWS)."""
        ...

    def desired_values(self, spec: ResourceSpec) -> dict[str, Any]:
        """The comparable form of the spec with every server default filled in. Secret
        fields hold the ``EnvSecret`` itself; the planner turns it into a digest. Same shape
        as ``normalise(...).values``."""
        ...

    def options(self, spec: ResourceSpec) -> dict[str, Any]:
        """Settings for the applier that are not compared (e.g. ``force_delete``)."""
        ...

    def normalise(self, raw: dict[str, Any], scope: str) -> Observed:
        """Parse one raw API object (as the list/get call returns it) into ``Observed``:
        values in the shape of ``desired_values``, ``health`` when only a replacement can
        repair it, ``notes`` for what the plan should report, ``unmanageable`` when it uses
        something this version does not manage, ``unreported`` for readable paths the API
        has not reported yet. Raises ``ApiError`` for an object it cannot
        read (no id, no natural key): never an ``Observed`` with empty keys."""
        ...

    def spec_table(self, observed: Observed) -> dict[str, Any]:
        """A TOML table (plain data) that declares ``observed``, for ``import``; planning it
        against ``observed`` must give no change. Secrets and write-only values it cannot know
        are left out (the table then fails validation, and import says so) or written as
        ``${env:...}`` references."""
        ...

    # -- reads -----------------------------------------------------------------------------
    def default_scopes(self, used: Collection[str]) -> list[str]:
        """Scopes listed besides ``used`` (those the configuration and state name), to find
        unmanaged objects: only through the connections ``used`` names; with ``used`` empty
        (import, looking for anything to adopt), through every named one the settings
        declare, or the default one when none is named. Never through one they do not
        declare."""
        ...

    async def list(self, scope: str) -> list[Observed]:
        """Every object in ``scope``, with as few calls as the API allows (one, ideally).
        Complete or an error: an item it cannot read, or two items with one natural key, is
        an ``ApiError``; nothing is ever dropped."""
        ...

    async def check_live(self, specs: Mapping[str, ResourceSpec]) -> Sequence[tuple[str, str, str]]:
        """What the live API would refuse in these declarations (address -> spec), found by
        reading the API's own catalogues once: ``(address, field, message)`` each, turned into
        plan errors before anything is applied. Read-only; [] when there is nothing to check."""
        ...

    async def get(self, natural_key: str, remote_id: str) -> Observed | None:
        """One object by id, or None if gone. Used by waits and to resolve lost answers."""
        ...

    # -- writes ----------------------------------------------------------------------------
    async def create(self, spec: ResourceSpec, progress: Progress) -> Observed:
        """Make the object and return it as it now exists (ids included), after any wait the
        API needs (e.g. until ACTIVE). If it already exists (made elsewhere, or an earlier
        answer was lost), adopt it and make it match, or raise; never make a second one."""
        ...

    async def update(self, spec: ResourceSpec, observed: Observed, progress: Progress) -> Observed:
        """Make ``observed`` match ``spec`` in place and return what now exists. Only called
        for changes ``rules.replace_paths`` does not mark; a kind that cannot update raises."""
        ...

    async def delete(
        self, natural_key: str, remote_id: str, options: dict[str, Any], progress: Progress
    ) -> None:
        """Delete and wait until gone. Already gone is success."""
        ...

    async def aclose(self) -> None:
        """Close the clients it built. Safe to call when none was built."""
        ...

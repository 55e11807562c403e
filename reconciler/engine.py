"""The pipeline, end to end, for the CLI and for tests: load -> refresh -> plan -> apply,
and the freshness checks of a saved plan. Progress goes through callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.desired import Config, DesiredResource
from reconciler.errors import ConfigError, StateError, raise_all
from reconciler.kinds import connections
from reconciler.kinds.base import Observed, ResourceKind
from reconciler.model import Plan
from reconciler.planner import build_plan, selected
from reconciler.refresh import refresh
from reconciler.settings import Settings
from reconciler.state.base import State, StateBackend


def open_kinds(
    settings: Settings, registry: Mapping[str, type[ResourceKind]] | None = None
) -> dict[str, ResourceKind]:
    if registry is None:
        from reconciler.registry import KINDS

        registry = KINDS
    return {name: cls(settings) for name, cls in registry.items()}


def check_natural_keys(config: Config, kinds: Mapping[str, ResourceKind]) -> dict[str, str]:
    """Every resource's natural key, by address, resolved now (it may need settings or the
    environment, e.g. a region), so a problem is reported with the resource's file, line and
    address; and refuse two declarations in one scope of a kind the API allows once per scope
    (before any API call: apply would otherwise race, the winner decided by timing)."""
    errors: list[ConfigError] = []
    keys: dict[str, str] = {}
    first_in_scope: dict[tuple[str, str], DesiredResource] = {}
    for res in config.resources.values():
        kind = kinds[res.kind]
        try:
            key = keys[res.address] = kind.natural_key(res.spec)
        except ConfigError as err:
            err.file = err.file or res.source.file
            err.line = err.line or res.source.line
            err.address = err.address or res.address
            errors.append(err)
            continue
        if not kind.one_per_scope:
            continue
        scope = kind.scope(key)
        other = first_in_scope.setdefault((res.kind, scope), res)
        if other is not res:
            connection, place = connections.split(scope)
            if connection is not None:
                place += f" through connection {connection}"
            errors.append(
                ConfigError(
                    f"{other.address} ({other.source}) is in the same place ({place}); the API "
                    f"allows one {res.kind} there: keep one of the two",
                    file=res.source.file,
                    line=res.source.line,
                    address=res.address,
                )
            )
    raise_all(errors)
    return keys


async def check_live(
    config: Config,
    kinds: Mapping[str, ResourceKind],
    targets: Iterable[str] = (),
    excludes: Iterable[str] = (),
) -> None:
    """What the live APIs would refuse in the selected declarations, as plan errors (one
    per problem, with file, address and field) before anything is planned or applied."""
    targets, excludes = list(targets), set(excludes)
    by_kind: dict[str, dict[str, DesiredResource]] = {}
    for res in config.resources.values():
        if not selected(res.address, targets, excludes):
            continue
        by_kind.setdefault(res.kind, {})[res.address] = res
    found = await asyncio.gather(
        *(
            kinds[name].check_live({a: r.spec for a, r in resources.items()})
            for name, resources in sorted(by_kind.items())
        )
    )
    errors = [
        ConfigError(
            message,
            file=config.resources[address].source.file,
            line=config.resources[address].source.line,
            address=address,
            field=field,
        )
        for problems in found
        for address, field, message in problems
    ]
    raise_all(errors)


async def close_kinds(kinds: Mapping[str, ResourceKind]) -> None:
    await asyncio.gather(*(k.aclose() for k in kinds.values()))


@dataclass
class Planned:
    plan: Plan
    state: State  # the state planned against (a new, unsaved one if none existed)
    state_exists: bool
    observed: dict[str, list[Observed]]


async def make_plan(
    config: Config,
    backend: StateBackend,
    kinds: Mapping[str, ResourceKind],
    *,
    refresh_only: bool = False,
    targets: Iterable[str] = (),
    excludes: Iterable[str] = (),
    replace: Iterable[str] = (),
    new_state: State | None = None,
    every_kind: bool = False,
    digests: bool = True,
    keys: Mapping[str, str] | None = None,
) -> Planned:
    """``keys``: the resources' natural keys (``check_natural_keys``), if already known."""
    state = await asyncio.to_thread(backend.read)
    exists = state is not None
    for address, entry in (state.resources if state else {}).items():
        if entry.kind not in kinds:
            # Never planned around: its object would look unmanaged, its address removed.
            raise StateError(
                f"the state holds {address} of unknown kind {entry.kind}; this reconciler "
                f"manages {', '.join(sorted(kinds))}",
                file=backend.describe(),
            )
    if state is None:
        state = new_state or State.new()
    keys = config.natural_keys(kinds) if keys is None else keys
    reading = asyncio.ensure_future(refresh(config, state, kinds, every_kind=every_kind, keys=keys))
    checking = asyncio.ensure_future(check_live(config, kinds, targets, excludes))
    try:
        observed, _ = await asyncio.gather(reading, checking)
    except BaseException:
        # One failed (or the command was interrupted): the other must not go on calling
        # clients the session is about to close.
        for task in (reading, checking):
            task.cancel()
        await asyncio.gather(reading, checking, return_exceptions=True)
        raise
    plan = build_plan(
        config,
        observed,
        state,
        kinds,
        state_exists=exists,
        refresh_only=refresh_only,
        targets=targets,
        excludes=excludes,
        replace=replace,
        digests=digests,
        keys=keys,
    )
    return Planned(plan, state, exists, observed)

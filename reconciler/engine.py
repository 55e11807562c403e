"""The pipeline, end to end, for the CLI and for tests: load -> refresh -> plan -> apply,
and the freshness checks of a saved plan. Progress goes through callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler import paths
from reconciler.applier import ApplyReport, Callbacks, apply_plan
from reconciler.desired import Config
from reconciler.diff import fingerprint
from reconciler.errors import ConfigError, PlanError
from reconciler.kinds.base import Observed, ResourceKind
from reconciler.model import Action, Plan
from reconciler.planner import build_plan, digest_secrets
from reconciler.refresh import refresh
from reconciler.secrets import EnvSecret
from reconciler.settings import Settings
from reconciler.state.base import State, StateBackend


def open_kinds(
    settings: Settings, registry: Mapping[str, type[ResourceKind]] | None = None
) -> dict[str, ResourceKind]:
    if registry is None:
        from reconciler.registry import KINDS

        registry = KINDS
    return {name: cls(settings) for name, cls in registry.items()}


def check_natural_keys(config: Config, kinds: Mapping[str, ResourceKind]) -> None:
    """Resolve every resource's natural key now (it may need settings or the environment,
    e.g. a region), so a problem is reported with the resource's file, line and address."""
    for res in config.resources.values():
        try:
            kinds[res.kind].natural_key(res.spec)
        except ConfigError as err:
            err.file = err.file or res.source.file
            err.line = err.line or res.source.line
            err.address = err.address or res.address
            raise


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
    new_state: State | None = None,
) -> Planned:
    state = await asyncio.to_thread(backend.read)
    exists = state is not None
    if state is None:
        state = new_state or State.new()
    observed = await refresh(config, state, kinds)
    plan = build_plan(
        config,
        observed,
        state,
        kinds,
        state_exists=exists,
        refresh_only=refresh_only,
        targets=targets,
        excludes=excludes,
    )
    return Planned(plan, state, exists, observed)


async def apply(
    plan: Plan,
    config: Config,
    state: State,
    backend: StateBackend,
    kinds: Mapping[str, ResourceKind],
    callbacks: Callbacks | None = None,
) -> ApplyReport:
    return await apply_plan(plan, config, state, backend, kinds, callbacks)


async def check_fresh(
    plan: Plan,
    config: Config,
    state: State | None,
    kinds: Mapping[str, ResourceKind],
    digest_key: bytes,
) -> None:
    """Refuse a saved plan whose premises no longer hold. Re-reads only the touched objects."""
    if plan.config_digest != config.digest:
        raise PlanError(
            "saved plan is stale: the configuration changed since the plan was made "
            f"(plan {plan.config_digest[:19]}, now {config.digest[:19]})"
        )
    if plan.lineage is None:
        if state is not None:
            raise PlanError(
                "saved plan is stale: it was made before any state existed, but a state "
                f"(lineage {state.lineage}) has been written since"
            )
    else:
        if state is None:
            raise PlanError("saved plan is stale: the state it was made against no longer exists")
        if state.lineage != plan.lineage:
            raise PlanError(
                f"saved plan is for another state: plan lineage {plan.lineage}, "
                f"state lineage {state.lineage}"
            )
        if state.serial != plan.serial:
            raise PlanError(
                f"saved plan is stale: the state moved on from serial {plan.serial} "
                f"to {state.serial}"
            )
    for change in plan.changes:
        if change.address not in config.resources or not change.sensitive_paths:
            continue
        kind = kinds[change.kind]
        raw = kind.desired_values(config.resources[change.address].spec)
        now = digest_secrets(raw, digest_key)
        for p in change.sensitive_paths:
            path = paths.parse_path(p)
            if paths.get(now, path) != paths.get(change.after or {}, path):
                secret = paths.get(raw, path)
                source = f"{secret.env} " if isinstance(secret, EnvSecret) else ""
                raise PlanError(
                    f"saved plan is stale: the secret's environment variable {source}changed "
                    "since the plan",
                    address=change.address,
                    field=p,
                )
    touched = [c for c in plan.actionable if c.action is not Action.NOOP or c.importing]
    existing = [c for c in touched if c.remote_id]
    live = await asyncio.gather(
        *(
            kinds[c.kind].get(c.before_natural_key or c.natural_key, c.remote_id or "")
            for c in existing
        )
    )
    for change, obj in zip(existing, live, strict=True):
        now_fp = fingerprint(obj, kinds[change.kind].rules) if obj is not None else None
        if now_fp != change.fingerprint:
            what = "was deleted" if obj is None else "changed"
            raise PlanError(
                f"saved plan is stale: the live object {what} since the plan "
                "(re-run plan and review again)",
                address=change.address,
            )
    # What the plan creates must still be absent: otherwise apply would adopt, and overwrite,
    # an object made outside reconciler since the review. Found by listing the scopes involved.
    creating = [
        c
        for c in touched
        if c.action is Action.CREATE or (c.action is Action.REPLACE and c.before_natural_key)
    ]
    scopes = sorted({(c.kind, kinds[c.kind].scope(c.natural_key)) for c in creating})
    listed = await asyncio.gather(*(kinds[k].list(scope) for k, scope in scopes))
    present = {
        (k, o.natural_key) for (k, _), objs in zip(scopes, listed, strict=True) for o in objs
    }
    for change in creating:
        if (change.kind, change.natural_key) in present:
            raise PlanError(
                f"saved plan is stale: {change.natural_key} was created outside reconciler "
                "since the plan, which planned to create it (re-run plan and review again)",
                address=change.address,
            )

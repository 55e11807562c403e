"""Refresh: read every live object the plan needs, with one list call per kind and scope, all
kinds and scopes concurrently. Read-only."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from reconciler import gc_pace
from reconciler.desired import Config
from reconciler.kinds.base import Observed, ResourceKind
from reconciler.state.base import State


def scopes_to_read(
    config: Config,
    state: State,
    kinds: Mapping[str, ResourceKind],
    *,
    every_kind: bool = False,
    keys: Mapping[str, str] | None = None,
) -> dict[str, set[str]]:
    """Per kind, the scopes to list. Only kinds in use (declared, or in the state) are read,
    unless ``every_kind`` (import, looking for anything to adopt): a Logs-only configuration
    needs no Datadog keys and lists no Datadog accounts. Within a kind, only the connections
    the configuration and state use are read."""
    keys = config.natural_keys(kinds) if keys is None else keys
    used: dict[str, set[str]] = {name: set() for name in kinds}
    for address, res in config.resources.items():
        used[res.kind].add(kinds[res.kind].scope(keys[address]))
    for prior in state.resources.values():
        if prior.kind in kinds:
            used[prior.kind].add(kinds[prior.kind].scope(prior.natural_key))
    wanted = {name: set(scopes) for name, scopes in used.items()}
    for name, scopes in used.items():
        if scopes or every_kind:
            wanted[name] |= set(kinds[name].default_scopes(scopes))
        if every_kind:  # import: through every connection the settings declare
            wanted[name] |= set(kinds[name].default_scopes(()))
    return {k: v for k, v in wanted.items() if v}


async def refresh(
    config: Config,
    state: State,
    kinds: Mapping[str, ResourceKind],
    *,
    every_kind: bool = False,
    keys: Mapping[str, str] | None = None,
) -> dict[str, list[Observed]]:
    """``keys``: the resources' natural keys by address, if already known."""
    jobs = [
        (name, scope)
        for name, scopes in sorted(
            scopes_to_read(config, state, kinds, every_kind=every_kind, keys=keys).items()
        )
        for scope in sorted(scopes)
    ]
    with gc_pace.paused():  # the live objects: as many as the configuration's
        results = await asyncio.gather(*(kinds[name].list(scope) for name, scope in jobs))
    observed: dict[str, list[Observed]] = {name: [] for name in kinds}
    for (name, _), found in zip(jobs, results, strict=True):
        observed[name].extend(found)
    for found_list in observed.values():
        found_list.sort(key=lambda o: o.natural_key)
    return observed

"""The "current" values of a live object: the observed values with every write-only field
taken from the state's last-applied record (the API never returns them)."""

from __future__ import annotations

from typing import Any

from reconciler import paths
from reconciler.kinds.base import DiffRules, Observed
from reconciler.state.base import ResourceState


def current_values(
    observed: Observed, desired: dict[str, Any], prior: ResourceState | None, rules: DiffRules
) -> dict[str, Any]:
    """Observed values with write-only fields filled from the last-applied record.

    With no record (an import), a write-only field cannot be known: a non-secret one is
    assumed to match the configuration (replacing a live object on a guess would be worse),
    a secret one is left unknown so the plan sends it.
    """
    values, filled = current_values_filled(observed, desired, prior, rules)
    return values if filled else paths.copy_json(values)


def current_values_filled(
    observed: Observed, desired: dict[str, Any], prior: ResourceState | None, rules: DiffRules
) -> tuple[dict[str, Any], bool]:
    """``current_values``, and whether any write-only field was filled in or removed. If
    none was, the values returned are ``observed.values`` itself (not a copy)."""
    work: list[tuple[paths.Path, dict[str, Any] | None]] = []
    # A secret is write-only too, and often listed as both: each pattern is looked up once.
    for pattern in dict.fromkeys((*rules.write_only_paths, *rules.sensitive_paths)):
        secret = pattern in rules.sensitive_paths
        source = prior.last_applied if prior is not None else (None if secret else desired)
        wanted = set(paths.expand(pattern, desired))
        if prior is not None:
            wanted |= set(paths.expand(pattern, prior.last_applied))
        work.extend((path, source) for path in wanted)
    for pattern in observed.unreported:
        source = prior.last_applied if prior is not None else desired
        work.extend((path, source) for path in paths.expand(pattern, source))
    if not work:
        return observed.values, False
    current: dict[str, Any] = paths.copy_json(observed.values)
    for path, source in work:
        if source is not None and paths.has(source, path):
            paths.put(current, path, paths.get(source, path))
        else:
            paths.remove(current, path)
    return current, True

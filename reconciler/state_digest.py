"""The digest of one state entry: what a saved plan rests on for an address (with the live
object's fingerprint); the plan is stale there once the entry has moved."""

from __future__ import annotations

import hashlib

from reconciler.canonical import canonical_json
from reconciler.state.base import ResourceState


def entry_digest(prior: ResourceState | None) -> str | None:
    """Digest of one state entry: a saved plan is stale for an address whose entry moved."""
    if prior is None:
        return None
    try:
        # The fields as they are: a state entry holds JSON values only (it was read from JSON),
        # which model_dump(mode="json") would give back unchanged, at some cost per entry.
        blob = canonical_json({name: getattr(prior, name) for name in _ENTRY_FIELDS})
    except TypeError:  # a value JSON cannot hold (an entry built in this process)
        blob = canonical_json(prior.model_dump(mode="json"))
    return "sha256:" + hashlib.sha256(blob).hexdigest()


_ENTRY_FIELDS = tuple(ResourceState.model_fields)

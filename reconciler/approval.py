"""What a saved plan approves, and whether that approval still holds.

A saved plan is checked, not trusted. At apply, every address it would change is planned again
from the current configuration, state and live objects (the ``fresh`` plan); only changes
identical to the reviewed ones are carried out. Identical means: the same state entry (its
digest), the same live object (its fingerprint), the same action, the same values to write, the
same options and protections. Any difference refuses the whole apply before anything is
changed, naming the address and the field.

This gives per-address staleness: a change merged and applied elsewhere (another pull request,
another address) moves the state's serial but leaves this plan's addresses alone, so the plan
still applies; a change to one of its own addresses refuses it. An edited plan file (an action
turned from update into delete, ``prevent_destroy`` cleared, an ``after`` value changed, an
address added) differs from the fresh plan in the same way and is refused the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler import paths
from reconciler.errors import PlanError
from reconciler.model import Plan, ResourceChange
from reconciler.printable import cut
from reconciler.render.values import clean_text

NEXT_STEP = "re-run plan and review again"

# Compared one by one below (with a message each); the rest of a change is compared whole.
_SPECIFIC = ("prior_digest", "fingerprint", "action", "importing", "prevent_destroy", "after")
_IGNORED = {"before"}  # shown to the reviewer; what it rests on is in prior_digest + fingerprint


def check_lineage(saved: Plan, lineage: str | None) -> None:
    """The plan must have been made against this state (or against none, if none exists)."""
    if saved.lineage is None:
        if lineage is not None:
            raise PlanError(
                "saved plan is stale: it was made before any state existed, but a state "
                f"(lineage {lineage}) has been written since; {NEXT_STEP}"
            )
        return
    if lineage is None:
        raise PlanError(f"saved plan is stale: the state it was made against is gone; {NEXT_STEP}")
    if lineage != saved.lineage:
        raise PlanError(
            f"saved plan is for another state: plan lineage {saved.lineage}, "
            f"state lineage {lineage}"
        )


def approved_changes(
    saved: Plan, fresh: Plan, secrets: Mapping[str, Mapping[str, str]] | None = None
) -> list[ResourceChange]:
    """The fresh changes the saved plan approves, one per address it would act on. Raises
    ``PlanError`` naming the first address (and field) where the two differ."""
    by_address = {c.address: c for c in fresh.changes}
    approved: list[ResourceChange] = []
    for reviewed in saved.actionable:
        now = by_address.get(reviewed.address)
        problem = _difference(reviewed, now, (secrets or {}).get(reviewed.address, {}))
        if problem is not None:
            what, field = problem
            raise PlanError(
                f"saved plan is stale: {what} ({NEXT_STEP})",
                address=clean_text(reviewed.address),
                field=field,
            )
        assert now is not None
        approved.append(now)
    return approved


def _describe(change: ResourceChange) -> str:
    action = change.action.value
    return f"import then {action}" if change.importing else action


def _difference(
    reviewed: ResourceChange, now: ResourceChange | None, secret_refs: Mapping[str, str]
) -> tuple[str, str | None] | None:
    if now is None:
        return "it is in neither the configuration nor the state any more", None
    if reviewed.prior_digest != now.prior_digest:
        return "its state entry changed since the plan (another apply touched it)", None
    if reviewed.fingerprint != now.fingerprint:
        if now.fingerprint is None:
            return "the live object was deleted since the plan", None
        if reviewed.fingerprint is None:
            return (
                "an object with its natural key was created outside reconciler since the plan",
                None,
            )
        return "the live object changed since the plan", None
    if reviewed.action is not now.action or reviewed.importing != now.importing:
        return f"it would now be {_describe(now)}, not {_describe(reviewed)} as reviewed", None
    if reviewed.prevent_destroy != now.prevent_destroy:
        return (
            f"lifecycle.prevent_destroy is now {str(now.prevent_destroy).lower()}, "
            f"not {str(reviewed.prevent_destroy).lower()} as reviewed",
            "lifecycle.prevent_destroy",
        )
    if reviewed.after != now.after:
        path = _first_difference(reviewed.after, now.after)
        field = paths.format_path(path) or None
        if field is not None and field in reviewed.sensitive_paths + now.sensitive_paths:
            ref = secret_refs.get(field)
            source = f"the secret's environment variable {ref[6:-1]}" if ref else "the secret"
            return f"{source} changed since the plan", field
        before = paths.get(reviewed.after, path)
        after = paths.get(now.after, path)
        return (
            f"the configuration now sets {_shown(after)}, the reviewed plan {_shown(before)}",
            field,
        )
    left = reviewed.model_dump(mode="json", exclude=_IGNORED)
    right = now.model_dump(mode="json", exclude=_IGNORED)
    for key in left:
        if key not in _SPECIFIC and left[key] != right.get(key):
            return f"its {key.replace('_', ' ')} differs from the reviewed plan", None
    return None


def _shown(value: Any) -> str:
    """A value as the plan views print it (secret digests hidden anywhere inside it)."""
    from reconciler.render.values import format_value

    return cut(format_value(value), 80)


def _first_difference(a: Any, b: Any, prefix: paths.Path = ()) -> paths.Path:
    """The shallowest path at which ``a`` and ``b`` differ (``prefix`` when they differ whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys(), key=str):
            if a.get(key, paths) != b.get(key, paths):
                return _first_difference(a.get(key), b.get(key), (*prefix, key))
        return prefix
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, (*prefix, i))
    return prefix

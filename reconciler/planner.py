"""The planner: desired + observed + prior -> Plan. Pure: no I/O, no clock, no printing.

Decisions, per address:
- declared, nothing live, nothing in state ............ create
- declared, live object with its natural key, no state .. import (then update/replace if it differs)
- declared, in state, live object gone ................. drift "gone", then create
- declared, live, differs ............................... update, or replace when a changed
  path forces it (kind rules) or the object is unhealthy
- in state, no longer declared .......................... delete
- live, in neither ...................................... unmanaged (listed, never touched)

"Current" values are the observed values with every write-only field taken from the state's
last-applied record (the API never returns them). Drift compares only the readable fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler import diff, gc_pace, paths
from reconciler.current_values import current_values, current_values_filled
from reconciler.desired import Config, DesiredResource
from reconciler.errors import PlanError
from reconciler.kinds.base import DiffRules, Observed, ResourceKind
from reconciler.model import (
    Action,
    DriftChange,
    FieldChange,
    Plan,
    ResourceChange,
    Unmanaged,
)
from reconciler.moves import with_moves
from reconciler.plan_checks import check_manageable, check_one_address_per_object
from reconciler.rule_tree import compiled
from reconciler.secrets import digest_secrets
from reconciler.state.base import ResourceState, State
from reconciler.state_digest import entry_digest


class _Live:
    """The observed objects, indexed once: by natural key (for imports) and by scope and
    remote id (the object a state entry recorded; ids are unique per scope)."""

    def __init__(
        self, observed: Mapping[str, list[Observed]], kinds: Mapping[str, ResourceKind]
    ) -> None:
        self.by_key = {(k, o.natural_key): o for k, objs in observed.items() for o in objs}
        self.by_id = {
            (k, kinds[k].scope(o.natural_key), o.remote_id): o
            for k, objs in observed.items()
            if k in kinds
            for o in objs
        }
        self.kinds = kinds

    def of(self, prior: ResourceState) -> Observed | None:
        scope = self.kinds[prior.kind].scope(prior.natural_key)
        return self.by_id.get((prior.kind, scope, prior.remote_id))


def selected(address: str, targets: Iterable[str], excludes: Iterable[str]) -> bool:
    """Whether --target/--exclude keep ``address`` in the plan."""
    if not targets and not excludes:  # the usual run: everything (empty sequences)
        return True
    targets = list(targets)
    if targets and address not in targets:
        return False
    return address not in set(excludes)


@gc_pace.paused()
def build_plan(
    config: Config,
    observed: Mapping[str, list[Observed]],
    state: State,
    kinds: Mapping[str, ResourceKind],
    *,
    state_exists: bool = True,
    refresh_only: bool = False,
    targets: Iterable[str] = (),
    excludes: Iterable[str] = (),
    replace: Iterable[str] = (),
    digests: bool = True,
    keys: Mapping[str, str] | None = None,
) -> Plan:
    """``digests``: give each change the digests a saved plan rests on (the state entry's and
    the live object's fingerprint); a plan that is only shown has no use for them. ``keys``:
    the resources' natural keys by address, if already known."""
    targets, excludes, replace = list(targets), list(excludes), sorted(set(replace))
    lineage, serial = state.lineage, state.serial
    state, moved = with_moves(state, config.moves)
    unknown = [
        a
        for a in (*targets, *excludes, *replace)
        if a not in config.resources and a not in state.resources
    ]
    if unknown:
        raise PlanError(f"no resource {unknown[0]} in the configuration or the state")
    not_declared = [a for a in replace if a not in config.resources]
    if not_declared:
        raise PlanError(
            f"cannot replace {not_declared[0]}: it is not in the configuration (only declared "
            "resources can be replaced)"
        )
    for address, entry in state.resources.items():
        if entry.kind not in kinds:
            raise PlanError(f"the state holds {address} of unknown kind {entry.kind}")
    live = _Live(observed, kinds)
    located = {address: live.of(prior) for address, prior in state.resources.items()}
    keys = config.natural_keys(kinds) if keys is None else keys
    declared_keys = {
        address: (res.kind, keys[address]) for address, res in config.resources.items()
    }
    check_one_address_per_object(config, declared_keys, state, located)
    # Live objects accounted for: those the state holds, and those declared (imports).
    claimed = set(declared_keys.values()) | {
        (state.resources[address].kind, o.natural_key)
        for address, o in located.items()
        if o is not None
    }
    key = state.key_bytes
    changes: list[ResourceChange] = []
    drift: list[DriftChange] = []

    notes: list[str] = []
    for address, res in config.resources.items():
        if not selected(address, targets, excludes):
            continue
        prior = state.resources.get(address)
        obj = located.get(address) if prior is not None else live.by_key.get(declared_keys[address])
        check_manageable(address, obj)
        notes.extend(f"{address}: {note}" for note in (obj.notes if obj else ()))
        change, drifted = _plan_declared(
            res,
            kinds[res.kind],
            declared_keys[address][1],
            prior,
            obj,
            key,
            replace=address in replace,
            digests=digests,
        )
        if address in moved:
            change = change.model_copy(update={"moved_from": moved[address]})
        changes.append(change)
        if drifted is not None:
            drift.append(drifted)

    for address, prior in state.resources.items():
        if address in config.resources or not selected(address, targets, excludes):
            continue
        kind = kinds[prior.kind]
        obj = located[address]
        check_manageable(address, obj)
        name = address.split(".", 1)[1]
        drifted = _drift(address, prior.kind, name, prior, obj, kind.rules)
        if drifted is not None:
            drift.append(drifted)
        changes.append(
            ResourceChange(
                address=address,
                kind=prior.kind,
                name=name,
                action=Action.DELETE,
                reason="delete_because_no_resource_config",
                natural_key=prior.natural_key,
                remote_id=prior.remote_id,
                before=_before(obj, prior, kind.rules),
                after=None,
                sensitive_paths=_sensitive(prior.last_applied, kind.rules),
                fingerprint=diff.fingerprint(obj, kind.rules) if obj and digests else None,
                prior_digest=entry_digest(prior) if digests else None,
                prevent_destroy=prior.prevent_destroy,
                options=prior.options,
            )
        )

    unmanaged: list[Unmanaged] = []
    if not targets:
        for kind_name in sorted(observed):
            for o in observed[kind_name]:
                if (kind_name, o.natural_key) not in claimed:
                    unmanaged.append(
                        Unmanaged(
                            kind=kind_name,
                            natural_key=o.natural_key,
                            remote_id=o.remote_id,
                            values=o.values,
                        )
                    )

    if refresh_only:
        changes = []
    return Plan(
        lineage=lineage if state_exists else None,
        serial=serial if state_exists else 0,
        replace_requested=replace,
        notes=notes,
        config_digest=config.digest,
        changes=sorted(changes, key=lambda c: c.address),
        drift=sorted(drift, key=lambda d: d.address),
        unmanaged=sorted(unmanaged, key=lambda u: (u.kind, u.natural_key)),
        refresh_only=refresh_only,
    )


def _sensitive(values: dict[str, Any], rules: DiffRules) -> list[str]:
    found: set[str] = set()
    for pattern in rules.sensitive_paths:
        found.update(paths.format_path(p) for p in paths.expand(pattern, values))
    return sorted(found)


def _before(
    obj: Observed | None, prior: ResourceState | None, rules: DiffRules
) -> dict[str, Any] | None:
    if obj is None:
        return None
    desired = prior.last_applied if prior is not None else {}
    return current_values(obj, desired, prior, rules)


def _plan_declared(
    res: DesiredResource,
    kind: ResourceKind,
    nk: str,
    prior: ResourceState | None,
    obj: Observed | None,
    key: bytes,
    *,
    replace: bool = False,
    digests: bool = True,
) -> tuple[ResourceChange, DriftChange | None]:
    """``nk``: the resource's natural key. ``obj`` is the object the state recorded (with a
    prior), else the live object with the declared natural key (an import), else None."""
    rules = kind.rules
    desired = digest_secrets(kind.desired_values(res.spec), key)
    base: dict[str, Any] = dict(
        address=res.address,
        kind=res.kind,
        name=res.name,
        natural_key=nk,
        after=desired,
        sensitive_paths=_sensitive(desired, rules),
        prevent_destroy=res.spec.lifecycle.prevent_destroy,
        options=kind.options(res.spec),
        prior_digest=entry_digest(prior) if digests else None,
    )

    # Whether the live object already matches the desired values (the usual case, decided
    # without normalising either side where they are equal as they are); with the
    # last-applied values equal to the desired ones it also answers the drift check, which
    # compares the same sides leaving more keys out.
    fast = compiled(rules)
    settled = obj is not None and fast.same_as_normalised(desired, obj.values)
    as_desired = prior is not None and prior.last_applied == desired
    # Each side a step needs is normalised once and shared by the drift check, the
    # comparison and the fingerprint; the last-applied values are usually the desired ones.
    # (Views: they share what no rule reaches with the values; never changed here.)
    n_obj = n_desired = None
    if obj is not None and (not settled or digests or (prior is not None and not as_desired)):
        n_obj = fast.normalised_view(obj.values)
    if obj is not None and not settled:
        n_desired = fast.normalised_view(desired)
    drifted: DriftChange | None = None
    if prior is not None:
        n_prior = n_desired if as_desired else None
        settled_prior = settled and as_desired
        drifted = _drift(
            res.address,
            res.kind,
            res.name,
            prior,
            obj,
            rules,
            n_obj,
            n_prior,
            settled=settled_prior,
        )
        if obj is not None and prior.natural_key != nk:
            # The natural key itself changed (another account, region or name): the old
            # object cannot become the new one.
            before = current_values(obj, desired, prior, rules)
            return (
                ResourceChange(
                    **base,
                    action=Action.REPLACE,
                    reason="replace_because_natural_key_changed",
                    remote_id=obj.remote_id,
                    before_natural_key=prior.natural_key,
                    before=before,
                    changes=_mark_all(diff.compare(before, desired, rules)),
                    fingerprint=diff.fingerprint(obj, rules, n_obj) if digests else None,
                ),
                drifted,
            )
    importing = prior is None and obj is not None
    if obj is None:
        return ResourceChange(**base, action=Action.CREATE, before=None), drifted

    # No write-only field filled in: ``before`` is the observed values themselves (the live
    # objects are planned once and not used after; nothing changes either).
    before, filled = current_values_filled(obj, desired, prior, rules)
    if settled if not filled else fast.same_as_normalised(desired, before):
        changes = []  # what compare() finds for equal normalised sides, without its copies
    else:
        n_before = fast.normalised_view(before) if filled or n_obj is None else n_obj
        n_desired = n_desired if n_desired is not None else fast.normalised_view(desired)
        changes = diff.compare_normalised(
            paths.copy_json(n_before), paths.copy_json(n_desired), rules
        )
    common: dict[str, Any] = dict(
        importing=importing,
        remote_id=obj.remote_id,
        before=before,
        changes=changes,
        fingerprint=diff.fingerprint(obj, rules, n_obj) if digests else None,
        replace_paths=[c.path for c in changes if c.forces_replacement],
    )
    if replace:
        action, reason = Action.REPLACE, "replace_by_request"
    elif obj.health is not None:
        action, reason = Action.REPLACE, f"replace_because_unhealthy: {obj.health}"
    elif any(c.forces_replacement for c in changes):
        action, reason = Action.REPLACE, "replace_because_cannot_update"
    elif changes:
        action, reason = Action.UPDATE, None
    else:
        action, reason = Action.NOOP, None
    settings: list[str] = []
    if prior is not None:
        settings = sorted(
            f"options.{k}"
            for k in base["options"].keys() | prior.options.keys()
            if base["options"].get(k) != prior.options.get(k)
        )
        if prior.prevent_destroy != base["prevent_destroy"]:
            settings.append("lifecycle.prevent_destroy")
    return (
        ResourceChange(**base, action=action, reason=reason, settings_changed=settings, **common),
        drifted,
    )


def _drift(
    address: str,
    kind: str,
    name: str,
    prior: ResourceState,
    obj: Observed | None,
    rules: DiffRules,
    n_obj: dict[str, Any] | None = None,
    n_prior: dict[str, Any] | None = None,
    *,
    settled: bool = False,
) -> DriftChange | None:
    """What changed outside this tool since the last apply: readable fields only.

    ``n_obj``/``n_prior``: ``obj.values``/``prior.last_applied`` already normalised, if known.
    ``settled``: ``compiled(rules).same(n_prior, n_obj)`` is known to hold.
    """
    if obj is None:
        return DriftChange(address=address, kind=kind, name=name, gone=True)
    fast = compiled(rules)
    if fast.strip_commutes:
        if settled:  # equal on every compared key: equal on the readable ones too
            return None
        # compare() would find nothing: say so without building its copies. Anything else
        # (there is drift to describe): the long way.
        if n_obj is None:
            n_obj = fast.normalised_view(obj.values)
        if n_prior is None:
            n_prior = fast.normalised_view(prior.last_applied)
        if fast.same_readable(n_prior, n_obj):
            return None
    readable_prior = diff.readable(prior.last_applied, rules)
    readable_obj = diff.readable(obj.values, rules)
    for pattern in obj.unreported:  # not known yet: no drift either way
        for path in paths.expand(pattern, readable_prior):
            paths.remove(readable_prior, path)
            paths.remove(readable_obj, path)
    changed = diff.compare(readable_prior, readable_obj, rules, declared="before")
    if not changed:
        return None
    return DriftChange(address=address, kind=kind, name=name, changes=changed)


def _mark_all(changes: list[FieldChange]) -> list[FieldChange]:
    return [c.model_copy(update={"forces_replacement": True}) for c in changes]

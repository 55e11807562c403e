"""The canonical machine-readable view of a Plan, laid out like ``terraform show -json``.

Every other view (human, markdown) is drawn from this dict, so they cannot disagree. Secret
values never appear: sensitive leaves are ``null`` and marked ``true`` in
``before_sensitive``/``after_sensitive``, exactly where Terraform puts its marks.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from reconciler import __version__
from reconciler import redact as secrets_out
from reconciler.canonical import pretty_json
from reconciler.model import DriftChange, FieldChange, Plan, ResourceChange, Unmanaged
from reconciler.render.values import Segment, clean_text, parse_path, redact

# Terraform's action_reason is a token ("replace_because_tainted"); our reasons may carry a
# detail after it ("replace_because_unhealthy: collection NOT_FOUND").
_REASON = re.compile(r"^([a-z][a-z0-9_]*)(?::\s*(.*))?$", re.DOTALL)


def _patterns(paths: list[str]) -> list[list[Segment]]:
    return [parse_path(p) for p in paths]


def _sensitive_by_kind(plan: Plan) -> dict[str, list[list[Segment]]]:
    """Every sensitive path any change of a kind declares. Applied to that kind's drift and
    unmanaged objects too, which carry no list of their own."""
    paths: dict[str, set[str]] = {}
    for c in plan.changes:
        paths.setdefault(c.kind, set()).update(c.sensitive_paths)
    return {kind: _patterns(sorted(p)) for kind, p in paths.items()}


def _field(fc: FieldChange, patterns: list[list[Segment]]) -> dict[str, Any]:
    at = parse_path(fc.path)
    before, before_mask = redact(fc.before, at, patterns, sensitive=fc.sensitive)
    after, after_mask = redact(fc.after, at, patterns, sensitive=fc.sensitive)
    return {
        "path": clean_text(fc.path),
        "before": before,
        "after": after,
        "before_sensitive": before_mask,
        "after_sensitive": after_mask,
        "forces_replacement": fc.forces_replacement,
    }


def _change_body(
    actions: list[str],
    before: Any,
    after: Any,
    patterns: list[list[Segment]],
    replace_paths: list[str],
) -> dict[str, Any]:
    shown_before, before_mask = redact(before, [], patterns)
    shown_after, after_mask = redact(after, [], patterns)
    return {
        "actions": actions,
        "before": shown_before,
        "after": shown_after,
        # Nothing is unknown until apply here; kept for tools that read Terraform plans.
        "after_unknown": {} if isinstance(after, dict) else False,
        "before_sensitive": before_mask,
        "after_sensitive": after_mask,
        "replace_paths": [[_segment_text(s) for s in parse_path(p)] for p in replace_paths],
    }


def _segment_text(seg: Segment) -> Segment:
    return clean_text(seg) if isinstance(seg, str) else seg


def _resource_change(c: ResourceChange, patterns: list[list[Segment]]) -> dict[str, Any]:
    change = _change_body(
        c.action.terraform_actions(), c.before, c.after, patterns, sorted(c.replace_paths)
    )
    if c.importing:
        change["importing"] = {"id": clean_text(c.remote_id or c.natural_key)}
    entry: dict[str, Any] = {
        "address": clean_text(c.address),
        "mode": "managed",
        "type": c.kind,
        "name": clean_text(c.name),
        "natural_key": clean_text(c.natural_key),
        "remote_id": clean_text(c.remote_id) if c.remote_id is not None else None,
        "change": change,
        "field_changes": [_field(fc, patterns) for fc in c.changes],
        "prevent_destroy": c.prevent_destroy,
        # reconciler's own settings that apply records in the state without an API call.
        "settings_changed": list(c.settings_changed),
    }
    if c.moved_from is not None:
        entry["previous_address"] = clean_text(c.moved_from)  # Terraform's name for it
    if c.reason:
        match = _REASON.match(c.reason)
        entry["action_reason"] = clean_text(match.group(1) if match else c.reason)
        if match and match.group(2):
            entry["action_reason_detail"] = clean_text(match.group(2))
    return entry


def _set_at(obj: dict[str, Any], segments: list[Segment], value: Any) -> None:
    node: Any = obj
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        nxt: Any = [] if i + 1 < len(segments) and isinstance(segments[i + 1], int) else {}
        if isinstance(seg, int):
            if not isinstance(node, list):
                return
            while len(node) <= seg:
                node.append(None)
            if last:
                node[seg] = value
            elif not isinstance(node[seg], dict | list):
                node[seg] = nxt
            node = node[seg]
        else:
            if not isinstance(node, dict):
                return
            if last:
                if value is None:
                    node.pop(seg, None)
                else:
                    node[seg] = value
            elif not isinstance(node.get(seg), dict | list):
                node[seg] = nxt
            if not last:
                node = node[seg]


def _drift(
    d: DriftChange, base: dict[str, Any] | None, patterns: list[list[Segment]]
) -> dict[str, Any]:
    # Terraform's resource_drift: before = what was last applied, after = what exists now.
    # We hold the current object (the change's ``before``) and the drifted fields, so the
    # prior object is rebuilt by putting each field's old value back.
    now: dict[str, Any] = copy.deepcopy(base) if base else {}
    prior: dict[str, Any] = copy.deepcopy(now)
    for fc in d.changes:
        segments = parse_path(fc.path)
        if not segments:
            continue
        _set_at(prior, segments, copy.deepcopy(fc.before))
        _set_at(now, segments, copy.deepcopy(fc.after))
    body = _change_body(
        ["delete"] if d.gone else ["update"],
        prior if (prior or not d.gone) else None,
        None if d.gone else now,
        patterns,
        [],
    )
    return {
        "address": clean_text(d.address),
        "mode": "managed",
        "type": d.kind,
        "name": clean_text(d.name),
        "change": body,
        "field_changes": [_field(fc, patterns) for fc in d.changes],
    }


def _unmanaged(u: Unmanaged, patterns: list[list[Segment]], values: bool) -> dict[str, Any]:
    entry = {
        "type": u.kind,
        "natural_key": clean_text(u.natural_key),
        "remote_id": clean_text(u.remote_id),
    }
    if values:
        entry["values"], entry["values_sensitive"] = redact(u.values, [], patterns)
    return entry


def plan_to_json(plan: Plan, *, shown: bool = False) -> dict[str, Any]:
    """The view. ``shown``: only what the human and markdown views show, which is drawn from
    it: of the changes, those that do something (``Plan.actionable``; a no-op is left out),
    and the unmanaged objects without their values. A plan of one change among 10,000
    settled resources then builds one entry, not 10,000."""
    by_kind = _sensitive_by_kind(plan)
    changes = sorted(plan.changes, key=lambda c: c.address)
    current = {c.address: c.before for c in changes}
    listed = sorted(plan.actionable, key=lambda c: c.address) if shown else changes
    summary = plan.summary()
    # Values come from the APIs too: a registered secret inside one is removed from every
    # view (each is drawn from this one).
    return secrets_out.deep(  # type: ignore[no-any-return]
        {
            "format_version": plan.format_version,
            "reconciler_version": __version__,
            "lineage": plan.lineage,
            "serial": plan.serial,
            "config_digest": plan.config_digest,
            "refresh_only": plan.refresh_only,
            "has_changes": plan.has_changes(),
            "resource_changes": [_resource_change(c, by_kind.get(c.kind, [])) for c in listed],
            "resource_drift": [
                _drift(d, current.get(d.address), by_kind.get(d.kind, []))
                for d in sorted(plan.drift, key=lambda d: d.address)
            ],
            "unmanaged": [
                _unmanaged(u, by_kind.get(u.kind, []), values=not shown)
                for u in sorted(plan.unmanaged, key=lambda u: (u.kind, u.natural_key, u.remote_id))
            ],
            "fingerprints": {
                clean_text(c.address): c.fingerprint for c in changes if c.fingerprint is not None
            },
            "notes": [clean_text(note) for note in plan.notes],
            "prevent_destroy_conflicts": [
                clean_text(c.address) for c in changes if c.prevent_destroy and c.action.destroys
            ],
            "summary": {
                "import": summary.import_,
                "add": summary.add,
                "change": summary.change,
                "destroy": summary.destroy,
                "line": summary.line(),
            },
        }
    )


def settings_notes(view: dict[str, Any]) -> list[str]:
    """One sentence per resource whose reconciler-only settings (or [[moved]] address) apply
    will record."""
    if view["refresh_only"]:
        return []
    notes: list[str] = []
    for e in view["resource_changes"]:
        if e.get("previous_address"):
            notes.append(
                f"{e['address']}: moved from {e['previous_address']}; apply records the new "
                "address in the state (no API call)"
            )
        if e.get("settings_changed"):
            notes.append(
                f"{e['address']}: apply will record {', '.join(e['settings_changed'])} in the "
                "state (no API call)"
            )
    return notes


def render_json(plan: Plan) -> str:
    return pretty_json(plan_to_json(plan), sort_keys=True)

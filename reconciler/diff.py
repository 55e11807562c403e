"""Field-level comparison of two values of one kind: the only module that uses deepdiff.

Both sides are first normalised by the kind's ``DiffRules`` (data, not code):
ignored paths dropped, ``null``/absent lists made ``[]``, set-like lists sorted and
de-duplicated, computed paths dropped when the desired side leaves them to the server.
deepdiff then finds every difference; a difference anywhere inside a list is reported once at
the path of that list, so a plan reads ``tags: [a, b] -> [a, c]`` rather than index noise.
"""

from __future__ import annotations

import hashlib
from typing import Any

from reconciler import paths
from reconciler.canonical import canonical_json
from reconciler.kinds.base import DiffRules, Observed
from reconciler.model import FieldChange
from reconciler.rule_tree import compiled


def normalise(values: dict[str, Any], rules: DiffRules) -> dict[str, Any]:
    """A copy of ``values`` in the form the rules compare (see ``reconciler.rule_tree``)."""
    return compiled(rules).normalise(values)


def _drop_computed(desired: dict[str, Any], current: dict[str, Any], rules: DiffRules) -> None:
    for pattern in rules.computed_paths:
        found = set(paths.expand(pattern, desired)) | set(paths.expand(pattern, current))
        for path in found:
            if paths.get(desired, path) is None:
                paths.remove(desired, path)
                paths.remove(current, path)


def _collapse(path: paths.Path) -> paths.Path:
    for i, seg in enumerate(path):
        if isinstance(seg, int):
            return path[:i]
    return path


def compare(
    before: dict[str, Any],
    after: dict[str, Any],
    rules: DiffRules,
    *,
    declared: str = "after",
) -> list[FieldChange]:
    """Every field where ``after`` differs from ``before``.

    ``declared`` names the side that holds what the configuration declares ("after" for a
    plan: desired vs current; "before" for drift: last applied vs observed); computed paths are
    compared only where that side sets them. Values must be plain JSON (secrets as digests).
    """
    return compare_normalised(
        normalise(before, rules), normalise(after, rules), rules, declared=declared
    )


def compare_normalised(
    b: dict[str, Any], a: dict[str, Any], rules: DiffRules, *, declared: str = "after"
) -> list[FieldChange]:
    """``compare`` of two values already normalised (``normalise``); changes ``b`` and ``a``."""
    if declared == "after":
        _drop_computed(a, b, rules)
    else:
        _drop_computed(b, a, rules)
    if a == b:  # the common case in a settled configuration: skip deepdiff entirely
        return []
    # Imported here: a settled plan (and validate) never pays for loading deepdiff.
    from deepdiff import DeepDiff

    diff = DeepDiff(b, a, view="tree", verbose_level=2)
    found: set[paths.Path] = set()
    for report in diff.values():
        for level in report:
            raw = level.path(output_format="list")
            found.add(_collapse(tuple(raw)))
    changes = []
    for path in sorted(found, key=lambda p: paths.format_path(p)):
        changes.append(
            FieldChange(
                path=paths.format_path(path) or "(root)",
                before=paths.get(b, path),
                after=paths.get(a, path),
                sensitive=any(paths.overlaps(p, path) for p in rules.sensitive_paths),
                forces_replacement=any(paths.overlaps(p, path) for p in rules.replace_paths),
            )
        )
    return changes


def readable(values: dict[str, Any], rules: DiffRules) -> dict[str, Any]:
    """``values`` without the write-only fields (what an API read can be compared against)."""
    out: dict[str, Any] = paths.copy_json(compiled(rules).readable(values))
    return out


def fingerprint(obj: Observed, rules: DiffRules, normalised: dict[str, Any] | None = None) -> str:
    """Digest of a live object as the rules compare it: list order in set-like fields and
    other non-meaningful differences do not change it. ``normalised``: ``obj.values``
    already normalised, when the caller has it."""
    if normalised is None:
        normalised = compiled(rules).normalised_view(obj.values)  # only read here
    blob = canonical_json(
        {"id": obj.remote_id, "values": normalised, "health": obj.health}, default=str
    )
    return "sha256:" + hashlib.sha256(blob).hexdigest()

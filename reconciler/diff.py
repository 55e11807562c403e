"""Field-level comparison of two values of one kind: the only module that uses deepdiff.

Both sides are first normalised by the kind's ``DiffRules`` (data, not code):
ignored paths dropped, ``null``/absent lists made ``[]``, set-like lists sorted and
de-duplicated, computed paths dropped when the desired side leaves them to the server.
deepdiff then finds every difference; a difference anywhere inside a list is reported once at
the path of that list, so a plan reads ``tags: [a, b] -> [a, c]`` rather than index noise.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler import paths
from reconciler.kinds.base import DiffRules, Observed
from reconciler.model import FieldChange


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _depth(pattern: str) -> int:
    return len(paths.parse_pattern(pattern))


def normalise(values: dict[str, Any], rules: DiffRules) -> dict[str, Any]:
    """A copy of ``values`` in the form the rules compare."""
    out: dict[str, Any] = paths.copy_json(values)
    for pattern in rules.ignored_paths:
        for path in list(paths.expand(pattern, out)):
            paths.remove(out, path)
    for pattern in rules.null_as_empty:
        segs = paths.parse_pattern(pattern)
        parent_pattern = _join(segs[:-1])
        last = segs[-1]
        parents = [()] if not segs[:-1] else list(paths.expand(parent_pattern, out))
        for parent in parents:
            node = paths.get(out, parent)
            if isinstance(node, dict) and node.get(last) is None:
                node[last] = []
    # Innermost lists first, so an outer set of objects sorts by already-sorted members.
    for pattern in sorted(rules.set_paths, key=_depth, reverse=True):
        for path in list(paths.expand(pattern, out)):
            node = paths.get(out, path)
            if isinstance(node, list):
                unique = {_canonical(item): item for item in node}
                sorted_items = [unique[k] for k in sorted(unique)]
                if path:
                    paths.put(out, path, sorted_items)
    return out


def _join(segs: tuple[str, ...]) -> str:
    out = ""
    for s in segs:
        out += s if s.startswith("[") or not out else f".{s}"
    return out


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
    b = normalise(before, rules)
    a = normalise(after, rules)
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
    out: dict[str, Any] = paths.copy_json(values)
    for pattern in (*rules.write_only_paths, *rules.sensitive_paths):
        for path in list(paths.expand(pattern, out)):
            paths.remove(out, path)
    return out


def fingerprint(obj: Observed, rules: DiffRules) -> str:
    """Digest of a live object as the rules compare it: list order in set-like fields and
    other non-meaningful differences do not change it."""
    blob = json.dumps(
        {"id": obj.remote_id, "values": normalise(obj.values, rules), "health": obj.health},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()

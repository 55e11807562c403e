"""Diff lines and wording drawn from the JSON view; the human and markdown views share them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.kinds import connections
from reconciler.render.values import Mask, format_value, leaves, parse_path

NO_CHANGES = "No changes. Your infrastructure matches the configuration."
NO_DRIFT = "No changes. Your infrastructure still matches the configuration."

# Lists with more items than this, or longer than LONG_TEXT on one line, print one item a line.
LONG_LIST = 3
LONG_TEXT = 80

SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "-/+",
    "delete": "-",
    "import": "=",
}
STYLES = {
    "create": "green",
    "update": "yellow",
    "replace": "magenta",
    "delete": "red",
    "import": "cyan",
}
LEGEND = {
    "create": "create",
    "update": "update in-place",
    "replace": "destroy and then create replacement",
    "delete": "destroy",
    "import": "import (adopt as it is)",
}
_DONE = {
    "create": "created",
    "update": "updated in-place",
    "replace": "replaced",
    "delete": "destroyed",
}
ORDER = ("import", "create", "update", "replace", "delete")


@dataclass(frozen=True)
class Line:
    op: str  # "+", "-", "~" or " " (unchanged)
    path: str
    before: Any = None
    before_mask: Mask = False
    after: Any = None
    after_mask: Mask = False
    forces_replacement: bool = False


def actionable(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of a plan's JSON view that change something (an import included)."""
    return [
        e
        for e in view["resource_changes"]
        if e["change"]["actions"] != ["no-op"] or "importing" in e["change"]
    ]


def action_of(entry: dict[str, Any]) -> str:
    """create / update / replace / delete / no-op, or import for a pure adoption."""
    actions = entry["change"]["actions"]
    if actions == ["delete", "create"]:
        return "replace"
    action: str = actions[0]
    if action == "no-op" and "importing" in entry["change"]:
        return "import"
    return action


def describe(entry: dict[str, Any], *, place: bool = True) -> str:
    """ "will be created", and where when the object is reached through a named connection
    (unless ``place`` is false: one heading shared by several resources)."""
    action = action_of(entry)
    where = through(entry) if place else ""
    if action == "import":
        return "will be imported" + where
    text = "must be replaced" if action == "replace" else f"will be {_DONE[action]}"
    if "importing" in entry["change"]:
        text = f"will be imported, then {_DONE[action]}"
    return text + where


def through(entry: dict[str, Any]) -> str:
    """The named connection of an object, " (through prod: eu-west-1/vended-logs)" (nothing
    for the default one), so that two objects that look alike (one name in two accounts)
    read apart."""
    connection, rest = connections.split(str(entry.get("natural_key", "")))
    return "" if connection is None else f" (through {connection}: {rest})"


def describe_drift(entry: dict[str, Any]) -> str:
    return "has been deleted" if entry["change"]["actions"] == ["delete"] else "has changed"


def reason(entry: dict[str, Any]) -> str | None:
    if "action_reason" not in entry:
        return None
    detail = entry.get("action_reason_detail")
    return f"{entry['action_reason']}: {detail}" if detail else str(entry["action_reason"])


def is_long(value: Any, mask: Mask) -> bool:
    if mask is True:
        return False
    if isinstance(value, list) and len(value) > LONG_LIST:
        return True
    return isinstance(value, list | dict) and len(format_value(value, mask)) > LONG_TEXT


def _present(value: Any, mask: Mask) -> bool:
    return value is not None or mask is True


def field_lines(fc: dict[str, Any]) -> list[Line]:
    before, bmask = fc["before"], fc["before_sensitive"]
    after, amask = fc["after"], fc["after_sensitive"]
    force = bool(fc["forces_replacement"])
    at = parse_path(fc["path"])
    has_before, has_after = _present(before, bmask), _present(after, amask)
    if has_before and has_after:
        if isinstance(before, dict) and isinstance(after, dict) and bmask is not True:
            return _object_lines(before, bmask, after, amask, at, force)
        return [Line("~", fc["path"], before, bmask, after, amask, force)]
    if has_after:
        return [Line("+", p, None, False, v, m, force) for p, v, m in leaves(after, amask, at)]
    if has_before:
        return [Line("-", p, v, m, None, False, force) for p, v, m in leaves(before, bmask, at)]
    return []


def _object_lines(
    before: dict[str, Any], bmask: Mask, after: dict[str, Any], amask: Mask, at: Any, force: bool
) -> list[Line]:
    old = {p: (v, m) for p, v, m in leaves(before, bmask, at)}
    new = {p: (v, m) for p, v, m in leaves(after, amask, at)}
    out: list[Line] = []
    for path in sorted(old.keys() | new.keys()):
        if path in old and path in new:
            (bv, bm), (av, am) = old[path], new[path]
            if bm is True or am is True or bv != av:
                out.append(Line("~", path, bv, bm, av, am, force))
        elif path in new:
            out.append(Line("+", path, None, False, *new[path], force))
        else:
            out.append(Line("-", path, *old[path], None, False, force))
    return out


def _related(path: str, changed: str) -> bool:
    for a, b in ((path, changed), (changed, path)):
        if a == b or a.startswith(b + ".") or a.startswith(b + "["):
            return True
    return False


def resource_lines(entry: dict[str, Any], *, unchanged: bool = False) -> list[Line]:
    """The field diff of one resource change (or drift) entry, sorted by path. With
    ``unchanged``, fields an update leaves alone are listed too (op " "). Null fields of a
    whole object (create, delete, unchanged) are left out, as Terraform does."""
    change = entry["change"]
    actions = change["actions"]
    if actions == ["create"]:
        return [
            Line("+", p, None, False, v, m)
            for p, v, m in leaves(change["after"], change["after_sensitive"], [])
            if p and _present(v, m)
        ]
    if actions == ["delete"] and not entry["field_changes"]:
        return [
            Line("-", p, v, m)
            for p, v, m in leaves(change["before"], change["before_sensitive"], [])
            if p and _present(v, m)
        ]
    out: list[Line] = []
    for fc in entry["field_changes"]:
        out.extend(field_lines(fc))
    if unchanged:
        side, mask = change["after"], change["after_sensitive"]
        if side is None:
            side, mask = change["before"], change["before_sensitive"]
        changed = [fc["path"] for fc in entry["field_changes"]]
        for p, v, m in leaves(side, mask, []):
            if p and _present(v, m) and not any(_related(p, c) for c in changed):
                out.append(Line(" ", p, v, m, v, m))
    return sorted(out, key=lambda line: line.path)

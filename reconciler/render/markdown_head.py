"""The head of the pull-request view (the summary line and the destroy/replace warning) and
the markdown pieces every part of that view shares."""

from __future__ import annotations

import html
import re
from typing import Any

from reconciler.render.lines import NO_CHANGES, NO_DRIFT, action_of, actionable

HEADINGS = {
    "import": "will be imported",
    "create": "will be created",
    "update": "will be updated in-place",
    "replace": "must be replaced",
    "delete": "will be destroyed",
}
TRAILER_ROOM = len("- ... and 9999999999 more\n")

_BACKTICKS = re.compile(r"`+")


def code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def fence(body: str) -> str:
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}diff\n{body}{fence}\n"


# -- the head: summary and warning -------------------------------------------------------


def _destroyed(view: dict[str, Any]) -> list[tuple[str, str, bool]]:
    conflicts = set(view["prevent_destroy_conflicts"])
    return [
        (e["address"], action_of(e), e["address"] in conflicts)
        for e in actionable(view)
        if action_of(e) in ("delete", "replace")
    ]


def _warning_item(address: str, action: str, conflict: bool) -> str:
    text = f"> - {code(address)} {HEADINGS[action]}"
    if conflict:
        text += " (**lifecycle.prevent_destroy is set on it**)"
    return text + "\n"


def warning(view: dict[str, Any], budget: int | None) -> str:
    destroyed = _destroyed(view)
    if not destroyed:
        return ""
    conflicts = sum(1 for *_, c in destroyed if c)
    opening = "> [!WARNING]\n"
    count = f"{len(destroyed)} resource{'s' if len(destroyed) != 1 else ''}"
    protected = f" ({conflicts} protected by lifecycle.prevent_destroy)" if conflicts else ""
    full = (
        opening
        + f"> This plan destroys or replaces {count}{protected}:\n"
        + "".join(_warning_item(*d) for d in destroyed)
        + "\n"
    )
    if budget is None or len(full) <= budget:
        return full
    # Too long even alone: counts, then as many addresses as fit, protected ones first.
    ordered = sorted(destroyed, key=lambda d: (not d[2], d[0]))
    text = opening + f"> This plan destroys or replaces {count}{protected}. The first ones:\n"
    shown = 0
    for item in ordered:
        line = _warning_item(*item)
        if len(text) + len(line) + TRAILER_ROOM + 1 > budget:
            break
        text += line
        shown += 1
    if shown < len(ordered):
        text += f"> - ... and {len(ordered) - shown} more\n"
    return text + "\n"


def summary(view: dict[str, Any]) -> str:
    text = str(view["summary"]["line"]) + "\n\n"
    if view["refresh_only"]:
        drifted = len(view["resource_drift"])
        if not drifted:
            return text + NO_DRIFT + "\n\n"
        plural = "s" if drifted != 1 else ""
        return text + f"Refresh-only plan: {drifted} object{plural} changed outside reconciler.\n\n"
    if not view["has_changes"]:  # Plan.has_changes: renames and settings to record count
        text += NO_CHANGES + "\n\n"
    return text

"""The pull-request view: markdown that always fits in one comment.

Layout: the summary line, the warning block (every address destroyed or replaced), the
changes, drift, unmanaged objects, then the plan file digest.

Identical changes are shown once: resources whose action and changed values are the same (40
accounts turning ``metrics_config.collect_custom_metrics`` from false to true) make one
entry with the change and the list of their addresses. A change seen on one resource only
gets its own ``<details>`` block.

When the whole does not fit in ``limit`` characters, the detail shrinks in steps: every field,
changed fields, changed paths, then lists of addresses per action, then those lists cut
short. A shared change keeps its values at every step (they are written once); only its list
of addresses is ever cut. The summary, the warning block and the digest line are never cut,
except that a warning block too long on its own collapses to counts plus the first addresses.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from reconciler.model import Plan
from reconciler.render.json_plan import plan_to_json, settings_notes
from reconciler.render.lines import (
    ORDER,
    Line,
    action_of,
    actionable,
    describe,
    describe_drift,
    is_long,
    reason,
    resource_lines,
    through,
)
from reconciler.render.markdown_head import (
    HEADINGS,
    TRAILER_ROOM,
    code,
    fence,
    summary,
    warning,
)
from reconciler.render.values import clean_text, format_items, format_value

GITHUB_COMMENT_LIMIT = 65536
MIN_LIMIT = 1024

# Detail levels, tried in order until the text fits.
FULL = 0  # every field, unchanged ones included
CHANGED = 1  # changed fields only
PATHS = 2  # changed paths only, no values
# Past PATHS: a plain list of addresses per section, then those lists cut short.

# Left for the body when the warning block has to collapse: its headings and "... and N more".
_BODY_ROOM = 512


# -- per-resource detail --------------------------------------------------------------------


def _value_lines(op: str, path: str, value: Any, mask: Any, tail: str) -> list[str]:
    if isinstance(value, list) and is_long(value, mask):
        items = [f"{op}     {item},\n" for item in format_items(value, mask)]
        return [f"{op} {path}: [{tail}\n", *items, f"{op}   ]\n"]
    return [f"{op} {path}: {format_value(value, mask)}{tail}\n"]


def _diff_lines(line: Line, level: int) -> list[str]:
    tail = "  # forces replacement" if line.forces_replacement else ""
    if level >= PATHS:
        return [f"{'!' if line.op == '~' else line.op} {line.path}{tail}\n"]
    if line.op == " ":
        return _value_lines(" ", line.path, line.after, line.after_mask, "")
    if line.op == "+":
        return _value_lines("+", line.path, line.after, line.after_mask, tail)
    if line.op == "-":
        return _value_lines("-", line.path, line.before, line.before_mask, tail)
    both_lists = isinstance(line.before, list) and isinstance(line.after, list)
    if both_lists and (
        is_long(line.before, line.before_mask) or is_long(line.after, line.after_mask)
    ):
        before = format_items(line.before, line.before_mask)
        after = format_items(line.after, line.after_mask)
        remaining = list(before)
        out = [f"  {line.path}: [{tail}\n"]
        for item in after:
            if item in remaining:
                remaining.remove(item)
                out.append(f"      {item},\n")
            else:
                out.append(f"+     {item},\n")
        out.extend(f"-     {item},\n" for item in remaining)
        return [*out, "    ]\n"]
    return [
        *_value_lines("-", line.path, line.before, line.before_mask, ""),
        *_value_lines("+", line.path, line.after, line.after_mask, tail),
    ]


def _details(summary: str, notes: list[str], lines: list[Line], level: int) -> str:
    text = f"<details><summary>{summary}</summary>\n\n"
    text += "".join(f"{note}\n\n" for note in notes)
    body = "".join(part for line in lines for part in _diff_lines(line, level))
    if body:
        text += fence(body) + "\n"
    return text + "</details>\n"


def _change_notes(entry: dict[str, Any]) -> list[str]:
    """Notes as HTML-safe markdown."""
    notes: list[str] = []
    why = reason(entry)
    if why:
        notes.append(f"Because {code(why)}.")
    if "importing" in entry["change"]:
        notes.append(f"Imported from {code(entry['change']['importing']['id'])}.")
    if entry["prevent_destroy"] and action_of(entry) in ("delete", "replace"):
        notes.append("lifecycle.prevent_destroy is set on this resource.")
    return notes


def _change_detail(entry: dict[str, Any], level: int) -> str:
    summary = f"{code(entry['address'])} {describe(entry)}"
    lines = resource_lines(entry, unchanged=level == FULL)
    return _details(summary, _change_notes(entry), lines, level)


def _drift_detail(entry: dict[str, Any], level: int) -> str:
    summary = f"{code(entry['address'])} {describe_drift(entry)}"
    gone = entry["change"]["actions"] == ["delete"]
    notes = ["It no longer exists; it was deleted outside reconciler."] if gone else []
    return _details(summary, notes, resource_lines(entry), level)


# -- shared changes ---------------------------------------------------------------------------

# Fewest resources with one identical change for it to be shown once with their addresses.
SHARED_MIN = 2


@dataclass
class Shared:
    """Resources whose change reads the same: one heading, one diff, every address."""

    action: str
    heading: str  # "will be updated in-place", ...
    notes: list[str]
    lines: list[Line]
    addresses: list[str] = field(default_factory=list)
    # Each address's connection, " (through eu: ...)" or "": one group can span several.
    places: list[str] = field(default_factory=list)


def _shared_key(entry: dict[str, Any]) -> tuple[str, ...]:
    # What the reviewer reads for this resource, less its address and its own import id.
    notes = [n for n in _change_notes(entry) if not n.startswith("Imported from")]
    body = [part for line in resource_lines(entry) for part in _diff_lines(line, CHANGED)]
    return (describe(entry, place=False), *notes, "\0", *body)


_Split = tuple[list[dict[str, Any]], list[Shared]]  # shown one by one, shared


def _split(view: dict[str, Any]) -> _Split:
    """The entries shown one by one, and the changes shared by SHARED_MIN or more resources
    (creates, deletes and changes without field lines are never merged)."""
    by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for entry in actionable(view):
        by_key.setdefault(_shared_key(entry), []).append(entry)
    singles: list[dict[str, Any]] = []
    shared: list[Shared] = []
    for members in by_key.values():
        first = members[0]
        action = action_of(first)
        lines = resource_lines(first)
        if len(members) < SHARED_MIN or action in ("create", "delete") or not lines:
            singles.extend(members)
            continue
        notes = [n for n in _change_notes(first) if not n.startswith("Imported from")]
        addresses = [e["address"] for e in members]
        places = [through(e) for e in members]
        heading = describe(first, place=False)
        shared.append(Shared(action, heading, notes, lines, addresses, places))
    singles.sort(key=lambda e: str(e["address"]))
    shared.sort(key=lambda g: (ORDER.index(g.action), g.addresses[0]))
    return singles, shared


@dataclass
class Section:
    """A heading and its items (addresses, notes); ``tail`` closes what ``head`` opened. Only
    items are ever cut, so a heading (with a shared change's values) outlives its list."""

    head: str
    items: list[str]
    tail: str = ""


def _shared_section(group: Shared) -> Section:
    count = len(group.addresses)
    head = f"**{count} resources {group.heading}**, each with the same change:\n\n"
    head += "".join(f"{note}\n\n" for note in group.notes)
    body = "".join(part for line in group.lines for part in _diff_lines(line, CHANGED))
    head += fence(body) + "\n"
    head += f"<details><summary>The {count} addresses</summary>\n\n"
    items = [
        f"- {code(a)}{html.escape(place)}\n"
        for a, place in zip(group.addresses, group.places, strict=True)
    ]
    return Section(head, items, "\n</details>\n\n")


# -- sections -------------------------------------------------------------------------------


def _sections(view: dict[str, Any], split: _Split) -> list[Section]:
    sections: list[Section] = []
    if not view["refresh_only"]:
        singles, shared = split
        by_action: dict[str, list[str]] = {}
        for e in singles:
            by_action.setdefault(action_of(e), []).append(f"- {code(e['address'])}\n")
        for action in ORDER:
            first = not sections
            if action in by_action:
                heading = f"**{HEADINGS[action]}** ({len(by_action[action])}):\n\n"
                sections.append(Section(heading, by_action[action], "\n"))
            sections.extend(_shared_section(g) for g in shared if g.action == action)
            if first and sections:
                sections[0].head = "### Changes\n\n" + sections[0].head
    drift = view["resource_drift"]
    if drift:
        items = [f"- {code(e['address'])} {describe_drift(e)}\n" for e in drift]
        sections.append(Section("\n### Objects changed outside reconciler\n\n", items))
    sections.extend(_unmanaged_group(view))
    sections.extend(_settings_group(view))
    sections.extend(_notes_group(view))
    return sections


def _notes_group(view: dict[str, Any]) -> list[Section]:
    if not view["notes"]:
        return []
    items = [f"- {clean_text(n)}\n" for n in view["notes"]]
    return [Section("\n### Notes\n\n", items)]


def _settings_group(view: dict[str, Any]) -> list[Section]:
    notes = settings_notes(view)
    if not notes:
        return []
    items = [f"- {clean_text(n)}\n" for n in notes]
    return [Section("\n### Settings recorded in the state\n\n", items)]


def _unmanaged_group(view: dict[str, Any]) -> list[Section]:
    if not view["unmanaged"]:
        return []
    items = [
        f"- {clean_text(u['type'])} {code(u['natural_key'])} (id {code(u['remote_id'])})\n"
        for u in view["unmanaged"]
    ]
    heading = (
        "\n### Unmanaged\n\nThese exist remotely but are in neither the configuration nor the "
        "state; reconciler never touches them.\n\n"
    )
    return [Section(heading, items)]


def _detailed(view: dict[str, Any], split: _Split, level: int) -> str:
    text = ""
    if not view["refresh_only"]:
        singles, shared = split
        if singles or shared:
            text += "### Changes\n\n"
            text += "".join(_render(_shared_section(g)) for g in shared)
            text += "".join(_change_detail(e, level) for e in singles)
    if view["resource_drift"]:
        text += "\n### Objects changed outside reconciler\n\n"
        text += "".join(_drift_detail(e, level) for e in view["resource_drift"])
    for section in (*_unmanaged_group(view), *_settings_group(view), *_notes_group(view)):
        text += _render(section)
    return text


def _render(section: Section) -> str:
    return section.head + "".join(section.items) + section.tail


def _listed(sections: list[Section]) -> str:
    return "".join(_render(s) for s in sections)


def _cut(section: Section, shown: int) -> str:
    text = section.head + "".join(section.items[:shown])
    if shown < len(section.items):
        text += f"- ... and {len(section.items) - shown} more\n"
    return text + section.tail


def _truncated(sections: list[Section], budget: int) -> str:
    """Every heading, and the items shared out fairly: one item of each list in turn while
    they fit, so a long first list cannot leave a later one (a shared change's addresses)
    with none."""
    room = budget - sum(len(s.head) + len(s.tail) + TRAILER_ROOM for s in sections)
    if room < 0:
        return _greedy(sections, budget)
    shown = [0] * len(sections)
    progress = True
    while progress:
        progress = False
        for i, section in enumerate(sections):
            if shown[i] < len(section.items) and len(section.items[shown[i]]) <= room:
                room -= len(section.items[shown[i]])
                shown[i] += 1
                progress = True
    return "".join(_cut(s, n) for s, n in zip(sections, shown, strict=True))


def _greedy(sections: list[Section], budget: int) -> str:
    """Too many headings for all of them to fit: each in turn while it fits, with room kept
    for every later one; a heading that cannot fit is left out."""
    out = ""
    for i, section in enumerate(sections):
        # Keep room for every later heading, its "... and N more" line and its tail.
        later = sum(len(s.head) + len(s.tail) + TRAILER_ROOM for s in sections[i + 1 :])
        own = len(section.head) + len(section.tail) + TRAILER_ROOM
        if len(out) + own + later > budget:
            continue
        shown = 0
        used = len(out) + own + later
        for item in section.items:
            if used + len(item) > budget:
                break
            used += len(item)
            shown += 1
        out += _cut(section, shown)
    return out


def _body(view: dict[str, Any], budget: int) -> str:
    # Grouping reads every change's lines: done once for every level tried below.
    split: _Split = ([], []) if view["refresh_only"] else _split(view)
    for level in (FULL, CHANGED, PATHS):
        text = _detailed(view, split, level)
        if len(text) <= budget:
            return text
    sections = _sections(view, split)
    text = _listed(sections)
    if len(text) <= budget:
        return text
    return _truncated(sections, budget)


def render_markdown(
    plan: Plan, *, plan_digest: str | None, limit: int = GITHUB_COMMENT_LIMIT
) -> str:
    if limit < MIN_LIMIT:
        raise ValueError(f"markdown limit must be at least {MIN_LIMIT} characters, got {limit}")
    view = plan_to_json(plan, shown=True)
    footer = f"\nPlan file digest: {clean_text(plan_digest)}\n" if plan_digest else ""
    head = summary(view)
    if not view["refresh_only"]:
        block = warning(view, None)
        if len(head) + len(block) + len(footer) > limit:
            block = warning(view, limit - len(head) - len(footer) - _BODY_ROOM)
        head += block
    text = head + _body(view, limit - len(head) - len(footer))
    # The limit is a hard promise, and the digest line is what the merge job checks: any cut
    # (only an absurdly long digest string could force one) spares the footer.
    return text[: max(0, limit - len(footer))] + footer

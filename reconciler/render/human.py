"""The terminal view: Terraform-like text drawn from the JSON view.

Every piece of plan text goes through ``rich.text.Text`` (never markup), so a value holding
``[bold]`` prints as itself. ``--no-color`` is the caller's ``Console(no_color=True)``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from reconciler.model import Plan
from reconciler.render.json_plan import plan_to_json, settings_notes
from reconciler.render.lines import (
    LEGEND,
    NO_CHANGES,
    NO_DRIFT,
    ORDER,
    STYLES,
    SYMBOLS,
    Line,
    action_of,
    actionable,
    describe,
    describe_drift,
    is_long,
    reason,
    resource_lines,
)
from reconciler.render.values import format_items, format_value

_OP_STYLE = {"+": "green", "-": "red", "~": "yellow", " ": ""}
_INDENT = "      "


def _list_diff(line: Line) -> list[tuple[str, str]]:
    before = format_items(line.before, line.before_mask)
    after = format_items(line.after, line.after_mask)
    remaining = list(before)
    out: list[tuple[str, str]] = []
    for item in after:
        if item in remaining:
            remaining.remove(item)
            out.append((" ", item))
        else:
            out.append(("+", item))
    out.extend(("-", item) for item in remaining)
    return out


def _field(line: Line) -> list[Text]:
    head = Text(_INDENT)
    head.append(line.op, style=_OP_STYLE[line.op])
    head.append(f" {line.path}: ")
    tail = Text(" # forces replacement", style="red") if line.forces_replacement else Text()
    texts: list[Text] = []
    if line.op == "~":
        both_lists = isinstance(line.before, list) and isinstance(line.after, list)
        long = is_long(line.before, line.before_mask) or is_long(line.after, line.after_mask)
        if both_lists and long:
            head.append("[")
            head.append_text(tail)
            texts.append(head)
            for op, item in _list_diff(line):
                row = Text(_INDENT + "    ")
                row.append(op, style=_OP_STYLE[op])
                row.append(f" {item},")
                texts.append(row)
            texts.append(Text(_INDENT + "  ]"))
            return texts
        head.append(format_value(line.before, line.before_mask))
        head.append(" -> ")
        head.append(format_value(line.after, line.after_mask))
        head.append_text(tail)
        return [head]
    value, mask = (
        (line.before, line.before_mask) if line.op == "-" else (line.after, line.after_mask)
    )
    if isinstance(value, list) and is_long(value, mask):
        head.append("[")
        head.append_text(tail)
        texts.append(head)
        texts.extend(Text(f"{_INDENT}      {item},") for item in format_items(value, mask))
        texts.append(Text(_INDENT + "  ]"))
        return texts
    head.append(format_value(value, mask))
    head.append_text(tail)
    return [head]


def _block(
    entry: dict[str, Any], heading: str, action: str, notes: list[str], lines: list[Line]
) -> list[Text]:
    style = STYLES.get(action, "")
    out = [Text.assemble("  # ", (entry["address"], "bold"), f" {heading}")]
    out.extend(Text(f"  # ({note})") for note in notes)
    if not lines:
        return out
    opener = Text("  ")
    opener.append(SYMBOLS.get(action, "~"), style=style)
    opener.append(f" {entry['address']} {{")
    out.append(opener)
    for line in lines:
        out.extend(_field(line))
    out.append(Text("    }"))
    return out


def _change(entry: dict[str, Any]) -> list[Text]:
    action = action_of(entry)
    notes: list[str] = []
    why = reason(entry)
    if why:
        notes.append(f"because {why}")
    if "importing" in entry["change"]:
        notes.append(f"imported from {format_value(entry['change']['importing']['id'])}")
    out = _block(entry, describe(entry), action, notes, resource_lines(entry))
    if entry["prevent_destroy"] and action in ("delete", "replace"):
        out.append(
            Text(
                f"  ! lifecycle.prevent_destroy is set on {entry['address']}, "
                "but this plan would destroy it",
                style="bold red",
            )
        )
    return out


def _drift(view: dict[str, Any]) -> list[Text]:
    out = [
        Text("Objects changed outside reconciler", style="bold"),
        Text("reconciler found these differences from what it last applied:"),
        Text(),
    ]
    for entry in view["resource_drift"]:
        gone = entry["change"]["actions"] == ["delete"]
        action = "delete" if gone else "update"
        out.extend(_block(entry, describe_drift(entry), action, [], resource_lines(entry)))
        out.append(Text())
    return out


# Unmanaged objects listed one by one; the rest are counted (a first plan in a large
# organisation may find thousands).
UNMANAGED_SHOWN = 50


def _unmanaged(view: dict[str, Any]) -> list[Text]:
    out = [
        Text("Unmanaged objects", style="bold"),
        Text("These exist remotely but are in neither the configuration nor the state;"),
        Text("reconciler never touches them:"),
    ]
    listed = view["unmanaged"]
    for u in listed[:UNMANAGED_SHOWN]:
        out.append(Text(f"  - {u['type']} {u['natural_key']} (id {u['remote_id']})"))
    if len(listed) > UNMANAGED_SHOWN:
        more = len(listed) - UNMANAGED_SHOWN
        out.append(Text(f"  - ... and {more} more (--format json lists every one)"))
    out.append(Text())
    return out


def _changes(view: dict[str, Any]) -> list[Text]:
    entries = actionable(view)
    if not entries:
        return [Text(NO_CHANGES, style="bold green")]
    used = {action_of(e) for e in entries}
    out = [Text("Resource actions are indicated with the following symbols:")]
    for action in ORDER:
        if action in used:
            row = Text("  ")
            row.append(SYMBOLS[action].ljust(3), style=STYLES[action])
            row.append(f" {LEGEND[action]}")
            out.append(row)
    out += [Text(), Text("reconciler will perform the following actions:"), Text()]
    for entry in entries:
        out.extend(_change(entry))
        out.append(Text())
    conflicts = view["prevent_destroy_conflicts"]
    if conflicts:
        out.append(
            Text(
                "Warning: this plan destroys resources protected by lifecycle.prevent_destroy:",
                style="bold red",
            )
        )
        out.extend(Text(f"  - {address}", style="red") for address in conflicts)
        out.append(Text())
    return out


def human_lines(plan: Plan) -> list[Text]:
    if not (plan.drift or plan.unmanaged or plan.notes) and (
        plan.refresh_only or not plan.actionable
    ):
        # Nothing to show but one line: what the full view would print, without building it
        # (at 10,000 settled resources that view is most of a plan's rendering time).
        return [Text(NO_DRIFT if plan.refresh_only else NO_CHANGES, style="bold green")]
    view = plan_to_json(plan, shown=True)
    out: list[Text] = []
    if view["resource_drift"]:
        out.extend(_drift(view))
    if view["unmanaged"]:
        out.extend(_unmanaged(view))
    if view["notes"]:
        out.append(Text("Notes", style="bold"))
        out.extend(Text(f"  - {note}") for note in view["notes"])
        out.append(Text())
    if view["refresh_only"]:
        if not view["resource_drift"]:
            out.append(Text(NO_DRIFT, style="bold green"))
        return out
    out.extend(_changes(view))
    out.extend(Text(note) for note in settings_notes(view))
    if view["has_changes"]:
        out.append(Text(view["summary"]["line"], style="bold"))
    return out


def render_human(plan: Plan, console: Console) -> None:
    # no_color alone keeps bold; --no-color means plain text, as Terraform's does.
    lines = (Text(text.plain) if console.no_color else text for text in human_lines(plan))
    # One print of the whole text: rich's cost is mostly per print (a plan of thousands of
    # changes is tens of thousands of lines).
    console.print(Text("\n").join(lines), soft_wrap=True, highlight=False)

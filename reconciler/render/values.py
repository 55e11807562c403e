"""Redaction and formatting of plan values, shared by every renderer.

A value is paired with a *mask* in Terraform's ``before_sensitive`` shape: ``True`` at a
sensitive leaf, a dict holding only the sensitive children of an object, a list with one entry
per item of a list, and ``False`` for anything else. Redacted values hold ``None`` where the
mask is ``True``, so a secret digest never reaches any output.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler import paths
from reconciler.paths import ANY, ANY_INDEX
from reconciler.printable import CONTROL
from reconciler.secrets import DIGEST_PREFIX, is_digest

SENSITIVE = "(sensitive)"

Segment = str | int
Mask = Any  # bool | dict[str, Mask] | list[Mask]

# Digests anywhere in free text (reasons, keys): hide them too, not only whole values.
_DIGEST_IN_TEXT = re.compile(re.escape(DIGEST_PREFIX) + r"[0-9A-Za-z+/=_-]*")


def parse_path(path: str) -> list[Segment]:
    """``metrics_config.tag_filters[0].tags`` -> ``["metrics_config", "tag_filters", 0, "tags"]``.
    ``[]`` (any index, in rule paths) stays the string ``"[]"``."""
    return [
        int(s[1:-1]) if s.startswith("[") and s != ANY_INDEX else s
        for s in paths.parse_pattern(path)
    ]


def join_path(segments: list[Segment]) -> str:
    """The dotted form, made safe to print (keys come from remote objects too)."""
    return clean_text(paths.format_path(tuple(segments)))


def _segment_matches(pattern: Segment, seg: Segment) -> bool:
    if pattern == ANY:
        return True
    if pattern == ANY_INDEX:
        return isinstance(seg, int)
    return pattern == seg


def covers(pattern: list[Segment], segments: list[Segment]) -> bool:
    """True when ``segments`` is at or below ``pattern`` (a sensitive subtree)."""
    if len(pattern) > len(segments):
        return False
    return all(_segment_matches(p, s) for p, s in zip(pattern, segments, strict=False))


def redact(
    value: Any, at: list[Segment], patterns: list[list[Segment]], *, sensitive: bool = False
) -> tuple[Any, Mask]:
    """The value with every sensitive leaf replaced by ``None``, and its mask.

    A leaf is sensitive when ``sensitive`` is set, when its path is covered by one of
    ``patterns``, or when it is a digest string. Absent (``None``) values hide nothing."""
    if value is None:
        return None, False
    if sensitive or any(covers(p, at) for p in patterns):
        return None, True
    if isinstance(value, str):
        return (None, True) if is_digest(value) else (value, False)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        mask: dict[str, Mask] = {}
        for key in sorted(value, key=str):
            out[key], child = redact(value[key], [*at, str(key)], patterns)
            if child is not False:
                mask[key] = child
        return out, mask
    if isinstance(value, list | tuple):
        items: list[Any] = []
        masks: list[Mask] = []
        for i, item in enumerate(value):
            shown, child = redact(item, [*at, i], patterns)
            items.append(shown)
            masks.append(child)
        return items, masks
    return value, False


def child_mask(mask: Mask, key: Segment) -> Mask:
    if mask is True:
        return True
    if isinstance(mask, dict) and isinstance(key, str):
        return mask.get(key, False)
    if isinstance(mask, list) and isinstance(key, int) and 0 <= key < len(mask):
        return mask[key]
    return False


def clean_text(text: str) -> str:
    """Free text from the plan (addresses, paths, reasons, ids) made safe to print: digests
    hidden, control characters (terminal escapes) written out."""
    text = _DIGEST_IN_TEXT.sub(SENSITIVE, text)
    return CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def format_value(value: Any, mask: Mask = False) -> str:
    """One-line form: JSON literals, ``(sensitive)`` where masked."""
    if mask is True:
        return SENSITIVE
    if isinstance(value, dict):
        inner = ", ".join(
            f"{clean_text(json.dumps(str(k), ensure_ascii=False))}: "
            f"{format_value(v, child_mask(mask, k))}"
            for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return (
            "[" + ", ".join(format_value(v, child_mask(mask, i)) for i, v in enumerate(value)) + "]"
        )
    if isinstance(value, str):
        return clean_text(json.dumps(value, ensure_ascii=False))
    return json.dumps(value)


def format_items(value: Any, mask: Mask = False) -> list[str]:
    """One line per item of a list (for long lists)."""
    if not isinstance(value, list):
        return [format_value(value, mask)]
    return [format_value(v, child_mask(mask, i)) for i, v in enumerate(value)]


def leaves(value: Any, mask: Mask, prefix: list[Segment]) -> list[tuple[str, Any, Mask]]:
    """Flatten objects into ``(dotted path, value, mask)``; lists stay whole values."""
    if mask is True or not isinstance(value, dict) or not value:
        return [(join_path(prefix), value, mask)]
    out: list[tuple[str, Any, Mask]] = []
    for key in sorted(value):
        out.extend(leaves(value[key], child_mask(mask, key), [*prefix, key]))
    return out

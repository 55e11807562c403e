"""Dotted paths into JSON-like values, and the patterns kinds use to name them.

A concrete path is a tuple of keys and list indexes: ``("metrics_config", "tag_filters", 0)``,
written ``metrics_config.tag_filters[0]``. A pattern is written the same way with ``[]`` for
any list index and ``*`` for any single key or index; the pattern ``*`` alone matches every path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]
ANY_INDEX = "[]"
ANY = "*"

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([0-9]*)\]")


@functools.lru_cache(maxsize=1024)
def parse_pattern(pattern: str) -> tuple[str, ...]:
    segments: list[str] = []
    for key, index in _SEGMENT.findall(pattern):
        if key:
            segments.append(key)
        else:
            segments.append(ANY_INDEX if index == "" else f"[{index}]")
    return tuple(segments)


def parse_path(dotted: str) -> Path:
    """The concrete path written ``a.b[0].c`` (the inverse of ``format_path``)."""
    return tuple(int(s[1:-1]) if s.startswith("[") else s for s in parse_pattern(dotted))


def format_path(path: Path) -> str:
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else seg
    return out


def _segment_matches(pattern_seg: str, seg: str | int) -> bool:
    if pattern_seg == ANY:
        return True
    if pattern_seg == ANY_INDEX:
        return isinstance(seg, int)
    if pattern_seg.startswith("["):
        return isinstance(seg, int) and pattern_seg == f"[{seg}]"
    return seg == pattern_seg


def matches(pattern: str, path: Path) -> bool:
    segs = parse_pattern(pattern)
    if segs == (ANY,):
        return True
    return len(segs) == len(path) and all(map(_segment_matches, segs, path))


def overlaps(pattern: str, path: Path) -> bool:
    """True if ``path`` is at, inside, or above a place the pattern names."""
    segs = parse_pattern(pattern)
    if segs == (ANY,):
        return True
    n = min(len(segs), len(path))
    return all(_segment_matches(segs[i], path[i]) for i in range(n))


def expand(pattern: str, value: Any) -> Iterator[Path]:
    """Every concrete path in ``value`` that the pattern names and that exists."""
    segs = parse_pattern(pattern)
    if segs == (ANY,):
        yield ()
        return
    if _keys_only(segs):  # names one place at most (a plan looks up thousands of these)
        node = value
        for seg in segs:
            if not isinstance(node, dict) or seg not in node:
                return
            node = node[seg]
        yield segs
        return
    yield from _expand(segs, value, 0, ())


@functools.lru_cache(maxsize=1024)
def _keys_only(segs: tuple[str, ...]) -> bool:
    """Whether a pattern's segments are all key names (no ``*``, no index)."""
    return all(seg != ANY and not seg.startswith("[") for seg in segs)


def _expand(segs: tuple[str, ...], node: Any, i: int, prefix: Path) -> Iterator[Path]:
    # A module function, not a closure: a recursive closure is a reference cycle, left for
    # the garbage collector on every call.
    if i == len(segs):
        yield prefix
        return
    seg = segs[i]
    if isinstance(node, dict):
        keys = list(node) if seg == ANY else ([seg] if seg in node else [])
        for k in keys:
            yield from _expand(segs, node[k], i + 1, (*prefix, k))
    elif isinstance(node, list) and (seg in (ANY, ANY_INDEX) or seg.startswith("[")):
        for idx, item in enumerate(node):
            if _segment_matches(seg, idx):
                yield from _expand(segs, item, i + 1, (*prefix, idx))


_MISSING = object()


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON-like value (dicts, lists, scalars); much faster than deepcopy."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def get(value: Any, path: Path, default: Any = None) -> Any:
    node = value
    for seg in path:
        if isinstance(seg, int) and isinstance(node, list) and 0 <= seg < len(node):
            node = node[seg]
        elif isinstance(seg, str) and isinstance(node, dict) and seg in node:
            node = node[seg]
        else:
            return default
    return node


def has(value: Any, path: Path) -> bool:
    return get(value, path, _MISSING) is not _MISSING


def put(value: dict[str, Any], path: Path, new: Any) -> None:
    """Set ``path`` in ``value`` (in place), creating dicts on the way."""
    node: Any = value
    for seg in path[:-1]:
        node = node.setdefault(seg, {}) if isinstance(node, dict) else node[seg]
    last = path[-1]
    node[last] = copy_json(new)


def remove(value: Any, path: Path) -> None:
    node = get(value, path[:-1], _MISSING)
    last = path[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node.pop(last, None)

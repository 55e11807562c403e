"""Line numbers for TOML paths, found by a light scan of the text.

The TOML parser gives values but no positions, so this reads the text once more and records
where each table header, array-of-tables entry and ``key =`` line starts. It is only used to
point error messages at a line: anything it cannot follow (keys inside inline tables, keys
inside multi-line arrays) falls back to the nearest enclosing table or key that it did see.
The text is read the first time a line is asked for; a configuration without errors usually
never asks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from reconciler.paths import Path

_BARE = re.compile(r"[A-Za-z0-9_-]+")
# ``key = value`` with a plain key, and ``[a.b]`` of plain keys: most lines of a large file,
# read without ``_parse_key``.
_SIMPLE = re.compile(r"[ \t]*([A-Za-z0-9_-]+)[ \t]*=")
_SIMPLE_HEADER = re.compile(r"[ \t]*\[([A-Za-z0-9_.-]+)\][ \t]*(?:#.*)?")
_BASIC = re.compile(r'"((?:[^"\\]|\\.)*)"')
_LITERAL = re.compile(r"'([^']*)'")
_ESCAPES = {'\\"': '"', "\\\\": "\\", "\\n": "\n", "\\t": "\t"}


def _parse_key(text: str, pos: int) -> tuple[list[str], int] | None:
    """A dotted key starting at ``pos``: its parts and the index just after it."""
    parts: list[str] = []
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        for pattern in (_BARE, _BASIC, _LITERAL):
            m = pattern.match(text, pos)
            if m:
                part = m.group(1) if pattern is not _BARE else m.group(0)
                if pattern is _BASIC:
                    part = re.sub(r"\\.", lambda e: _ESCAPES.get(e.group(0), e.group(0)), part)
                parts.append(part)
                pos = m.end()
                break
        else:
            return None
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return parts, pos


def _opens_string(value: str) -> str | None:
    """The delimiter of a multi-line string that ``value`` (the rest of a line after ``=``)
    leaves open, if any."""
    for delimiter in ('"""', "'''"):
        if value.count(delimiter) % 2 == 1:
            return delimiter
    return None


class LineIndex:
    """Where each path of one TOML file was first written (1-based lines)."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path, int] = {}
        self._exact: set[Path] = set()
        self._text: str | None = text  # until scanned

    def _scanned(self) -> None:
        if self._text is not None:
            self._scan(self._text)
            self._text = None

    def at(self, file: str, path: Path) -> dict[str, Any]:
        """An error's place: ``file``, and the line of ``path`` in it."""
        return {"file": file, "line": self.line(path)}

    def _record(self, path: Path, line: int) -> None:
        # Every prefix is implied by this line too (``[a.b.c]`` creates ``a`` and ``a.b``);
        # keep the first mention of each.
        for i in range(1, len(path) + 1):
            self._lines.setdefault(path[:i], line)
        self._exact.add(path)

    def _scan(self, text: str) -> None:
        table: Path = ()
        arrays: dict[Path, int] = {}  # array-of-tables path -> entries seen so far
        in_string: str | None = None  # the delimiter of an open multi-line string
        for number, raw in enumerate(text.splitlines(), start=1):
            if in_string is not None:
                if raw.count(in_string) % 2 == 1:
                    in_string = None
                continue
            simple = _SIMPLE.match(raw)
            if simple is not None:
                # The table's own path and its prefixes were recorded by its header.
                path = (*table, simple.group(1))
                self._lines.setdefault(path, number)
                self._exact.add(path)
                if '"""' in raw or "'''" in raw:
                    in_string = _opens_string(raw[simple.end() :])
                continue
            header = _SIMPLE_HEADER.fullmatch(raw)
            if header is not None and "" not in (keys := header.group(1).split(".")):
                table = self._resolve(keys, arrays) if arrays else tuple(keys)
                self._record(table, number)
                continue
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                is_array = stripped.startswith("[[")
                parsed = _parse_key(stripped, 2 if is_array else 1)
                if parsed is None:
                    continue
                keys, _ = parsed
                table = self._resolve(keys, arrays)
                if is_array:
                    count = arrays.get(table, 0)
                    arrays[table] = count + 1
                    table = (*table, count)
                self._record(table, number)
                continue
            parsed = _parse_key(raw, 0)
            if parsed is None:
                continue
            keys, end = parsed
            if end >= len(raw) or raw[end] != "=":
                continue
            self._record((*table, *keys), number)
            in_string = _opens_string(raw[end + 1 :])

    @staticmethod
    def _resolve(keys: Sequence[str], arrays: dict[Path, int]) -> Path:
        # ``[a.b]`` after ``[[a]]`` names a table inside the last entry of ``a``.
        path: Path = ()
        for i, key in enumerate(keys):
            path = (*path, key)
            if i < len(keys) - 1 and path in arrays:
                path = (*path, arrays[path] - 1)
        return path

    def line(self, path: Path) -> int | None:
        """The line of ``path``, else of its nearest ancestor that was seen."""
        self._scanned()
        for i in range(len(path), 0, -1):
            found = self._lines.get(tuple(path[:i]))
            if found is not None:
                return found
        return None

    def has(self, path: Path) -> bool:
        self._scanned()
        return tuple(path) in self._exact

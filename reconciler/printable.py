"""Text that is safe to print: control characters written out, long values cut with their length.

Anything echoed from the user (a TOML value, a file name) or from an API (an error body) goes
through ``printable`` before it reaches a terminal or a log, so an escape sequence cannot clear a
screen, a newline cannot forge another ``Error:`` line, and a 5 MB value is not echoed whole.
"""

from __future__ import annotations

import re

MAX_VALUE = 200  # characters of one echoed value
MAX_LINE = 2000  # characters of one message line

# Control characters, line/paragraph separators and the bidi overrides (text that reads
# differently from how it is stored).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """Control characters (and Unicode bidi overrides) as visible escapes."""

    def one(match: re.Match[str]) -> str:
        char = match.group()
        if char in _ESCAPES:
            return _ESCAPES[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return CONTROL.sub(one, text)


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and its full length."""
    if len(text) <= limit:
        return text
    note = f"... ({len(text)} characters)"
    return text[: max(0, limit - len(note))] + note


def printable(text: str, limit: int = MAX_VALUE) -> str:
    """One echoed value: controls escaped, then cut to ``limit``."""
    return cut(escape_controls(text), limit)


def line(text: str) -> str:
    """One whole message line (already holding escaped values): cut to ``MAX_LINE``."""
    return cut(escape_controls(text), MAX_LINE)

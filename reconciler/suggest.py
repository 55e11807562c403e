"""'Did you mean' hints for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    options = sorted(set(candidates))
    # Case-insensitive: "Site" should find "site".
    lowered = {c.lower(): c for c in options}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def hint(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean X?"``, or the list of valid names when none is close."""
    options = sorted(set(candidates))
    best = closest(word, options)
    if best is not None:
        return f"; did you mean {best}?"
    if options:
        return "; expected one of: " + ", ".join(options)
    return "; nothing is allowed here"

"""TOML text to data: a compiled TOML 1.0 parser for speed, tomli as the reference.

tomli (the parser the standard library's tomllib was taken from) decides what is valid TOML
and words every error. pytomlpp (toml++, also TOML 1.0, about three times as fast on a large
file) reads the text first: what it accepts is returned as it is, and anything it refuses is
read by tomli, whose verdict and message stand. Refusals tomli does not share (an integer past
64 bits, ``1e1000``, year 0, a value nested past 256 levels) are therefore still read as
before.

That is sound only while every document pytomlpp accepts is one tomli accepts with the same
value: tests/unit/test_toml_text.py holds both to that, on a table of the cases where TOML
parsers part ways (TOML 1.1 syntax among them) and on randomly mutated documents. Two
differences are known and kept away from it: toml++ accepts a leading byte order mark, and
trims Unicode spaces (U+00A0, U+3000, ...) after a line-ending backslash in a multi-line
string, where TOML keeps them. Only ASCII text is given to pytomlpp, so neither can arise.

One difference stays: toml++ gives a table's keys sorted, tomli in the order written. No
successful load depends on that order (resources are taken by address); messages may (which
of two tables is named first), so ``config.load_config`` reads a configuration with errors
again in the written order, and ``validate --explain``, which lists values as written, asks
for it too.

pytomlpp is installed where it has a wheel (pyproject.toml); elsewhere tomli reads everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tomli

TOMLDecodeError = tomli.TOMLDecodeError

_fast: Callable[[str], dict[str, Any]] | None
try:
    import pytomlpp
except ImportError:  # no wheel for this platform: tomli alone, as fast as it goes
    _fast = None
else:
    _fast = pytomlpp.loads


def fast_reads(text: str | bytes) -> bool:
    """Whether ``loads`` gives this text to the compiled parser first (whose tables come back
    with their keys sorted)."""
    return _fast is not None and text.isascii()


def loads(text: str, *, document_order: bool = False) -> dict[str, Any]:
    """The document in ``text``; raises ``TOMLDecodeError`` (tomli's) or ``RecursionError``.
    ``document_order``: every table's keys in the order written (tomli reads it)."""
    if _fast is not None and not document_order and fast_reads(text):
        try:
            return _fast(text)
        except Exception:  # any refusal (DecodeError, ValueError for year 0): tomli decides
            pass
    return tomli.loads(text)

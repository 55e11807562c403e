"""TOML text to data: a compiled TOML 1.0 parser for speed, tomli as the reference.

tomli (the parser the standard library's tomllib was taken from) decides what is valid TOML
and words every error. pytomlpp (toml++, also TOML 1.0, about three times as fast on a large
file) reads the text first: what it accepts is returned as it is, and anything it refuses is
read by tomli, whose verdict and message stand. Refusals tomli does not share (an integer past
64 bits, ``1e1000``, a value nested past 256 levels) are therefore still read as before.

That is sound only while every document pytomlpp accepts is one tomli accepts with the same
result: tests/unit/test_toml_text.py holds both to that, on a table of the cases where TOML
parsers part ways (TOML 1.1 syntax among them) and on randomly mutated documents. toml++
accepts a leading byte order mark, which tomli refuses: such a text goes to tomli only.

One difference stays: toml++ gives a table's keys sorted, tomli in the order written. Nothing
that decides a plan depends on that order (resources are taken by address, several errors are
listed by file and line); ``validate --explain``, which lists a resource's values as written,
asks for the document's order and is read by tomli.
"""

from __future__ import annotations

from typing import Any

import pytomlpp
import tomli

TOMLDecodeError = tomli.TOMLDecodeError


def loads(text: str, *, document_order: bool = False) -> dict[str, Any]:
    """The document in ``text``; raises ``TOMLDecodeError`` (tomli's) or ``RecursionError``.
    ``document_order``: every table's keys in the order written (tomli reads it)."""
    if not document_order and not text.startswith("\ufeff"):
        try:
            doc: dict[str, Any] = pytomlpp.loads(text)
        except Exception:  # any refusal: tomli gives the verdict
            pass
        else:
            return doc
    return tomli.loads(text)

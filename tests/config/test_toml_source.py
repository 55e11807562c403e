from __future__ import annotations

import tomllib

from reconciler.suggest import closest, hint
from reconciler.toml_source import LineIndex

TEXT = '''\
# header comment
[datadog]
site = "datadoghq.com"

[kind.a]
"quoted key" = 1
desc = """
fake = 1
[not.a.table]
"""
after = 2
inline = { x = 1, y = [1, 2] }
list = [
  "one",
]

[[kind.a.items]]
n = 1
[[kind.a.items]]
n = 2
[kind.a.items.sub]
z = 3
'''


def test_lines_of_tables_keys_and_array_entries() -> None:
    tomllib.loads(TEXT)  # the sample is valid TOML
    index = LineIndex(TEXT)
    assert index.line(("datadog",)) == 2
    assert index.line(("datadog", "site")) == 3
    assert index.line(("kind", "a")) == 5
    assert index.line(("kind", "a", "quoted key")) == 6
    assert index.line(("kind", "a", "desc")) == 7
    assert index.line(("kind", "a", "after")) == 11
    assert index.line(("kind", "a", "items", 0, "n")) == 18
    assert index.line(("kind", "a", "items", 1)) == 19
    assert index.line(("kind", "a", "items", 1, "sub", "z")) == 22


def test_multiline_string_contents_are_not_keys() -> None:
    index = LineIndex(TEXT)
    assert not index.has(("kind", "a", "fake"))
    assert not index.has(("not", "a", "table"))
    assert index.line(("not", "a", "table")) is None


def test_falls_back_to_nearest_known_ancestor() -> None:
    index = LineIndex(TEXT)
    assert index.line(("kind", "a", "inline", "x")) == 12
    assert index.line(("kind", "a", "list", 0)) == 13
    assert index.line(("kind", "a", "missing_key")) == 5
    assert index.line(("other",)) is None


def test_suggestions() -> None:
    assert closest("regoin", ["region", "profile"]) == "region"
    assert closest("Site", ["site"]) == "site"
    assert closest("qqq", ["region"]) is None
    assert hint("regoin", ["region"]) == "; did you mean region?"
    assert hint("qqq", ["b", "a"]) == "; expected one of: a, b"
    assert hint("qqq", []) == "; nothing is allowed here"


def test_headers_written_every_way_give_the_same_lines() -> None:
    text = (
        '[a.b]  # a comment\nx = 1\n[ c . \'d\' ]\ny = 2\n[[e]]\n[e.f]\nz = 3\n["g"."h"]\nw = 4\n'
    )
    tomllib.loads(text)
    index = LineIndex(text)
    assert index.line(("a",)) == index.line(("a", "b")) == 1
    assert index.line(("a", "b", "x")) == 2
    assert index.line(("c", "d")) == 3 and index.line(("c", "d", "y")) == 4
    assert index.line(("e", 0)) == 5 and index.line(("e", 0, "f")) == 6
    assert index.line(("e", 0, "f", "z")) == 7
    assert index.line(("g", "h", "w")) == 9
    assert index.has(("a", "b")) and not index.has(("a",))

"""``toml_text.loads`` reads exactly what tomli reads: the same documents accepted, with the
same values (types, signs and time zones included), and the same ones refused, with tomli's
message. The fast parser may refuse more (tomli then decides), never accept more."""

from __future__ import annotations

import datetime
import math
import random
from pathlib import Path
from typing import Any

import pytest
import tomli

from reconciler import toml_text

ROOT = Path(__file__).resolve().parents[2]

# Where TOML parsers part ways: TOML 1.1 syntax (refused: this is TOML 1.0), values past what
# a compiled parser holds, nesting limits, characters TOML forbids, tables defined twice.
CASES = {
    "newline in an inline table (1.1)": "a = {\n b = 1 }\n",
    "trailing comma in an inline table (1.1)": "a = { b = 1, }\n",
    "escape \\e (1.1)": 'a = "\\e"\n',
    "escape \\x (1.1)": 'a = "\\x41"\n',
    "time without seconds (1.1)": "t = 12:30\n",
    "date-time without seconds (1.1)": "t = 1979-05-27T07:32Z\n",
    "byte order mark": "\ufeffa = 1\n",
    "duplicate key": "a = 1\na = 2\n",
    "table defined twice": "[a]\n[a]\n",
    "inline table extended": "a = {b = 1}\na.c = 2\n",
    "table over a dotted key": "a.b = 1\n[a]\nc = 2\n",
    "array of tables over an inline array": "a = [{b=1},{b=2}]\n[[a]]\n",
    "lone surrogate escape": 'a = "\\uD800"\n',
    "escape past unicode": 'a = "\\U00110000"\n',
    "control character": 'a = "x\x01y"\n',
    "DEL in a comment": "# x\x7fy\na = 1\n",
    "bare carriage return": "a = 1\rb = 2\n",
    "leading zero": "a = 01\n",
    "trailing underscore": "a = 1_000_\n",
    "upper-case hex prefix": "a = 0X1F\n",
    "signed hex": "a = +0x1F\n",
    "integer past 64 bits": "a = 99999999999999999999\n",
    "smallest 64-bit integer": "a = -9223372036854775808\n",
    "float past double": "a = 1e1000\n",
    "subnormal float": "a = 5e-324\n",
    "negative zero": "a = -0.0\n",
    "nan and inf": "a = nan\nb = -inf\n",
    "no leading digit": "a = .5\n",
    "February 30th": "a = 1979-02-30\n",
    "year 0 (toml++ raises ValueError, not its DecodeError)": "a = 0000-01-01\n",
    "second 60": "a = 23:59:60\n",
    "date-times": (
        "a = 1979-05-27T07:32:00-07:00\nb = 1979-05-27T07:32:00.999999Z\n"
        "c = 1979-05-27\nd = 07:32:00.5\ne = 1979-05-27 07:32:00\nf = 1979-05-27t07:32:00z\n"
    ),
    "strings": (
        "a = 'lit\\'\nb = \"\"\"\nx\\\n   y\"\"\"\nc = '''\nraw'''\n"
        'd = "\\u00e9\\U0001F600"\n"" = 1\n"q k".x = 2\n'
    ),
    "unicode bare key": "é = 1\n",
    # toml++ trims these after a line-ending backslash; TOML (and tomli) keep them.
    "no-break space after a line-ending backslash": 'a = """x\\\n\u00a0y"""\n',
    "ideographic space after a line-ending backslash": 'a = """x\\\n\u3000y"""\n',
    "mixed array": 'a = [1, "x", [2], {b = 3}]\n',
    "arrays nested past the fast parser's limit": "a = " + "[" * 300 + "]" * 300 + "\n",
    "inline tables nested past the fast parser's limit": "a = " + "{b=" * 300 + "1" + "}" * 300,
    "nested past Python's recursion limit": "a = " + "[" * 5000 + "]" * 5000 + "\n",
}


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types throughout (``1 == 1.0 == True`` is not enough), the same
    sign of zero, NaN equal to NaN, and the same UTC offset. (Keys in any order: see
    ``test_document_order``.)"""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime.datetime | datetime.time):
        return a == b and a.utcoffset() == b.utcoffset() and repr(a) == repr(b)
    return bool(a == b)


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", parse(text)
    except tomli.TOMLDecodeError as exc:
        return "refused", str(exc)
    except RecursionError:
        return "refused", "recursion"


def check(text: str) -> None:
    ours, reference = outcome(toml_text.loads, text), outcome(tomli.loads, text)
    assert ours[0] == reference[0], (text[:200], ours, reference)
    if ours[0] == "value":
        assert same(ours[1], reference[1]), (text[:200], ours[1], reference[1])
    else:
        assert ours[1] == reference[1]


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_reads_what_tomli_reads(text: str) -> None:
    check(text)


def test_the_fast_parser_reads_the_examples_and_refuses_toml_1_1() -> None:
    """The fast path is taken for valid TOML 1.0 (it is what makes large files cheap: every
    example is read by it, not handed to tomli), and a TOML 1.1 document never gets through
    it."""
    pytomlpp = pytest.importorskip("pytomlpp", reason="no pytomlpp wheel on this platform")
    examples = sorted((ROOT / "examples").rglob("*.toml"))
    assert len(examples) >= 5
    for path in examples:
        text = path.read_text()
        assert text.isascii(), path
        assert pytomlpp.loads(text) == tomli.loads(text), path
    for name, text in CASES.items():
        if "(1.1)" in name:
            with pytest.raises(pytomlpp.DecodeError):
                pytomlpp.loads(text)


def test_document_order() -> None:
    """Keys come sorted from the fast parser; in the order written when asked for."""
    text = "b = 1\na = 2\n[z]\ny = 1\nx = 2\n"
    doc = toml_text.loads(text, document_order=True)
    assert list(doc) == ["b", "a", "z"] and list(doc["z"]) == ["y", "x"]
    assert toml_text.loads(text) == doc


# Mutations: TOML's punctuation, string delimiters and characters it forbids or restricts.
ALPHABET = [
    *"[]{}=\".,'#\n \t\\abcxyz019_-:+eETZ",
    *('"""', "'''", "\r\n", "\\\n", "\x7f", "\x00", "é"),
    *("\u00a0", "\u3000", "\ufeff", "\u2028"),  # spaces TOML does not count as whitespace
]


def mutated(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(chars) + 1)
        roll = rng.random()
        if roll < 0.4 or not chars:
            chars.insert(i, rng.choice(ALPHABET))
        elif roll < 0.7:
            del chars[min(i, len(chars) - 1)]
        else:
            chars[min(i, len(chars) - 1)] = rng.choice(ALPHABET)
    return "".join(chars)


def test_mutated_documents_read_alike() -> None:
    """Thousands of near-valid documents (the examples, and the cases above, each changed in
    a few places): accepted and refused alike, with equal values. Seeded: a failure repeats."""
    seeds = [p.read_text() for p in sorted((ROOT / "examples").rglob("*.toml"))]
    seeds += [CASES["date-times"], CASES["strings"], CASES["mixed array"]]
    assert len(seeds) > 5
    rng = random.Random(2026)
    accepted = 0
    for _ in range(4000):
        text = mutated(rng.choice(seeds), rng)
        check(text)
        accepted += outcome(tomli.loads, text)[0] == "value"
    assert 500 < accepted < 3500  # both sides of the line were exercised

"""Secrets are removed from text in every form they may take; printable text is bounded."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest

from reconciler import redact
from reconciler.printable import escape_controls, printable

SECRET = 'wJalr/XUtnFEMI+K7MDENG=bPxRfiCY&EXAMPLE"KEY'


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    redact.forget_all()
    yield
    redact.forget_all()


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],
        repr(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(SECRET.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
        quote(SECRET, safe=""),
        quote_plus(SECRET, safe=""),
        SECRET[:12],
        SECRET[:8],
        base64.b64encode(SECRET.encode()).decode()[:10],
    ],
)
def test_every_form_and_prefix_is_removed(form: str) -> None:
    redact.register(SECRET)
    text = f"error: the API said {form!s} was wrong"
    shown = redact.redact(text)
    assert form not in shown
    assert redact.REDACTED in shown
    assert shown.startswith("error: the API said ")


def test_unregistered_text_is_untouched_and_extra_values_count() -> None:
    assert redact.redact("nothing secret here") == "nothing secret here"
    assert "s3cr3t-value" not in redact.redact("x s3cr3t-value y", extra=["s3cr3t-value"])


def test_short_runs_of_a_secret_stay() -> None:
    redact.register(SECRET)
    # Seven characters of the secret are not enough to be taken for it.
    assert redact.redact("see wJalr/X here") == "see wJalr/X here"


def test_controls_are_escaped_and_long_values_cut() -> None:
    assert escape_controls("a\nError: forged\x1b[2J") == "a\\nError: forged\\x1b[2J"
    shown = printable("x" * 5_000_000)
    assert len(shown) <= 200
    assert "(5000000 characters)" in shown


def test_an_api_excerpt_is_one_line_redacted_before_it_is_cut() -> None:
    secret = "excerpt-secret-0123456789abcdef"
    # The secret straddles the cut: redacting after cutting would leave its start behind.
    text = "first line\n\tsecond  line " + "x" * (redact.MAX_EXCERPT - 40) + secret + " tail"
    shown = redact.excerpt(text, [secret])
    assert shown.startswith("first line second line x")
    assert "\n" not in shown and "\\n" not in shown and "\\t" not in shown
    assert secret[:8] not in shown
    assert len(shown) <= redact.MAX_EXCERPT
    assert redact.excerpt("a \x1b[2J b") == "a \\x1b[2J b"


def _walked(value: object, forms: list[str]) -> object:
    """What ``deep`` gives by looking at every string (the reference for its shortcut)."""
    if isinstance(value, str):
        return redact._redact_with(value, forms)
    if isinstance(value, dict):
        return {
            redact._redact_with(k, forms) if isinstance(k, str) else k: _walked(v, forms)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_walked(v, forms) for v in value]
    return value


@pytest.mark.parametrize(
    "place",
    [
        "value",
        "key",
        "nested list",
        "tuple",
        "prefix only",
        "none",
        "across two strings",
        "a number",
    ],
)
def test_a_document_is_redacted_wherever_a_secret_is_and_kept_where_none_is(place: str) -> None:
    redact.register(SECRET)
    b64 = base64.b64encode(SECRET.encode()).decode()
    inner: object = {
        "value": {"a": f"x {SECRET} y"},
        "key": {f"k-{b64}": 1},
        "nested list": {"a": [[{"b": ["ok", quote(SECRET, safe="")]}]]},
        "tuple": {"a": ("ok", f"in a tuple {SECRET}")},  # written as an array: looked into
        "prefix only": {"a": SECRET[:9]},
        "none": {"a": "plain", "b": [1, None, True], "c": {"d": "x"}},
        "across two strings": {"a": SECRET[:5], "b": SECRET[5:10]},
        "a number": {"a": 12345678},
    }[place]
    doc = {"plan": {"changes": [inner, {"other": ["text"]}]}}
    forms = sorted(redact.encodings(SECRET), key=len, reverse=True)
    shown = redact.deep(doc)
    assert shown == _walked(doc, forms)
    text = json.dumps(shown)
    for form in (SECRET, b64, quote(SECRET, safe=""), SECRET[:9]):
        assert form not in text
    if place in ("none", "across two strings", "a number"):
        assert shown is doc  # nothing to remove: the document itself, not a copy
    else:
        assert redact.REDACTED in text


def test_a_form_holding_the_separator_looks_at_every_string() -> None:
    secret = "nul\x00inside-secret"
    redact.register(secret)
    doc = {"a": ["nul", "inside-secret"], "b": f"echo {secret}"}
    shown = redact.deep(doc)
    assert shown == {"a": ["nul", "inside-secret"], "b": f"echo {redact.REDACTED}"}

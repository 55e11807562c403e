"""Secret values this process knows, and their removal from any text before it is shown.

Every secret the tool reads (``${env:NAME}`` values, API keys, AWS credentials) is registered
here once. ``redact`` then replaces it in free text, in every encoding the tool or an API might
produce: verbatim, JSON-escaped, ``repr``-escaped, base64 (standard and URL-safe, with or without
padding), and URL-encoded; and any run of 8 or more characters that begins one of those forms
(an API that cuts an echoed value must not leave its first characters behind).

Redaction happens before a message is formatted or cut, at the edge where the text enters
(API error bodies), and once more where text leaves (the CLI), so a secret never depends on a
single place remembering to redact.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from reconciler import printable

REDACTED = "(sensitive)"
MIN_PREFIX = 8  # a shown run this long that starts a secret's form is taken as the secret

_lock = threading.Lock()
_secrets: set[str] = set()
_forms: list[str] = []  # every encoded form of every secret, longest first


def encodings(secret: str) -> set[str]:
    """Every form under which ``secret`` may appear in text."""
    raw = secret.encode("utf-8")
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms.update({text, text.rstrip("=")})
    return {f for f in forms if f}


def register(secret: str | None) -> None:
    """Remember ``secret`` for the rest of the process; empty values are ignored."""
    if not secret:
        return
    with _lock:
        if secret in _secrets:
            return
        _secrets.add(secret)
        _forms.extend(encodings(secret))
        _forms.sort(key=len, reverse=True)


def forget_all() -> None:
    """Drop every registered secret (for tests that run many commands in one process)."""
    with _lock:
        _secrets.clear()
        _forms.clear()


def _replace_form(text: str, form: str) -> str:
    if len(form) < MIN_PREFIX:
        return text.replace(form, REDACTED) if len(form) >= 4 else text
    head = form[:MIN_PREFIX]
    out: list[str] = []
    pos = 0
    while True:
        at = text.find(head, pos)
        if at < 0:
            out.append(text[pos:])
            return "".join(out)
        # Extend the match as far as the text keeps following the form.
        end = at + MIN_PREFIX
        limit = min(len(text), at + len(form))
        while end < limit and text[end] == form[end - at]:
            end += 1
        out.append(text[pos:at])
        out.append(REDACTED)
        pos = end


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every registered secret (and each of ``extra``) removed, in any form."""
    with _lock:
        forms = list(_forms)
    more = [f for s in extra if s for f in encodings(s)]
    if more:
        forms = sorted({*forms, *more}, key=len, reverse=True)
    return _redact_with(text, forms)


MAX_EXCERPT = 400  # characters of API text echoed in one message


def excerpt(text: str, extra: Iterable[str] = ()) -> str:
    """API text (an error body, a library's exception) as a message may echo it: every secret
    removed first (a secret across the cut would otherwise leave its start behind), white space
    folded onto one line, control characters escaped, at most ``MAX_EXCERPT`` characters."""
    return printable.printable(" ".join(redact(text, extra).split()), MAX_EXCERPT)


def _redact_with(text: str, forms: list[str]) -> str:
    for form in forms:
        if form[: min(len(form), MIN_PREFIX)] in text:
            text = _replace_form(text, form)
    return text


def deep(value: Any) -> Any:
    """``value`` (JSON-like) with every string in it, keys included, redacted: for documents
    written whole (the JSON plan, a plan file), where an API value could hold a secret.
    ``value`` itself when no string in it holds the start of any form (the usual case)."""
    with _lock:
        forms = list(_forms)  # once for the whole document, not once per string
    if not forms:
        return value
    # The strings' text in one piece, searched once per form: a form begins in a string only
    # if its start is in the joined text. The separator cannot join two strings into a form's
    # start unless that start holds it (then every string is looked at, as below).
    starts = {form[:MIN_PREFIX] for form in forms if len(form) >= 4}
    if not any("\x00" in start for start in starts):
        texts: list[str] = []
        _texts(value, texts)
        joined = "\x00".join(texts)
        if not any(start in joined for start in starts):
            return value

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return _redact_with(node, forms)
        if isinstance(node, dict):
            return {
                _redact_with(k, forms) if isinstance(k, str) else k: walk(v)
                for k, v in node.items()
            }
        if isinstance(node, list | tuple):  # a tuple is written as an array too
            return [walk(v) for v in node]
        return node

    return walk(value)


def _texts(node: Any, out: list[str]) -> None:
    """Every string ``deep`` would redact in ``node`` (dict keys included), into ``out``."""
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            if isinstance(k, str):
                out.append(k)
            _texts(v, out)
    elif isinstance(node, list | tuple):
        for v in node:
            _texts(v, out)

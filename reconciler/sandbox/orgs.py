"""The sandbox's Datadog organisations: which one a key pair acts on, and the keys of each.

Every organisation has its own accounts; nothing is shared between them. The sandbox hands a
named organisation its own key pair, ``sandbox_keys(name)``: ``sandbox-api-key@<name>`` and
``sandbox-app-key@<name>``, the name percent-encoded. Any other non-empty key acts on the
default organisation, so the default keys (``sandbox-api-key``/``sandbox-app-key``), the
``sandbox`` keys that ``sandbox serve`` prints, a made-up test key, and the data stored before
organisations existed all meet there.

Only the standard library is imported here: the CLI imports this module for ``--sandbox``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

DEFAULT_ORG = "default"
DEFAULT_API_KEY = "sandbox-api-key"
DEFAULT_APP_KEY = "sandbox-app-key"
_PREFIXES = (DEFAULT_API_KEY + "@", DEFAULT_APP_KEY + "@")


def sandbox_keys(org: str) -> tuple[str, str]:
    """(API key, application key) of an organisation in the sandbox; the same every time."""
    if not org:
        raise ValueError("an organisation name must not be empty")
    if org == DEFAULT_ORG:
        return DEFAULT_API_KEY, DEFAULT_APP_KEY
    name = quote(org, safe="")
    return f"{DEFAULT_API_KEY}@{name}", f"{DEFAULT_APP_KEY}@{name}"


def org_of_key(key: str) -> str:
    """The organisation one key belongs to."""
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return unquote(key[len(prefix) :])
    return DEFAULT_ORG


def org_of(api_key: str, app_key: str) -> str | None:
    """The organisation a request acts on; None when its two keys belong to different ones."""
    org = org_of_key(api_key)
    return org if org_of_key(app_key) == org else None

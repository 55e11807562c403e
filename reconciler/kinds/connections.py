"""Named connections in natural keys and scopes.

An object reached through a named connection (``account = "prod"``, ``org = "eu"``) has the
connection's name in front of its natural key and scope: ``prod:eu-west-1/my-integration``,
``eu:123456789012``. The default connection adds nothing, so configurations without named
connections keep the keys (and state files) they always had. Names hold no ``:`` or ``/``
(``settings.CONNECTION_NAME``), and neither do regions or AWS account ids, so the first
``:`` before any ``/`` ends the name.
"""

from __future__ import annotations

from collections.abc import Collection

from reconciler.errors import ConfigError
from reconciler.printable import printable
from reconciler.suggest import hint


def qualify(connection: str | None, key: str) -> str:
    return key if connection is None else f"{connection}:{key}"


def split(key: str) -> tuple[str | None, str]:
    """(connection, the rest): ``("prod", "eu-west-1/x")``, ``(None, "eu-west-1/x")``."""
    head, sep, rest = key.partition(":")
    if not sep or "/" in head:
        return None, key
    return head, rest


def check(name: str | None, declared: Collection[str], table: str, field: str) -> str | None:
    """``name`` if the configuration declares it (``[<table>.<name>]``), else a ConfigError
    naming the field, the names declared and the nearest one."""
    if name is None or name in declared:
        return name
    shown = printable(name, 80)
    others = hint(name, declared) if declared else f"; no [{table}.<name>] is declared"
    raise ConfigError(
        f"no connection '{shown}': declare [{table}.{shown}], or leave {field} out for the "
        f"default connection{others}",
        field=field,
    )

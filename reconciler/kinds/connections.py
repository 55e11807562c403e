"""Named connections in natural keys and scopes.

An object reached through a named connection (``account = "prod"``, ``org = "eu"``) has the
connection's label in front of its natural key and scope: ``prod:eu-west-1/my-integration``,
``eu:123456789012``. Where the connection's target is known without calling anything (the
account of an assumed role), the label pins it: ``prod@210987654321:eu-west-1/...``, so that
pointing the connection at another account can never make the state's objects stand for that
account's objects. The default connection adds nothing, so configurations without named
connections keep the keys (and state files) they always had. Names hold no ``:``, ``@`` or
``/`` (``settings.CONNECTION_NAME``), and neither do regions or AWS account ids, so the first
``:`` before any ``/`` ends the label.
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


def label(name: str | None, target: str | None) -> str | None:
    """``name``, or ``name@target`` when the target is pinned."""
    return name if name is None or target is None else f"{name}@{target}"


def unlabel(label: str | None) -> tuple[str | None, str | None]:
    """(name, pinned target) of a label."""
    if label is None:
        return None, None
    name, sep, target = label.partition("@")
    return name, (target if sep else None)


def undeclared(kind: str, what: str, table: str, name: str) -> ConfigError:
    """Objects the state holds through a connection the configuration no longer declares:
    only those get that far (a declared resource's connection is checked with the
    configuration), and not reading them would plan them as gone."""
    return ConfigError(
        f"the state holds {kind} objects in the {what} '{name}', which the configuration no "
        f"longer declares: declare [{table}.{name}] again (to delete them, or keep them), or "
        "forget them with `reconciler state rm`"
    )


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

"""``${env:NAME}`` outside the secret fields of a resource: refused, since it would be sent
to the API as the literal text. Only secrets are read from the environment."""

from __future__ import annotations

from typing import Any

from reconciler import templates
from reconciler.errors import ConfigError
from reconciler.kinds.base import ResourceKind
from reconciler.paths import format_path
from reconciler.secrets import secret_paths


def may_hold(data: bytes) -> bool:
    """Whether a TOML file's strings may hold ``${env:``: written as it is, or through an
    escape (``\\u0024``, a line-ending backslash in a multi-line string). A file with neither
    ``${env:`` nor any backslash holds none, and its resources need not be walked."""
    return b"${env:" in data or b"\\" in data


def outside_secrets(
    resolved: templates.Resolved,
    kind_class: type[ResourceKind],
    own: templates.Origin,
    address: str,
) -> list[ConfigError]:
    """``${env:NAME}`` is how secrets are written; anywhere else it would be taken as the
    literal text and sent to the API. Refused, naming the field."""
    found: list[ConfigError] = []
    references: list[tuple[str | int, ...]] = []
    _references(resolved.table, (), references)
    for path in references:
        generic = tuple(p for p in path if isinstance(p, str))
        if generic in secret_paths(kind_class.spec):
            continue
        origin = resolved.origin(path) or own
        found.append(
            ConfigError(
                "${env:...} is only read in secret fields; here it would be sent as the "
                "literal text. Write the value itself"
                + (f" (from {origin.label})" if origin.label else ""),
                file=origin.file,
                line=origin.line(path),
                address=address,
                field=format_path(path),
            )
        )
    return found


def _references(node: Any, path: tuple[str | int, ...], out: list[tuple[str | int, ...]]) -> None:
    """Appends to ``out`` the paths of the strings holding ``${env:``. (A module function: a
    recursive closure would be a reference cycle per resource, left for the collector.)"""
    if isinstance(node, dict):
        for key, value in node.items():
            _references(value, (*path, key), out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _references(value, (*path, i), out)
    elif isinstance(node, str) and "${env:" in node:
        out.append(path)

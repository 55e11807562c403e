"""Shared settings: ``[defaults.<kind>]`` and named ``[templates.<name>]``.

```toml
[defaults.datadog_aws_account]          # every datadog_aws_account starts from this
auth_config = { role_name = "DatadogIntegrationRole" }

[templates.prod]                        # opted into by name, in order
metrics_config = { collect_custom_metrics = true }

[datadog_aws_account.payments]
template = "prod"                       # or ["prod", "eu"]
aws_account_id = "222222222222"
```

A resource's table is the deep merge of its kind's defaults, then each template it names (a
template may name templates of its own), then its own keys: tables merge key by key, anything
else (a value, a list) is replaced whole by the later layer, so the resource always wins and
lists never concatenate. Every merged value remembers where it was written (``Origin``), so an
error in a template names the template's file and line, once for each resource it breaks, and
``validate --explain`` shows where each value came from.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ConfigError
from reconciler.paths import Path, copy_json, format_path
from reconciler.suggest import hint
from reconciler.toml_source import LineIndex

DEFAULTS = "defaults"
TEMPLATES = "templates"
TEMPLATE_KEY = "template"


@dataclass(frozen=True)
class Origin:
    """Where a layer was written: its file, the file's line index, and the table's path."""

    file: str
    index: LineIndex = field(compare=False)
    base: Path
    label: str  # "" for the resource itself; "template prod", "[defaults.kind]"

    def line(self, path: Path) -> int | None:
        return self.index.line((*self.base, *path))

    def where(self, path: Path) -> str:
        line = self.line(path)
        return f"{self.file}:{line}" if line else self.file


@dataclass
class Layers:
    """The defaults and templates of a whole configuration, gathered before any resource."""

    defaults: dict[str, tuple[dict[str, Any], Origin]] = field(default_factory=dict)
    templates: dict[str, tuple[dict[str, Any], Origin]] = field(default_factory=dict)


@dataclass
class Resolved:
    table: dict[str, Any]
    origins: dict[Path, Origin]  # where each path was set, by the deepest layer that set it

    def origin(self, path: Path) -> Origin | None:
        """The layer that wrote ``path`` (or its nearest ancestor written as a whole), None
        for the resource itself."""
        for i in range(len(path), 0, -1):
            found = self.origins.get(path[:i])
            if found is not None:
                return None if found.label == "" else found
        return None


@functools.cache  # one walk per model, not per resource
def whole_tables(model: type[Any]) -> frozenset[Path]:
    """Paths of tables whose members are alternatives (the API's oneOf): merged whole, never
    key by key (include_all from a template and include_only from the resource would
    otherwise both be set)."""
    from reconciler.kinds.spec_values import fields, is_one_of, submodel

    return frozenset(
        path
        for path, annotation in fields(model)
        if (sub := submodel(annotation)) is not None and is_one_of(sub)
    )


def _merge(
    dst: dict[str, Any],
    src: Mapping[str, Any],
    origin: Origin | None,
    origins: dict[Path, Origin],
    whole: frozenset[Path],
    prefix: Path = (),
) -> None:
    for key, value in src.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(dst.get(key), dict) and path not in whole:
            _merge(dst[key], value, origin, origins, whole, path)
            continue
        replaced = key in dst
        dst[key] = copy_json(value)
        if replaced:
            # The value is now this layer's, whole: forget what earlier layers said inside it.
            for known in [p for p in origins if p[: len(path)] == path]:
                del origins[known]
        if origin is not None:
            origins[path] = origin


def _names(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{TEMPLATE_KEY} must be a template name or a list of them, at {where}")


def resolve(
    kind: str,
    table: dict[str, Any],
    own: Origin,
    layers: Layers,
    whole: frozenset[Path] = frozenset(),
) -> Resolved:
    """The resource's table with its kind's defaults and its templates merged in. Raises
    ``ConfigError`` for an unknown template or a cycle (the caller adds file and address)."""
    if kind not in layers.defaults and TEMPLATE_KEY not in table:
        # Nothing to merge (most resources of most configurations): every value is the
        # resource's own, which ``Resolved.origin`` reports as None anyway. The table is
        # shared, not copied: nothing changes a resolved table.
        return Resolved(table, {})
    merged: dict[str, Any] = {}
    origins: dict[Path, Origin] = {}
    if kind in layers.defaults:
        defaults, origin = layers.defaults[kind]
        _merge(merged, defaults, origin, origins, whole)
    own_table = dict(table)
    names = (
        _names(own_table.pop(TEMPLATE_KEY), own.where((TEMPLATE_KEY,)))
        if (TEMPLATE_KEY in own_table)
        else []
    )
    for name in names:
        _apply_template(name, layers, merged, origins, whole, chain=())
    # The resource's own values are recorded too: a value it writes inside a table a
    # template also wrote is the resource's, not the template's.
    _merge(merged, own_table, own, origins, whole)
    return Resolved(merged, origins)


def _apply_template(
    name: str,
    layers: Layers,
    merged: dict[str, Any],
    origins: dict[Path, Origin],
    whole: frozenset[Path],
    chain: tuple[str, ...],
) -> None:
    if name in chain:
        cycle = " -> ".join((*chain, name))
        raise ConfigError(f"templates form a cycle: {cycle}")
    if name not in layers.templates:
        raise ConfigError(f"unknown template {name!r}{hint(name, layers.templates)}")
    table, origin = layers.templates[name]
    body = dict(table)
    if TEMPLATE_KEY in body:
        for parent in _names(body.pop(TEMPLATE_KEY), origin.where((TEMPLATE_KEY,))):
            _apply_template(parent, layers, merged, origins, whole, (*chain, name))
    _merge(merged, body, origin, origins, whole)


def gather(
    key: str,
    value: Any,
    file: str,
    index: LineIndex,
    kinds: Mapping[str, object],
    layers: Layers,
    errors: list[ConfigError],
) -> None:
    """Record one file's ``[defaults]`` or ``[templates]`` table."""
    if not isinstance(value, dict):
        errors.append(
            ConfigError(f"[{key}] must hold tables [{key}.<name>]", **index.at(file, (key,)))
        )
        return
    target = layers.defaults if key == DEFAULTS else layers.templates
    for name, table in value.items():
        if key == DEFAULTS and name not in kinds:
            errors.append(
                ConfigError(
                    f"[defaults.{name}]: unknown kind {name}{hint(name, kinds)}",
                    **index.at(file, (key, name)),
                )
            )
            continue
        if not isinstance(table, dict):
            errors.append(
                ConfigError(f"[{key}.{name}] must be a table", **index.at(file, (key, name)))
            )
            continue
        if name in target:
            first = target[name][1]
            errors.append(
                ConfigError(
                    f"[{key}.{name}] is defined twice: first at {first.where(())}",
                    **index.at(file, (key, name)),
                )
            )
            continue
        if key == DEFAULTS and TEMPLATE_KEY in table:
            # Defaults are the layer below every template: one naming a template would be
            # read as a setting of the kind, refused once per resource.
            errors.append(
                ConfigError(
                    f"[defaults.{name}]: {TEMPLATE_KEY} cannot be set in defaults; put the "
                    "shared values in the defaults themselves, or name the template on each "
                    "resource",
                    file=file,
                    line=index.line((key, name, TEMPLATE_KEY)),
                )
            )
            table = {k: v for k, v in table.items() if k != TEMPLATE_KEY}  # the rest still applies
        label = f"[defaults.{name}]" if key == DEFAULTS else f"template {name}"
        target[name] = (table, Origin(file, index, (key, name), label))


def locate(error: ConfigError, resolved: Resolved) -> ConfigError:
    """``error`` (about a resource) pointed at the layer that wrote the failing value."""
    if not error.field:
        return error
    from reconciler.paths import parse_path

    path = parse_path(error.field)
    origin = resolved.origin(path)
    if origin is None:
        return error
    moved = ConfigError(
        f"{error.message} (from {origin.label})",
        file=origin.file,
        line=origin.line(path),
        address=error.address,
        field=error.field,
    )
    return moved


def explain(resolved: Resolved, own: Origin) -> list[str]:
    """``path = value  # file:line (source)`` for every leaf of a resolved table."""
    import json

    lines: list[str] = []

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict) and node:
            for key in node:
                walk(node[key], (*path, key))
            return
        origin = resolved.origin(path)
        where = (origin or own).where(path)
        source = f" ({origin.label})" if origin else ""
        value = json.dumps(node, ensure_ascii=False)
        lines.append(f"{format_path(path)} = {value}  # {where}{source}")

    walk(resolved.table, ())
    return lines


def overlay(
    base: Mapping[str, Any], table: Mapping[str, Any], whole: frozenset[Path] = frozenset()
) -> dict[str, Any]:
    """``table`` merged over ``base`` as a resource over its defaults."""
    merged: dict[str, Any] = {}
    _merge(merged, base, None, {}, whole)
    _merge(merged, table, None, {}, whole)
    return merged


def strip(
    table: dict[str, Any],
    base: Mapping[str, Any],
    whole: frozenset[Path] = frozenset(),
    prefix: Path = (),
) -> dict[str, Any]:
    """``table`` without what merging it over ``base`` would not change: a key whose value
    ``base`` already gives is left out (nested tables key by key, ``whole`` ones as one
    value). For import, so a new table relies on the defaults already written instead of
    repeating them."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        given = base.get(key)
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(given, dict) and path not in whole:
            rest = strip(value, given, whole, path)
            if rest:
                out[key] = rest
        elif value != given:
            out[key] = value
    return out

"""Generic helpers over a kind's pydantic spec models: what an annotation allows, which
submodel a field holds, and raw API values reduced to the fields a model declares.

A table whose model has a ``one_of`` class attribute holds alternatives (the API's oneOf): set
exactly one member. Every helper here treats such tables the same way.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

Path = tuple[str, ...]


def members(annotation: Any) -> list[Any]:
    """The concrete types an annotation allows: Optional, unions, Annotated and containers
    (list, tuple, set) unwrapped."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return members(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return [m for arg in get_args(annotation) for m in members(arg)]
    return [annotation]


def submodel(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (directly, optionally or in a list), if any."""
    for member in members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(is_list(arg) for arg in get_args(annotation))


def is_one_of(model: type[BaseModel]) -> bool:
    return bool(getattr(model, "one_of", None))


def fields(model: type[BaseModel], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every field of ``model`` and its submodels (list indexes left out): (path, annotation)."""
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)
        yield path, info.annotation
        sub = submodel(info.annotation)
        if sub is not None:
            yield from fields(sub, path)


@dataclass(frozen=True, eq=False)
class _Shape:
    """What ``known`` needs of a model, worked out once per model (a plan reads it for every
    field of every object)."""

    fields: tuple[tuple[str, _Shape | None, bool], ...]  # name, submodel's shape, is a list
    names: frozenset[str]
    alternatives: tuple[str, ...]  # the oneOf members; empty outside a oneOf block
    pure: bool  # the block holds only its oneOf members


@functools.cache
def _shape(model: type[BaseModel]) -> _Shape:
    alternatives = tuple(getattr(model, "one_of", ()) or ())
    fields = []
    for name, f in model.model_fields.items():
        sub = submodel(f.annotation)
        fields.append((name, None if sub is None else _shape(sub), is_list(f.annotation)))
    return _Shape(
        fields=tuple(fields),
        names=frozenset(model.model_fields),
        alternatives=alternatives,
        pure=set(model.model_fields) == set(alternatives),
    )


_ABSENT: Any = object()
# Where a block is, as (where its parent is, field name, list index or None): joined only for
# a message, which few objects need.
_Where = tuple[Any, str, int | None] | str


def known(
    raw: Any, model: type[BaseModel], unknown: list[str] | None = None, where: str = ""
) -> Any:
    """``raw`` reduced to the fields ``model`` declares (new server fields dropped), with
    null lists as [] outside oneOf blocks and nulls dropped inside them.

    A key a oneOf block does not declare is another member of that oneOf (say
    ``aws_regions.exclude_only``): dropping it would make the object look like something
    else and a plan would overwrite it. Those keys (non-null) are appended to ``unknown``.
    New keys elsewhere are new settings with server defaults, and are dropped."""
    return _known(raw, _shape(model), unknown, where)


def _joined(where: _Where) -> str:
    if isinstance(where, str):
        return where
    parent, name, index = where
    return f"{_joined(parent)}{name}" + ("." if index is None else f"[{index}].")


def _known(raw: Any, shape: _Shape, unknown: list[str] | None, where: _Where) -> Any:
    if not isinstance(raw, dict):
        return raw
    one_of = bool(shape.alternatives)
    if unknown is not None and one_of:
        extra = [k for k in sorted(raw) if k not in shape.names and raw[k] is not None]
        # In a block that holds only the oneOf's members (regions, namespace filters, X-Ray),
        # any other key is another member. Where the block has other settings too (auth,
        # metric name filters), a new key beside a known member is a new setting.
        if extra and (shape.pure or not any(raw.get(m) is not None for m in shape.alternatives)):
            unknown.extend(f"{_joined(where)}{key}" for key in extra)
    out: dict[str, Any] = {}
    for name, sub, listed in shape.fields:
        value = raw.get(name, _ABSENT)
        if value is _ABSENT:
            continue
        if value is None:
            if one_of or not listed:
                continue
            value = []
        elif sub is not None and isinstance(value, list):
            value = [_known(item, sub, unknown, (where, name, i)) for i, item in enumerate(value)]
        elif sub is not None:
            value = _known(value, sub, unknown, (where, name, None))
        out[name] = value
    return out


def without_defaults(values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``values`` minus every key whose value equals the default (lists compared as sets);
    nested tables that end up empty are dropped. A oneOf table holds one key, so it is kept
    whole unless it equals its default."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        default = defaults.get(key)
        if isinstance(value, dict) and isinstance(default, dict):
            rest = without_defaults(value, default)
            if rest:
                out[key] = rest
        elif not same(value, default):
            out[key] = value
    return out


def same(a: Any, b: Any) -> bool:
    """Equal, with lists compared as sets."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(repr, a)) == sorted(map(repr, b))
    return bool(a == b)

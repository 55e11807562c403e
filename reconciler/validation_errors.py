"""pydantic validation errors -> ``ConfigError``s a user can act on.

Each error names the dotted field (union-member tags removed), a "did you mean" hint for
unknown keys, and what was expected. The input is never shown where a secret lies on the way
to the field, so a pasted secret cannot reach the terminal.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from reconciler.errors import ConfigError
from reconciler.paths import Path, format_path
from reconciler.secrets import EnvSecret
from reconciler.suggest import hint
from reconciler.toml_source import LineIndex

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "an array",
    "tuple_type": "an array",
    "set_type": "an array",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "datetime_type": "a date-time",
    "datetime_parsing": "a date-time",
    "date_type": "a date",
    "date_parsing": "a date",
}
_PREFIXES = ("Value error, ", "Assertion failed, ")


@dataclass
class _Walk:
    path: list[str | int]  # the loc without pydantic's union-member tags
    parent_fields: list[str] | None  # keys valid where the last loc item sits
    annotation: Any  # the type at the end of the loc; None when it could not be followed
    sensitive: bool  # a secret lies on the way (never describe the input)
    tag_at: int | None = None  # index in ``path`` where a union member was chosen
    tag: str | None = None


def _members(annotation: Any) -> list[Any]:
    """The concrete types an annotation allows (Optional, unions and Annotated unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in get_args(annotation):
            out.extend(_members(arg))
        return out
    return [annotation]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        out[info.alias or name] = info.annotation
    return out


def _has_secret(annotation: Any, deep: bool = False, seen: frozenset[type] = frozenset()) -> bool:
    """Whether values of this type are (or, with ``deep``, may hold somewhere) a secret."""
    for member in _members(annotation):
        if member is EnvSecret:
            return True
        container = get_origin(member) in (list, tuple, set, frozenset, dict)
        if container and any(_has_secret(arg, deep, seen) for arg in get_args(member)):
            return True
        if deep and _is_model(member) and member not in seen:
            inner = seen | {member}
            if any(_has_secret(t, deep, inner) for t in _fields(member).values()):
                return True
    return False


def _tag_name(member: Any) -> str:
    if _is_model(member):
        return str(member.__name__)
    origin = get_origin(member)
    if origin is not None:
        args = ", ".join(_tag_name(a) for a in get_args(member))
        return f"{getattr(origin, '__name__', origin)}[{args}]"
    return str(getattr(member, "__name__", member))


def _walk(model: type[BaseModel], loc: Sequence[str | int]) -> _Walk:
    walk = _Walk(path=[], parent_fields=None, annotation=model, sensitive=False)
    current: Any = model
    for item in loc:
        if current is None:
            walk.path.append(item)
            continue
        members = _members(current)
        if any(_has_secret(m) for m in members):
            walk.sensitive = True
        models = [m for m in members if _is_model(m)]
        if len(members) > 1 and isinstance(item, str):
            # pydantic puts the union member it tried into the loc: ("auth", "RoleAuth", ...).
            named = [m for m in members if _tag_name(m) == item]
            if named or not any(item in _fields(m) for m in models):
                if walk.tag_at is None:
                    walk.tag_at, walk.tag = len(walk.path), item
                current = named[0] if named else None
                continue
        walk.path.append(item)
        if isinstance(item, str) and models:
            walk.parent_fields = sorted({f for m in models for f in _fields(m)})
            owner = next((m for m in models if item in _fields(m)), None)
            current = _fields(owner)[item] if owner is not None else None
            continue
        walk.parent_fields = None
        current = _element(members, item)
    walk.annotation = current
    # A table that holds a secret somewhere is as sensitive as the secret: a pasted key given
    # where the table should be must not be echoed either.
    if current is None or _has_secret(current, deep=True):
        walk.sensitive = True
    return walk


def _element(members: list[Any], item: str | int) -> Any:
    for member in members:
        origin = get_origin(member)
        args = get_args(member)
        if isinstance(item, int) and origin in (list, set, frozenset) and args:
            return args[0]
        if isinstance(item, int) and origin is tuple and args:
            return (
                args[0]
                if len(args) == 2 and args[1] is Ellipsis
                else args[min(item, len(args) - 1)]
            )
        if origin is dict and len(args) == 2:
            return args[1]
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:37] + '..."'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _message(error: Mapping[str, Any], walk: _Walk) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    if kind == "extra_forbidden":
        key = str(walk.path[-1]) if walk.path else "?"
        return f"unknown key {key}{hint(key, walk.parent_fields or [])}"
    if kind == "missing":
        return "required"
    for prefix in _PREFIXES:
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if kind in _EXPECTED:
        text = f"expected {_EXPECTED[kind]}"
    elif msg.startswith("Input should be "):
        text = "expected " + msg[len("Input should be ") :]
    else:
        return msg
    # The input is shown only where it cannot be a secret: a pasted credential must never
    # reach a CI log through an error message.
    if not walk.sensitive and "input" in error:
        text += f", got {_describe(error['input'])}"
    return text


def convert_errors(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    file: str,
    index: LineIndex,
    base: Path,
    address: str | None = None,
    field_prefix: str | None = None,
) -> list[ConfigError]:
    walked = [(e, _walk(model, e["loc"])) for e in exc.errors(include_url=False)]
    out: list[ConfigError] = []
    seen: set[tuple[str, str]] = set()
    for _error, walk, message in _pick_union_branches(walked):
        field = format_path(tuple(walk.path))
        if field_prefix:
            field = f"{field_prefix}.{field}" if field else field_prefix
        if (field, message) in seen:
            continue
        seen.add((field, message))
        out.append(
            ConfigError(
                message,
                file=file,
                line=index.line((*base, *walk.path)),
                address=address,
                field=field or None,
            )
        )
    return out


def _pick_union_branches(
    walked: Sequence[tuple[Any, _Walk]],
) -> list[tuple[Any, _Walk, str]]:
    """pydantic reports every union member that failed. Keep one account per union: the
    member with the fewest errors, or, when every member failed on the value's type alone,
    one merged "expected X or Y" message."""
    groups: dict[tuple[str | int, ...], dict[str, list[tuple[Any, _Walk]]]] = {}
    for error, walk in walked:
        if walk.tag_at is not None and walk.tag is not None:
            key = tuple(walk.path[: walk.tag_at])
            groups.setdefault(key, {}).setdefault(walk.tag, []).append((error, walk))
    out: list[tuple[Any, _Walk, str]] = []
    done: set[tuple[str | int, ...]] = set()
    for error, walk in walked:
        if walk.tag_at is None:
            out.append((error, walk, _message(error, walk)))
            continue
        key = tuple(walk.path[: walk.tag_at])
        if key in done:
            continue
        done.add(key)
        branches = groups[key]
        type_only = all(
            len(errs) == 1 and len(errs[0][1].path) == len(key) and errs[0][0]["type"] in _EXPECTED
            for errs in branches.values()
        )
        if type_only and len(branches) > 1:
            expected = [_EXPECTED[errs[0][0]["type"]] for errs in branches.values()]
            first_error, first_walk = next(iter(branches.values()))[0]
            text = "expected " + " or ".join(dict.fromkeys(expected))
            sensitive = any(errs[0][1].sensitive for errs in branches.values())
            if not sensitive and "input" in first_error:
                text += f", got {_describe(first_error['input'])}"
            out.append((first_error, first_walk, text))
            continue
        best = min(branches.values(), key=len)
        out.extend((e, w, _message(e, w)) for e, w in best)
    return out

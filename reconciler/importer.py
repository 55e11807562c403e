"""Import: adopt live objects that are in neither the configuration nor the state.

For each one, the kind writes a TOML table that declares it; the table is appended to a file
the user names (with tomlkit, so existing comments and formatting stay as they are) and the
object is recorded in the state as if that table had just been applied. A plan run right after
is empty. Values an API never returns (secrets, write-only members) cannot be read: the kind
writes ``${env:...}`` references or leaves them for the user, and they are assumed to match.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import ValidationError
from tomlkit.exceptions import TOMLKitError

from reconciler.atomic import write_atomic
from reconciler.diff import fingerprint
from reconciler.errors import ConfigError, ReconcilerError
from reconciler.kinds.base import Observed, ResourceKind
from reconciler.secrets import digest_secrets
from reconciler.state.base import ResourceState, State
from reconciler.templates import overlay, strip, whole_tables

_TOML_POSITION = re.compile(r" at line (\d+) col (\d+)$")


def resource_name(natural_key: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", natural_key.rsplit("/", 1)[-1]).strip("_") or "imported"
    if not re.match(r"^[A-Za-z_]", base):
        base = f"r_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def import_objects(
    objects: list[tuple[str, Observed]],
    kinds: Mapping[str, ResourceKind],
    state: State,
    target: Path,
    taken: Mapping[str, set[str]],
    env: Mapping[str, str] | None = None,
    defaults: Mapping[str, dict[str, Any]] | None = None,
) -> tuple[list[str], list[str]]:
    """Write TOML for ``objects`` (kind, observed) into ``target`` and record them in
    ``state`` (not yet saved). Returns the new addresses, and one message per object that
    could not be imported (its required settings cannot be read from the API). A table
    leaves out what the configuration's ``[defaults.<kind>]`` already gives."""
    doc = _read_target(target)
    added: list[str] = []
    skipped: list[str] = []
    entries: dict[str, ResourceState] = {}
    for kind_name, obj in objects:
        kind = kinds[kind_name]
        names = set(taken.get(kind_name, set()))
        if kind_name in doc:
            names |= set(doc[kind_name])
        name = resource_name(obj.natural_key, names)
        address = f"{kind_name}.{name}"
        try:
            table = kind.spec_table(obj)
        except ReconcilerError as err:  # e.g. it uses something this version does not manage
            skipped.append(f"{kind_name} {obj.natural_key}: not imported: {err.message}")
            continue
        try:
            spec = kind.spec.model_validate(table, context={"env": env} if env else None)
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(x) for x in first["loc"])
            if first["type"] == "missing":
                why = f"{field} cannot be read from the API (it is write-only)"
            elif str(first["type"]).startswith("secret_env"):
                why = f"{field} is read from the environment ({first['msg']}): set it"
            else:
                why = f"this version refuses its live value of {field} ({first['msg']})"
            skipped.append(
                f"{kind_name} {obj.natural_key}: not imported: {why}; declare it in the TOML "
                "and plan adopts it by its natural key"
            )
            continue
        try:
            own = (defaults or {}).get(kind_name, {})
            written = _relying_on_defaults(kind, table, spec, own, env)
        except ReconcilerError as err:
            skipped.append(f"{kind_name} {obj.natural_key}: not imported: {err.message}")
            continue
        if kind_name not in doc:
            doc.add(kind_name, tomlkit.table(is_super_table=True))
        parent: Any = doc[kind_name]
        parent.add(name, _to_toml(written))
        entries[address] = ResourceState(
            kind=kind_name,
            remote_id=obj.remote_id,
            natural_key=obj.natural_key,
            last_applied=digest_secrets(kind.desired_values(spec), state.key_bytes),
            fingerprint=fingerprint(obj, kind.rules),
            options=kind.options(spec),
            prevent_destroy=spec.lifecycle.prevent_destroy,
        )
        added.append(address)
    if added:
        _write_target(target, tomlkit.dumps(doc).encode("utf-8"))
        state.resources.update(entries)
    return added, skipped


def _relying_on_defaults(
    kind: ResourceKind,
    table: dict[str, Any],
    spec: Any,
    defaults: dict[str, Any],
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``table`` without what ``[defaults.<kind>]`` already gives, if the defaults, merged back
    in, still declare exactly this object; else every value written out. (The kind's table
    leaves out server defaults; a configuration default for one of those would otherwise
    turn into a change nobody asked for.)"""
    if not defaults:
        return table
    whole = whole_tables(kind.spec)
    written = strip(table, defaults, whole)
    if _declares(kind, spec, overlay(defaults, written, whole), env):
        return written
    explicit: dict[str, Any] = spec.model_dump(
        mode="json", exclude={"lifecycle"}, exclude_none=True
    )
    if _declares(kind, spec, overlay(defaults, explicit, whole), env):
        return explicit
    # E.g. the defaults set org = "eu" and the object is in the default organisation: no
    # table under these defaults declares it, and one that looks close would be another.
    raise ReconcilerError(
        f"the configuration's [defaults.{kind.name}] would make any table for it declare "
        "another object (another connection or natural key); declare it by hand"
    )


def _declares(
    kind: ResourceKind, spec: Any, table: dict[str, Any], env: Mapping[str, str] | None
) -> bool:
    """Whether ``table`` declares the same object as ``spec``: same natural key (the
    connection included) and the same values."""
    try:
        again = kind.spec.model_validate(table, context={"env": env} if env else None)
        return bool(
            kind.natural_key(again) == kind.natural_key(spec)
            and kind.desired_values(again) == kind.desired_values(spec)
        )
    except (ValidationError, ConfigError):
        return False


def _read_target(target: Path) -> tomlkit.TOMLDocument:
    try:
        text = target.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except IsADirectoryError:
        raise ConfigError(
            "cannot import into a directory; name a TOML file", file=str(target)
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file to import into: {exc.strerror}", file=str(target)
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot import into this file: it is not UTF-8 text (byte {exc.start})",
            file=str(target),
        ) from None
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        # As config.py reports TOML errors: the parser's description, the position as line
        # (and column).
        message = str(exc)
        line: int | None = None
        match = _TOML_POSITION.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()].rstrip(". ") + f" (column {match.group(2)})"
        raise ConfigError(
            f"cannot import into this file: invalid TOML: {message}", file=str(target), line=line
        ) from None


def _write_target(target: Path, data: bytes) -> None:
    # Replaced atomically: an interrupted write must never truncate the user's own TOML. An
    # existing file keeps its permissions; a new one is an ordinary config file (no secrets
    # in it, only ${env:...} references). A symlink stays a symlink: its target is replaced.
    path = target.resolve() if target.is_symlink() else target
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, mode=mode)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the imported configuration: {exc.strerror}; the file is unchanged",
            file=str(target),
        ) from None


def _to_toml(table: dict[str, Any]) -> Any:
    out = tomlkit.table()
    nested = {k: v for k, v in table.items() if isinstance(v, dict)}
    for key, value in table.items():
        if key not in nested:
            out.add(key, value)
    for key, value in nested.items():
        if all(not isinstance(v, dict) for v in value.values()) and len(value) <= 2:
            inline = tomlkit.inline_table()
            inline.update(value)
            out.add(key, inline)
        else:
            out.add(key, _to_toml(value))
    return out

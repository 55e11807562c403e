"""The state file format on disk: JSON, sorted keys, two-space indent, trailing newline."""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretBytes, SecretStr, ValidationError

from reconciler import gc_pace
from reconciler.errors import StateError
from reconciler.secrets import EnvSecret
from reconciler.state.base import STATE_FORMAT_VERSION, State


def refuse_value(value: Any) -> Any:
    """``json.dumps``'s ``default`` for stored documents: nothing unknown is stored."""
    # Anything json cannot store ends the write. A secret reaching this point is a bug
    # upstream (it should have been turned into a digest); never store it, never print it.
    if isinstance(value, EnvSecret | SecretStr | SecretBytes):
        raise StateError("refusing to write a secret value into the state")
    raise StateError(f"cannot store a value of type {type(value).__name__} in the state")


def encode_state(state: State) -> bytes:
    text = json.dumps(state.model_dump(), indent=2, sort_keys=True, default=refuse_value)
    return (text + "\n").encode()


def check_successor(stored: State, new: State, where: str) -> None:
    """Refuse to replace ``stored`` with ``new`` unless ``new`` continues it: same lineage, a
    higher serial. Every backend calls this just before it overwrites a state."""
    if stored.lineage != new.lineage:
        raise StateError(
            f"refusing to overwrite a state of lineage {stored.lineage} with one of "
            f"lineage {new.lineage}",
            file=where,
        )
    if new.serial <= stored.serial:
        raise StateError(
            f"refusing to write serial {new.serial}: the stored state is already at "
            f"serial {stored.serial} (written by another run?)",
            file=where,
        )


@gc_pace.paused()
def decode_state(data: bytes, where: str) -> State:
    """Parse a stored state; every problem is a ``StateError`` naming ``where``."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StateError(f"corrupt state: not UTF-8 text (byte {exc.start})", file=where) from None
    except json.JSONDecodeError as exc:
        raise StateError(
            f"corrupt state: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            file=where,
        ) from None
    except (ValueError, RecursionError):
        # A number too long to convert, or nesting deeper than the parser goes.
        raise StateError("corrupt state: the JSON cannot be read", file=where) from None
    if not isinstance(raw, dict):
        raise StateError(
            f"corrupt state: expected a JSON object, found {type(raw).__name__}", file=where
        )
    version = raw.get("version")
    if version != STATE_FORMAT_VERSION:
        shown = "none" if version is None else json.dumps(version)
        raise StateError(
            f"unsupported state format version {shown}; this reconciler reads version "
            f"{STATE_FORMAT_VERSION}",
            file=where,
        )
    try:
        return State.model_validate(raw)
    except RecursionError:
        raise StateError("corrupt state: nested too deeply", file=where) from None
    except ValidationError as exc:
        # No input values: the state holds the digest key.
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
            for e in exc.errors(include_url=False, include_input=False)
        ]
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise StateError("corrupt state: " + "; ".join(problems[:3]) + more, file=where) from None

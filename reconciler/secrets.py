"""Secret values: written in TOML only as ``${env:NAME}``, held as ``EnvSecret``.

An ``EnvSecret`` remembers which variable it came from and keeps the value in a ``SecretStr``.
It serialises back to ``${env:NAME}`` (never the value) and is compared across runs through a
keyed digest: HMAC-SHA256 under a random key kept in the state, so the same secret in two
states gives unrelated digests.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    SecretStr,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from reconciler.paths import Path, format_path

ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
DIGEST_PREFIX = "hmac-sha256:"


class EnvSecret:
    """A secret read from an environment variable."""

    __slots__ = ("env", "value")
    # How many were ever made in this process, copies included: while none was, no value can
    # hold one (``digest_secrets`` then has nothing to look for).
    made: ClassVar[int] = 0

    def __new__(cls, *args: Any, **kwargs: Any) -> EnvSecret:
        EnvSecret.made += 1
        return super().__new__(cls)

    def __init__(self, env: str, value: str) -> None:
        self.env = env
        self.value = SecretStr(value)

    @property
    def reference(self) -> str:
        return "${env:" + self.env + "}"

    def digest(self, key: bytes) -> str:
        mac = hmac.new(key, self.value.get_secret_value().encode(), hashlib.sha256)
        return DIGEST_PREFIX + mac.hexdigest()

    def __repr__(self) -> str:
        return f"EnvSecret({self.reference})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, EnvSecret)
            and other.env == self.env
            and hmac.compare_digest(other.value.get_secret_value(), self.value.get_secret_value())
        )

    def __hash__(self) -> int:
        return hash(self.env)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _validate_env_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda v: v.reference if isinstance(v, EnvSecret) else v
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": ENV_REF.pattern,
            "description": "A secret, written only as ${env:NAME}; the value is read from that "
            "environment variable and never stored.",
        }


def _environment(info: ValidationInfo) -> Mapping[str, str]:
    ctx = info.context
    if isinstance(ctx, Mapping) and isinstance(ctx.get("env"), Mapping):
        env: Mapping[str, str] = ctx["env"]
        return env
    import os

    return os.environ


def _validate_env_secret(value: Any, info: ValidationInfo) -> EnvSecret:
    if isinstance(value, EnvSecret):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("secret_type", "expected a string of the form ${env:NAME}")
    match = ENV_REF.match(value)
    if not match:
        # Never echo the value back: it may be a pasted secret.
        raise PydanticCustomError(
            "secret_literal",
            "secrets must be written as ${env:NAME}, not as a literal value",
        )
    name = match.group(1)
    env = _environment(info)
    if name not in env:
        raise PydanticCustomError(
            "secret_env_missing", "environment variable {name} is not set", {"name": name}
        )
    if env[name] == "":
        raise PydanticCustomError(
            "secret_env_empty", "environment variable {name} is empty", {"name": name}
        )
    if not isinstance(env, MissingEnvironment):
        from reconciler import redact

        redact.register(env[name])  # from now on no output of this process can show it
    return EnvSecret(name, env[name])


class MissingEnvironment(dict[str, str]):
    """An environment for ``validate``: a variable that is not set reads as a placeholder and
    is noted, so a configuration can be checked without its secret values (pre-commit on a
    laptop, pull requests from forks). Plan and apply never use it."""

    PLACEHOLDER = "(not set)"

    def __init__(self, real: Mapping[str, str]) -> None:
        super().__init__(real)
        self.missing: set[str] = set()

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and not super().__contains__(name):
            self.missing.add(name)
        return True

    def __missing__(self, name: str) -> str:
        self.missing.add(name)
        return self.PLACEHOLDER


Secret = Annotated[EnvSecret, "secret"]


def is_digest(value: object) -> bool:
    return isinstance(value, str) and value.startswith(DIGEST_PREFIX)


def digest_secrets(value: Any, key: bytes) -> Any:
    """``value`` with every ``EnvSecret`` replaced by its keyed digest. Containers holding no
    secret are returned as they are (shared, not copied); the others are new."""
    if not EnvSecret.made:  # no secret exists: nothing to walk for
        return value
    if isinstance(value, EnvSecret):
        return value.digest(key)
    if not isinstance(value, (dict, list)):
        return value
    out: Any = None  # the copy, made at the first secret found
    for k, v in value.items() if isinstance(value, dict) else enumerate(value):
        if isinstance(v, _NOT_SCALAR):
            new = digest_secrets(v, key)
            if new is not v:
                out = value.copy() if out is None else out
                out[k] = new
    return value if out is None else out


_NOT_SCALAR = (dict, list, EnvSecret)


def secret_refs(value: Any, prefix: Path = ()) -> dict[str, str]:
    """Dotted path -> ``${env:NAME}`` for every secret in ``value``."""
    out: dict[str, str] = {}
    if isinstance(value, EnvSecret):
        out[format_path(prefix)] = value.reference
    elif isinstance(value, dict):
        for k, v in value.items():
            out.update(secret_refs(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(secret_refs(v, (*prefix, i)))
    return out


@functools.cache  # one walk per model, not per resource
def secret_paths(model: type[Any]) -> frozenset[tuple[str, ...]]:
    """The field paths of ``model`` (a pydantic model; list indexes left out) whose values are
    secrets: where ``${env:NAME}`` is read."""
    from reconciler.kinds.spec_values import fields, members

    return frozenset(path for path, annotation in fields(model) if EnvSecret in members(annotation))

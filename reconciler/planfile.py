"""The saved plan file: what ``plan --out`` writes and ``apply PLANFILE`` reads.

A versioned JSON document holding the ``Plan`` itself (lineage, serial, config digest,
fingerprints of every live object it touches, secret *digests*) and, per address, the
``${env:NAME}`` references its secrets come from. It never holds a secret value.

``pending_digest_key`` is set only when no state existed at plan time: the planner then had
to choose the new state's HMAC key, and apply creates the state with that same key so the
secret digests in the plan still match. While it is set the file is as sensitive as a state
file (the key lets anyone test guesses of a secret against its digest), so the file is always
written with mode 0600.

The file's digest (``sha256:`` over its exact bytes) is what a reviewer approved; the merge
job compares it before applying. Staleness checks (lineage, serial, secrets, fingerprints)
belong to the engine.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reconciler import __version__, redact
from reconciler.atomic import write_atomic
from reconciler.canonical import pretty_json
from reconciler.errors import PlanError
from reconciler.model import PLAN_FORMAT_VERSION, Plan
from reconciler.secrets import ENV_REF

PLAN_FILE_FORMAT: Literal["reconciler-plan"] = "reconciler-plan"
PLAN_FILE_VERSION = 1

_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


class PlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["reconciler-plan"] = PLAN_FILE_FORMAT
    version: int = PLAN_FILE_VERSION
    created_by: str = f"reconciler {__version__}"
    config_path: str  # the configuration path the plan was made from, as given
    plan: Plan
    # address -> dotted field path -> "${env:NAME}": where each secret is read from at apply.
    secrets: dict[str, dict[str, str]] = Field(default_factory=dict)
    # hex HMAC key for a state that does not exist yet; None when the state existed.
    pending_digest_key: str | None = None

    @field_validator("secrets")
    @classmethod
    def _only_references(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        # A value here that is not a ${env:NAME} reference may be a pasted secret: refuse it
        # and never repeat it.
        for address, refs in v.items():
            for path, ref in refs.items():
                if not ENV_REF.match(ref):
                    raise ValueError(f"secret {address} {path} must be an ${{env:NAME}} reference")
        return v

    @field_validator("plan")
    @classmethod
    def _one_change_per_address(cls, v: Plan) -> Plan:
        seen: set[str] = set()
        for change in v.changes:
            if change.address in seen:
                raise ValueError(f"{change.address} is planned twice")
            seen.add(change.address)
        return v

    @field_validator("pending_digest_key")
    @classmethod
    def _hex_key(cls, v: str | None) -> str | None:
        if v is not None and not _HEX_KEY.match(v):
            raise ValueError("pending_digest_key must be 64 lowercase hex characters")
        return v


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _encode(doc: dict[str, Any]) -> bytes:
    # Field order kept (``format`` first, so a reader can recognise the file from its start).
    # A registered secret found in any value (an API can echo anything) is removed: the file
    # is uploaded as a CI artifact. The plan then no longer matches a fresh one there, so an
    # apply of it is refused rather than carried out with the redacted value.
    return (pretty_json(redact.deep(doc)) + "\n").encode()


def save_plan(path: Path, pf: PlanFile) -> str:
    """Write atomically with mode 0600; returns the digest of the bytes written."""
    try:
        # Again, for models built around validation (model_copy, model_construct).
        PlanFile.model_validate(pf.model_dump(by_alias=True))
    except ValidationError as err:
        first = err.errors()[0]
        raise PlanError(
            f"refusing to write the plan file: {_where(first['loc'])}: {first['msg']}",
            file=str(path),
        ) from None
    data = _encode(pf.model_dump(mode="json", by_alias=True))
    try:
        # 0600 from the start: the file may hold pending_digest_key (see above).
        write_atomic(path, data, mode=0o600)
    except OSError as err:
        raise PlanError(f"cannot write the plan file: {err.strerror}", file=str(path)) from None
    return _digest(data)


def _read(path: Path) -> bytes:
    try:
        # Never opened unless a regular file: reading a FIFO would block for ever.
        if not stat.S_ISREG(path.stat().st_mode):
            raise PlanError("not a plan file: not a regular file", file=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanError("plan file not found", file=str(path)) from None
    except IsADirectoryError:
        raise PlanError("is a directory, not a plan file", file=str(path)) from None
    except OSError as err:
        raise PlanError(f"cannot read the plan file: {err.strerror}", file=str(path)) from None


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_plan(data: bytes, *, file: str) -> PlanFile:
    if not data.strip():
        raise PlanError("not a plan file: the file is empty", file=file)
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlanError("not a plan file: it is not UTF-8 text", file=file) from None
    except json.JSONDecodeError as err:
        raise PlanError(
            f"not a plan file: invalid JSON at line {err.lineno} column {err.colno} "
            "(the file is corrupt or truncated)",
            file=file,
        ) from None
    except (ValueError, RecursionError):
        # A number too long to convert, or nesting too deep for the parser.
        raise PlanError("not a plan file: the JSON cannot be read", file=file) from None
    if not isinstance(doc, dict) or doc.get("format") != PLAN_FILE_FORMAT:
        raise PlanError(f'not a plan file: no "format": "{PLAN_FILE_FORMAT}" in it', file=file)
    version = doc.get("version")
    if version != PLAN_FILE_VERSION:
        shown = version if isinstance(version, int) else "missing"
        raise PlanError(
            f"plan file version {shown} is not supported (this reconciler reads version "
            f"{PLAN_FILE_VERSION}); make the plan again with this reconciler",
            file=file,
        )
    try:
        pf = PlanFile.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        more = err.error_count() - 1
        # Only the location and the rule, never the offending input: it could be anything.
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        raise PlanError(
            f"corrupt plan file: {_where(first['loc'])}: {first['msg']}{extra}", file=file
        ) from None
    if pf.plan.format_version != PLAN_FORMAT_VERSION:
        raise PlanError(
            f"plan format {pf.plan.format_version} is not supported (this reconciler reads "
            f"{PLAN_FORMAT_VERSION}); make the plan again with this reconciler",
            file=file,
        )
    return pf


def load_plan_with_digest(path: Path) -> tuple[PlanFile, str]:
    """The plan and the digest of the very bytes it was parsed from (one read, no race)."""
    data = _read(path)
    return parse_plan(data, file=str(path)), _digest(data)


def load_plan(path: Path) -> PlanFile:
    return load_plan_with_digest(path)[0]


def plan_file_digest(path: Path) -> str:
    return _digest(_read(path))

"""The configuration's files: found and read (fail closed), parsed, and digested.

A ``*.toml`` entry that cannot be read is an error, never skipped; a file that is not UTF-8
or not TOML is one error naming it, with tomli's words and position.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import toml_text
from reconciler.errors import ConfigError
from reconciler.toml_source import LineIndex

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Source:
    display: str  # the path as the user will read it in messages
    relative: str  # the name within the configuration, used in the digest
    data: bytes


@dataclass(frozen=True)
class Parsed:
    source: Source
    doc: dict[str, Any]
    index: LineIndex


def read_sources(path: Path) -> list[Source]:
    """Every file of the configuration, read. Fail closed: a ``*.toml`` entry that cannot be
    read (a dangling symlink, a loop, a FIFO, a directory, no permission) is an error, never
    skipped: a skipped file would make its resources look removed, and plan would destroy them.
    """
    try:
        is_dir = path.is_dir()
        if not is_dir and not path.exists():
            if path.is_symlink():
                raise ConfigError("a symbolic link whose target does not exist", file=str(path))
            raise ConfigError("no such file or directory", file=str(path))
        files = sorted(path.glob("*.toml")) if is_dir else [path]
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None
    if is_dir and not files:
        raise ConfigError("no *.toml files in this directory", file=str(path))
    return [_read_source(file) for file in files]


def _read_source(file: Path) -> Source:
    shown = str(file)
    try:
        info = file.stat()  # follows symlinks: a dangling one or a loop raises here
    except FileNotFoundError:
        raise ConfigError(
            "cannot read: a symbolic link whose target does not exist", file=shown
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=shown) from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError("cannot read: a directory, not a TOML file", file=shown)
    if not stat.S_ISREG(info.st_mode):
        # Never opened: reading a FIFO would block until something writes to it.
        raise ConfigError("cannot read: not a regular file (a FIFO, socket or device)", file=shown)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=shown) from None
    return Source(shown, file.name, data)


def parse(source: Source, errors: list[ConfigError], *, document_order: bool) -> Parsed | None:
    """``source`` as TOML (``document_order``: keys as written), or None with its error added."""
    try:
        text = source.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(ConfigError(f"not UTF-8 text (byte {exc.start})", file=source.display))
        return None
    try:
        doc = toml_text.loads(text, document_order=document_order)
    except RecursionError:
        errors.append(ConfigError("invalid TOML: nested too deeply", file=source.display))
        return None
    except toml_text.TOMLDecodeError as exc:
        message = str(exc)
        line: int | None = None
        match = _TOML_POSITION.search(message)
        if match:
            line = int(match.group(1))
            message = message[: match.start()] + f" (column {match.group(2)})"
        errors.append(ConfigError(f"invalid TOML: {message}", file=source.display, line=line))
        return None
    return Parsed(source, doc, LineIndex(text))


def digest(sources: list[Source]) -> str:
    """sha256 over the files' names and bytes, in path order."""
    h = hashlib.sha256()
    for source in sources:
        name = source.relative.encode()
        # Lengths delimit the parts, so moving bytes between a name and a file changes the digest.
        h.update(len(name).to_bytes(8, "big") + name)
        h.update(len(source.data).to_bytes(8, "big") + source.data)
    return "sha256:" + h.hexdigest()

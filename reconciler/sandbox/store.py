"""The sandbox's cloud: a JSON snapshot under the data directory plus a journal of changes.

The document is ``{"version": 1, section: {collection: {key: record}}}`` (e.g.
``datadog.accounts``). Each ``update()`` that changes something appends one line to
``sandbox.journal`` (the records it put or removed, nothing else) and fsyncs it, so a request
costs the same with 10 objects or 20,000. The journal is folded into ``sandbox.json`` (atomic:
temp file, fsync, ``os.replace``) on load, on ``close()``, and whenever it outgrows the
snapshot, which keeps the bytes written proportional to the changes made.

Crash safety: a line is one whole ``update()``; a torn last line (a crash mid-append) is an
update that never finished and is dropped. Folding writes the snapshot before removing the
journal; a crash between the two replays changes the snapshot already holds, which is harmless
(each line sets whole records or removes them). One lock serialises all access from the
server's threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reconciler.atomic import write_atomic
from reconciler.errors import StateError
from reconciler.paths import copy_json
from reconciler.sandbox.store_index import Index, KeyOf

FILE_NAME = "sandbox.json"
JOURNAL_NAME = "sandbox.journal"
FORMAT_VERSION = 1

Document = dict[str, Any]
Record = Any


def _empty() -> Document:
    # "controls": the sandbox's own switches (retired namespaces, refused accounts), kept as
    # records like any other so the journal carries them. "sts": roles registered per AWS
    # account, and the sessions AssumeRole handed out (never their secrets).
    return {
        "version": FORMAT_VERSION,
        "datadog": {"accounts": {}, "controls": {}},
        "logs": {"integrations": {}},
        "sts": {"roles": {}, "sessions": {}},
    }


class _Gone:
    pass


_GONE = _Gone()


class _Draft(MutableMapping[str, Record]):
    """One collection as an ``update()`` block sees it: changes are kept aside until commit.

    A record read by key (``draft[key]``, ``get``, ``pop``) is a private copy that may be
    changed. ``values()`` and ``items()`` walk the collection without copying it and hand out
    read-only views of the records not yet touched: change a record through its key.
    """

    def __init__(self, base: dict[str, Record]) -> None:
        self.base = base
        self.changes: dict[str, Record] = {}

    def __getitem__(self, key: str) -> Record:
        if key in self.changes:
            value = self.changes[key]
            if value is _GONE:
                raise KeyError(key)
            return value
        copy = copy_json(self.base[key])
        self.changes[key] = copy
        return copy

    def __setitem__(self, key: str, value: Record) -> None:
        self.changes[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.changes[key] = _GONE

    def __contains__(self, key: object) -> bool:
        if key in self.changes:
            return self.changes[key] is not _GONE
        return key in self.base

    def __iter__(self) -> Iterator[str]:
        for key in self.base:
            if self.changes.get(key) is not _GONE:
                yield key
        for key, value in self.changes.items():
            if key not in self.base and value is not _GONE:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _read_only(self, key: str) -> Record:
        value = self.changes.get(key, _GONE)
        if value is not _GONE:
            return value
        value = self.base[key]
        return MappingProxyType(value) if isinstance(value, dict) else value

    def values(self) -> Iterator[Record]:  # type: ignore[override]
        return (self._read_only(k) for k in self)

    def items(self) -> Iterator[tuple[str, Record]]:  # type: ignore[override]
        return ((k, self._read_only(k)) for k in self)

    def ops(self) -> Iterator[tuple[str, Record | None]]:
        """(key, new record or None for removed) for what really changed."""
        for key, value in self.changes.items():
            if value is _GONE:
                if key in self.base:
                    yield key, None
            elif key not in self.base or self.base[key] != value:
                yield key, value


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self.journal_path = data_dir / JOURNAL_NAME
        self._lock = threading.RLock()
        self._snapshot_bytes = 0
        self._journal_bytes = 0
        self._indexes: dict[tuple[str, str], list[Index]] = {}
        self._doc = self._load()
        if self._journal_bytes:
            self._fold()

    # -- reading -----------------------------------------------------------------------------
    def _read_text(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(
                f"cannot read the sandbox data: {exc.strerror}", file=str(path)
            ) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StateError(
                f"the sandbox data is not UTF-8 text (byte {exc.start}); delete it to start afresh",
                file=str(path),
            ) from None
        if path == self.path:
            self._snapshot_bytes = len(data)
        else:
            self._journal_bytes = len(data)
        return text

    def _load(self) -> Document:
        text = self._read_text(self.path)
        base = _empty()
        if text is not None:
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                raise StateError(
                    f"the sandbox data is not valid JSON ({exc.msg})",
                    file=str(self.path),
                    line=exc.lineno,
                ) from None
            if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
                raise StateError(
                    f"the sandbox data is not format version {FORMAT_VERSION}; "
                    "delete it to start afresh",
                    file=str(self.path),
                )
            for section in ("datadog", "logs", "sts"):
                if isinstance(doc.get(section), dict):
                    base[section].update(doc[section])
        for section in base.values():
            if isinstance(section, dict):
                for name, collection in section.items():
                    if not isinstance(collection, dict):
                        raise StateError(
                            f"the sandbox data's {name} is not an object; delete it to start "
                            "afresh",
                            file=str(self.path),
                        )
        self._replay(base)
        return base

    def _replay(self, doc: Document) -> None:
        text = self._read_text(self.journal_path)
        if not text:
            return
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                entry = json.loads(line)
                ops = [(section, name, key, value) for section, name, key, value in entry]
            except (json.JSONDecodeError, TypeError, ValueError) as exc:
                if number == len(lines):  # a torn last append: an update that never finished
                    break
                raise StateError(
                    f"the sandbox journal is not valid ({exc}); delete it to start afresh",
                    file=str(self.journal_path),
                    line=number,
                ) from None
            for section, name, key, value in ops:
                collection = doc.setdefault(section, {}).setdefault(name, {})
                if value is None:
                    collection.pop(key, None)
                else:
                    collection[key] = value

    # -- access ------------------------------------------------------------------------------
    @contextmanager
    def view(self) -> Iterator[Document]:
        """Read under the lock. Do not change the document here."""
        with self._lock:
            yield self._doc

    def index(self, section: str, name: str, key_of: KeyOf) -> Index:
        """An index of one collection by ``key_of(record)``, kept current on every commit."""
        with self._lock:
            index = Index(key_of, self._doc[section][name].items())
            self._indexes.setdefault((section, name), []).append(index)
            return index

    @contextmanager
    def update(self) -> Iterator[Document]:
        """Change under the lock; recorded when the block ends without an exception.

        Changes are made on a draft (see ``_Draft``), so a failing handler leaves the cloud as
        it was, and only the records that changed are written.
        """
        with self._lock:
            drafts: dict[tuple[str, str], _Draft] = {}
            draft: Document = {}
            for section, value in self._doc.items():
                if isinstance(value, dict):
                    draft[section] = {}
                    for name, collection in value.items():
                        drafts[(section, name)] = _Draft(collection)
                        draft[section][name] = drafts[(section, name)]
                else:
                    draft[section] = value
            yield draft
            ops = [
                (section, name, key, value)
                for (section, name), d in drafts.items()
                for key, value in d.ops()
            ]
            if not ops:  # refusals (409, limits) change nothing: skip the fsync
                return
            self._append(ops)
            for section, name, key, value in ops:
                collection = self._doc[section][name]
                indexes = self._indexes.get((section, name), ())
                old = collection.get(key)
                for index in indexes:
                    if old is not None:
                        index.remove(key, old)
                    if value is not None:
                        index.add(key, value)
                if value is None:
                    del collection[key]
                else:
                    collection[key] = value
            if self._journal_bytes > self._snapshot_bytes:
                self._fold()

    def close(self) -> None:
        """Fold the journal into the snapshot (also done by the next load)."""
        with self._lock:
            if self._journal_bytes:
                self._fold()

    # -- writing -----------------------------------------------------------------------------
    def _append(self, ops: list[tuple[str, str, str, Record | None]]) -> None:
        line = json.dumps(ops, sort_keys=True, separators=(",", ":"), default=_plain) + "\n"
        data = line.encode()
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.journal_path.exists()
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _sync_directory(self.journal_path.parent)
        self._journal_bytes += len(data)

    def _fold(self) -> None:
        data = (json.dumps(self._doc, indent=2, sort_keys=True) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, data)
        self._snapshot_bytes = len(data)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.journal_path)
        _sync_directory(self.path.parent)
        self._journal_bytes = 0


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

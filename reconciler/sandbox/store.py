"""The sandbox's cloud, kept as one JSON document under the data directory.

Every change is written at once and atomically (temp file, fsync, os.replace), so a second
process or a later run sees either the old or the new cloud, never half of one. One lock
serialises all access from the server's threads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reconciler.atomic import write_atomic
from reconciler.errors import StateError

FILE_NAME = "sandbox.json"
FORMAT_VERSION = 1

Document = dict[str, Any]


def _empty() -> Document:
    return {"version": FORMAT_VERSION, "datadog": {"accounts": {}}, "logs": {"integrations": {}}}


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._lock = threading.RLock()
        self._doc = self._load()

    def _load(self) -> Document:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _empty()
        except OSError as exc:
            raise StateError(
                f"cannot read the sandbox data: {exc.strerror}", file=str(self.path)
            ) from None
        except UnicodeDecodeError as exc:
            raise StateError(
                f"the sandbox data is not UTF-8 text (byte {exc.start}); delete it to start afresh",
                file=str(self.path),
            ) from None
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
        base = _empty()
        for section in ("datadog", "logs"):
            if isinstance(doc.get(section), dict):
                base[section].update(doc[section])
        return base

    @contextmanager
    def view(self) -> Iterator[Document]:
        """Read under the lock. Do not change the document here."""
        with self._lock:
            yield self._doc

    @contextmanager
    def update(self) -> Iterator[Document]:
        """Change under the lock; written to disk when the block ends without an exception.

        Changes are made on a copy, so a failing handler leaves the cloud as it was.
        """
        with self._lock:
            draft = json.loads(json.dumps(self._doc))
            yield draft
            if draft != self._doc:  # refusals (409, limits) change nothing: skip the fsync
                self._write(draft)
                self._doc = draft

    def _write(self, doc: Document) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())

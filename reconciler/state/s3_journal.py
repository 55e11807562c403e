"""The S3 state's journal: one object per record, ``<key>.journal/<serial, 12 digits>``,
created with ``If-None-Match: *`` so two runs can never both record the same serial (the
second is refused and stops). A PutObject is whole or absent, so a record is never torn:
every object that does not decode, or whose name and serial disagree, is an error naming it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reconciler.errors import StateError
from reconciler.state.base import Operation, State
from reconciler.state.journal import Record, decode_record, encode_record

if TYPE_CHECKING:
    from reconciler.state.s3 import S3Objects

_NAME = re.compile(r"[0-9]{12}")


class S3Journal:
    def __init__(self, objects: S3Objects, key: str) -> None:
        self._objects = objects
        self.prefix = key + ".journal/"
        self._broken = False

    def describe(self) -> str:
        return self._objects.url(self.prefix)

    def name(self, serial: int) -> str:
        return f"{self.prefix}{serial:012d}"

    def append(self, state: State, op: Operation) -> None:
        body = encode_record(state.lineage, state.serial, op)  # refuses a secret first
        key = self.name(state.serial)
        if self._broken:
            raise StateError("the journal is not written after a failed append", file=key)
        try:
            stored = self._objects.put(key, body, if_absent=True)
            # Refused: another run's record, or ours whose reply was lost (botocore's retry
            # met it). Only our exact bytes count as ours.
            if stored is None:
                found = self._objects.get(key)
                if found is None or found[0] != body:
                    raise StateError(
                        "a journal record of this serial is already there (another run?); "
                        "nothing was recorded",
                        file=self._objects.url(key),
                    )
        except StateError:
            self._broken = True  # no record may follow a missing one
            raise

    def keys(self) -> list[str]:
        return self._objects.list_keys(self.prefix)

    def load(self) -> tuple[list[Record], list[str]]:
        """The records, in serial order, and the names of the objects holding them."""
        keys = self.keys()
        records = []
        for key in keys:
            where = self._objects.url(key)
            if not _NAME.fullmatch(key[len(self.prefix) :]):
                raise StateError("not a journal record's name; move it aside", file=where)
            found = self._objects.get(key)
            if found is None:
                raise StateError("the journal record vanished while being read", file=where)
            body = found[0]
            if not body.endswith(b"\n") or b"\n" in body[:-1]:
                raise StateError("corrupt journal record: not one line", file=where)
            record = decode_record(body[:-1], where)
            if self.name(record.serial) != key:
                raise StateError(
                    f"journal record holds serial {record.serial}, not the one of its name",
                    file=where,
                )
            records.append(record)
        return records, keys

    def remove(self, keys: list[str]) -> None:
        self._objects.delete_many(keys)

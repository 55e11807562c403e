"""A secondary index over one store collection: record keys by a value derived from each record.

The store keeps every index it handed out current as it commits, so a lookup costs the same
with 10 records or 20,000. An index sees committed records only; inside an ``update()`` block,
check each key it gives against the draft (``key in collection``), which knows about removals
made in the block.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

KeyOf = Callable[[Any], Hashable]


class Index:
    def __init__(self, key_of: KeyOf, records: Iterable[tuple[str, Any]]) -> None:
        self._key_of = key_of
        self._keys: dict[Hashable, set[str]] = {}
        for key, record in records:
            self.add(key, record)

    def get(self, value: Hashable) -> frozenset[str]:
        return frozenset(self._keys.get(value, ()))

    def add(self, key: str, record: Any) -> None:
        self._keys.setdefault(self._key_of(record), set()).add(key)

    def remove(self, key: str, record: Any) -> None:
        value = self._key_of(record)
        keys = self._keys.get(value)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._keys[value]

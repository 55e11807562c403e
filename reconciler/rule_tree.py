"""A kind's ``DiffRules`` compiled once into trees of path segments, so normalising a value is
one walk over it instead of one pattern match per pattern per path.

The results are exactly those of the pattern-by-pattern definitions (``diff.normalise`` before
this module, kept as ``reference_normalise`` in the tests): ignored paths dropped first, then
``null``/absent lists made ``[]``, then set-like lists de-duplicated and sorted innermost first.
Overlapping patterns (``*`` beside a named key) are merged when the tree is built. (A
``null_as_empty`` ``*.name`` applies at every key, as ``DiffRules`` says; the old code, top only.)
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler import paths
from reconciler.kinds.base import DiffRules


@dataclass(eq=False)
class _Node:
    """The rules that apply at one place in a value, and the places below it."""

    keys: dict[str, _Node] = field(default_factory=dict)  # a named key
    any: _Node | None = None  # ``*``: any key or index
    index: _Node | None = None  # ``[]``: any index
    indexes: dict[int, _Node] = field(default_factory=dict)  # ``[n]``
    drop: bool = False  # remove this key (ignored paths; write-only ones for ``readable``)
    is_set: bool = False  # a list compared as a set
    null_keys: frozenset[str] = frozenset()  # keys of this dict where null/absent means []
    computed: bool = False  # compared only where the declared side sets it
    # What ``_view`` does at each named key, worked out once (``_steps``).
    steps: tuple[tuple[str, int, _Node], ...] = ()

    def index_child(self, i: int) -> _Node | None:
        found = self.indexes.get(i)
        return found if found is not None else self.index


def _merge(*nodes: _Node | None) -> _Node | None:
    present = [n for n in nodes if n is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    out = _Node(
        drop=any(n.drop for n in present),
        is_set=any(n.is_set for n in present),
        computed=any(n.computed for n in present),
        null_keys=frozenset().union(*(n.null_keys for n in present)),
        any=_merge(*(n.any for n in present)),
        index=_merge(*(n.index for n in present)),
    )
    for k in {k for n in present for k in n.keys}:
        merged = _merge(*(n.keys.get(k) for n in present))
        assert merged is not None
        out.keys[k] = merged
    for i in {i for n in present for i in n.indexes}:
        merged = _merge(*(n.indexes.get(i) for n in present))
        assert merged is not None
        out.indexes[i] = merged
    return out


def _finish(node: _Node) -> _Node:
    """Fold wildcards into the named children they also match, so a walk follows one node."""
    if node.any is not None:
        node.any = _finish(node.any)
        node.keys = {k: _merge(child, node.any) or child for k, child in node.keys.items()}
        node.index = _merge(node.index, node.any)
    if node.index is not None:
        node.index = _finish(node.index)
        node.indexes = {i: _merge(c, node.index) or c for i, c in node.indexes.items()}
    node.keys = {k: _finish(c) for k, c in node.keys.items()}
    node.indexes = {i: _finish(c) for i, c in node.indexes.items()}
    return node


def _place(root: _Node, segs: Iterable[str]) -> _Node:
    node = root
    for seg in segs:
        if seg == paths.ANY:
            node.any = node.any or _Node()
            node = node.any
        elif seg == paths.ANY_INDEX:
            node.index = node.index or _Node()
            node = node.index
        elif seg.startswith("["):
            node = node.indexes.setdefault(int(seg[1:-1]), _Node())
        else:
            node = node.keys.setdefault(seg, _Node())
    return node


def _tree(
    drop: Iterable[str] = (),
    sets: Iterable[str] = (),
    null: Iterable[str] = (),
    computed: Iterable[str] = (),
) -> _Node | None:
    root = _Node()
    used = False
    for pattern in computed:
        segs = paths.parse_pattern(pattern)
        if segs and segs != (paths.ANY,):
            _place(root, segs).computed = used = True
    for pattern in drop:
        segs = paths.parse_pattern(pattern)
        if segs and segs != (paths.ANY,):  # the root itself is never dropped
            _place(root, segs).drop = used = True
    for pattern in sets:
        segs = paths.parse_pattern(pattern)
        if segs and segs != (paths.ANY,):  # nor sorted
            _place(root, segs).is_set = used = True
    for pattern in null:
        segs = paths.parse_pattern(pattern)
        last = segs[-1] if segs else ""
        if not last or last in (paths.ANY, paths.ANY_INDEX) or last.startswith("["):
            raise ValueError(f"null_as_empty must end with a key name: {pattern!r}")
        parent = _place(root, segs[:-1])
        parent.null_keys = parent.null_keys | {last}
        used = True
    return _with_steps(_finish(root)) if used else None


_DROP, _SET_LEAF, _BELOW = 0, 1, 2


def _with_steps(node: _Node) -> _Node:
    """``node`` with ``steps`` set on it and every node below: per named key, drop it, sort a
    list that no further rule reaches (the usual set-like list), or walk below."""
    steps: list[tuple[str, int, _Node]] = []
    for k, rule in node.keys.items():
        leaf = not (rule.keys or rule.any or rule.index or rule.indexes or rule.null_keys)
        what = _DROP if rule.drop else (_SET_LEAF if leaf and rule.is_set else _BELOW)
        steps.append((k, what, _with_steps(rule)))
    for child in (node.any, node.index, *node.indexes.values()):
        if child is not None:
            _with_steps(child)
    node.steps = tuple(steps)
    return node


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


# Printable ASCII above '"', no backslash, no DEL: a string whose JSON text is itself in quotes
# and that sorts like it. (A '!' or a space would sort before the closing quote; DEL is written
# \u007f.)
_PLAIN_RUN = re.compile(r"[\x23-\x5b\x5d-\x7e]+")


def _plain_strings(items: list[Any]) -> bool:
    """Every item a non-empty plain string (see ``_PLAIN_RUN``)."""
    for item in items:
        if type(item) is not str or not item:
            return False
    return _PLAIN_RUN.fullmatch("".join(items)) is not None


def _as_set(items: list[Any]) -> list[Any]:
    """De-duplicated and sorted by canonical JSON text (plain strings: by themselves, which is
    the same order and much cheaper)."""
    if len(items) < 2:  # nothing to sort or merge (most set-like lists are empty)
        return items
    if _plain_strings(items):
        return sorted(set(items))
    unique = {_canonical(item): item for item in items}
    return [unique[k] for k in sorted(unique)]


def _same(value: Any) -> Any:
    return value


def _normalise(value: Any, node: _Node, leaf: Callable[[Any], Any]) -> Any:
    """``leaf`` takes the parts no rule reaches: ``copy_json`` to copy, ``_same`` to share."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        keys, wild = node.keys, node.any
        for k, v in value.items():
            child = keys.get(k, wild)
            if child is None:
                out[k] = leaf(v)
            elif not child.drop:
                out[k] = _normalise(v, child, leaf)
        return _nulls_as_empty(out, node)
    if isinstance(value, list):
        if node.index is None and not node.indexes:
            items = [leaf(v) for v in value]
        else:
            items = []
            for i, v in enumerate(value):
                child = node.index_child(i)
                items.append(leaf(v) if child is None else _normalise(v, child, leaf))
        return _as_set(items) if node.is_set else items
    return value


def _nulls_as_empty(out: dict[str, Any], node: _Node) -> dict[str, Any]:
    """``out`` with ``[]`` for every key the node's rules read as a list when null or absent."""
    for k in node.null_keys:
        if out.get(k) is None:
            out[k] = []
    return out


def _view(value: Any, node: _Node) -> Any:
    """``_normalise(value, node, _same)``, visiting only the keys some rule names."""
    if node.any is not None:
        return _normalise(value, node, _same)
    if isinstance(value, dict):
        out = dict(value)  # same keys in the same order; the ones rules reach replaced below
        for k, what, rule in node.steps:
            if k in out:
                if what == _SET_LEAF:
                    v = out[k]
                    out[k] = _as_set(list(v)) if isinstance(v, list) else _view(v, rule)
                elif what == _DROP:
                    del out[k]
                else:
                    out[k] = _view(out[k], rule)
        return _nulls_as_empty(out, node) if node.null_keys else out
    if isinstance(value, list):
        if node.index is None and not node.indexes:
            items = list(value)
        else:
            items = []
            for i, v in enumerate(value):
                below = node.index_child(i)
                items.append(v if below is None else _view(v, below))
        return _as_set(items) if node.is_set else items
    return value


def _strip(value: Any, node: _Node | None) -> Any:
    """``value`` without the dropped keys; parts with nothing to drop are shared, not copied."""
    if node is None:
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            child = node.keys.get(k, node.any)
            if child is None:
                out[k] = v
            elif not child.drop:
                out[k] = _strip(v, child)
        return out
    if isinstance(value, list):
        return [_strip(v, node.index_child(i)) for i, v in enumerate(value)]
    return value


def _equal(declared: Any, other: Any, node: _Node | None) -> bool:
    """Equal, leaving out dropped keys and computed keys the declared side leaves unset."""
    if node is None:
        return bool(declared == other)
    if declared == other:  # equal as they are: equal leaving some keys out too
        return True
    if isinstance(declared, dict) and isinstance(other, dict):
        for k in declared.keys() | other.keys():
            child = node.keys.get(k, node.any)
            if child is not None and (child.drop or (child.computed and declared.get(k) is None)):
                continue
            if k not in declared or k not in other:
                return False
            if not _equal(declared[k], other[k], child):
                return False
        return True
    if isinstance(declared, list) and isinstance(other, list):
        if len(declared) != len(other):
            return False
        return all(
            _equal(d, o, node.index_child(i))
            for i, (d, o) in enumerate(zip(declared, other, strict=True))
        )
    return bool(declared == other)


_ABSENT: Any = object()


def _raw_equal(declared: Any, other: Any, norm: _Node | None, cmp: _Node | None) -> bool:
    """``_equal(_view(declared, norm), _view(other, norm), cmp)``, viewing only the parts
    that differ as they are (equal values view alike; a key on neither side: null on both)."""
    if declared == other:
        return True
    if norm is None:
        return _equal(declared, other, cmp)
    if isinstance(declared, dict) and isinstance(other, dict):
        nulls, get = norm.null_keys, other.get
        differ = [k for k, v in declared.items() if get(k, _ABSENT) != v]
        for k in (*differ, *(other.keys() - declared.keys())):
            d, o = declared.get(k, _ABSENT), get(k, _ABSENT)
            below = norm.keys.get(k, norm.any)
            if below is not None and below.drop:  # gone from both views (or [] in both)
                continue
            unset = d is None or d is _ABSENT  # as a view holds it: null or left out
            if k in nulls:
                d, o = ([] if unset else d), ([] if o is None or o is _ABSENT else o)
                unset = False
            child = None if cmp is None else cmp.keys.get(k, cmp.any)
            if child is not None and (child.drop or (child.computed and unset)):
                continue
            if d is _ABSENT or o is _ABSENT or not _raw_equal(d, o, below, child):
                return False
        return True
    if isinstance(declared, list) and isinstance(other, list) and not norm.is_set:
        return len(declared) == len(other) and all(
            _raw_equal(d, o, norm.index_child(i), None if cmp is None else cmp.index_child(i))
            for i, (d, o) in enumerate(zip(declared, other, strict=True))
        )
    return _equal(_view(declared, norm), _view(other, norm), cmp)  # a set, or not alike


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two patterns may name places on one path (one at or inside the other)."""
    for x, y in zip(a, b, strict=False):
        if paths.ANY in (x, y) or x == y:
            continue
        if x.startswith("[") and y.startswith("[") and paths.ANY_INDEX in (x, y):
            continue
        return False
    return True


def _strip_commutes(rules: DiffRules) -> bool:
    """Whether dropping the write-only paths before normalising gives what dropping them after
    does (true of every kind today). If not, the planner takes the long way round."""
    strip = [paths.parse_pattern(p) for p in (*rules.write_only_paths, *rules.sensitive_paths)]
    for s in strip:
        for q in map(paths.parse_pattern, rules.set_paths):
            if _overlap(s, q) and len(s) > len(q):  # inside a set: it changes the sort keys
                return False
        for q in map(paths.parse_pattern, rules.null_as_empty):
            if _overlap(s, q) and len(s) == len(q):  # dropped, then made [] again
                return False
    return True


@dataclass(frozen=True, eq=False)
class CompiledRules:
    normaliser: _Node | None
    stripper: _Node | None  # write-only and sensitive paths (what ``readable`` removes)
    strip_commutes: bool
    changes: _Node | None  # computed paths
    drift: _Node | None  # computed paths, and write-only and sensitive ones dropped

    def normalise(self, values: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``values`` in the form the rules compare."""
        if self.normaliser is None:
            return dict(paths.copy_json(values))
        out: dict[str, Any] = _normalise(values, self.normaliser, paths.copy_json)
        return out

    def normalised_view(self, values: dict[str, Any]) -> dict[str, Any]:
        """``normalise`` sharing the parts no rule reaches with ``values``: never change it
        (nor ``values`` while it is in use)."""
        if self.normaliser is None:
            return values
        out: dict[str, Any] = _view(values, self.normaliser)
        return out

    def readable(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` without write-only fields, sharing what it keeps: never change it."""
        out: dict[str, Any] = _strip(values, self.stripper)
        return out

    def same(self, declared: dict[str, Any], other: dict[str, Any]) -> bool:
        """Whether ``diff.compare_normalised`` of these normalised values finds nothing."""
        return _equal(declared, other, self.changes)

    def same_as_normalised(self, declared: dict[str, Any], other: dict[str, Any]) -> bool:
        """``same`` of the two values' normalised views, without building the views where
        the values are equal as they are (a settled object: most of a plan). Python's ``==``
        decides there, for sets too: true and 1, or 1 and 1.0, are the same in a set."""
        return _raw_equal(declared, other, self.normaliser, self.changes)

    def same_readable(self, declared: dict[str, Any], other: dict[str, Any]) -> bool:
        """Whether ``diff.compare`` of the readable parts finds nothing (given normalised
        values, and only where ``strip_commutes``)."""
        return _equal(declared, other, self.drift)


@functools.lru_cache(maxsize=64)
def compiled(rules: DiffRules) -> CompiledRules:
    return CompiledRules(
        normaliser=_tree(drop=rules.ignored_paths, sets=rules.set_paths, null=rules.null_as_empty),
        stripper=_tree(drop=(*rules.write_only_paths, *rules.sensitive_paths)),
        strip_commutes=_strip_commutes(rules),
        changes=_tree(computed=rules.computed_paths),
        drift=_tree(
            drop=(*rules.write_only_paths, *rules.sensitive_paths), computed=rules.computed_paths
        ),
    )

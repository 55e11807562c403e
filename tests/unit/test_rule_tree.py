"""The compiled rules give exactly what the pattern-by-pattern definitions give."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from reconciler import diff, paths, rule_tree
from reconciler.kinds.aws_logs_integration import RULES as LOGS_RULES
from reconciler.kinds.base import DiffRules
from reconciler.kinds.datadog_aws_account import RULES as DATADOG_RULES
from reconciler.rule_tree import compiled

WILD = DiffRules(
    set_paths=("a", "b.*", "c[].d", "c", "*.e"),
    null_as_empty=("a", "b.x", "c[].d", "*.a.f"),
    ignored_paths=("b.y", "*.g", "c[1].h"),
    write_only_paths=("k.s",),
    sensitive_paths=("k.t",),
    computed_paths=("b.*", "c[].d", "k.x"),
)


def _join(segs: tuple[str, ...]) -> str:
    out = ""
    for s in segs:
        out += s if s.startswith("[") or not out else f".{s}"
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def reference_normalise(values: dict[str, Any], rules: DiffRules) -> dict[str, Any]:
    """diff.normalise as it was: one pattern at a time over the whole value."""
    out: dict[str, Any] = paths.copy_json(values)
    for pattern in rules.ignored_paths:
        for path in list(paths.expand(pattern, out)):
            paths.remove(out, path)
    for pattern in rules.null_as_empty:
        segs = paths.parse_pattern(pattern)
        parents = [()] if not segs[:-1] else list(paths.expand(_join(segs[:-1]), out))
        for parent in parents:
            node = paths.get(out, parent)
            if isinstance(node, dict) and node.get(segs[-1]) is None:
                node[segs[-1]] = []
    for pattern in sorted(rules.set_paths, key=lambda p: len(paths.parse_pattern(p)), reverse=True):
        for path in list(paths.expand(pattern, out)):
            node = paths.get(out, path)
            if isinstance(node, list):
                unique = {_canonical(item): item for item in node}
                if path:
                    paths.put(out, path, [unique[k] for k in sorted(unique)])
    return out


def reference_readable(values: dict[str, Any], rules: DiffRules) -> dict[str, Any]:
    out: dict[str, Any] = paths.copy_json(values)
    for pattern in (*rules.write_only_paths, *rules.sensitive_paths):
        for path in list(paths.expand(pattern, out)):
            paths.remove(out, path)
    return out


KEYS = ["a", "b", "c", "d", "e", "f", "g", "h", "k", "s", "t", "x", "y", "tags", "namespace"]


def _value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([None, 1, 2, "z", "y", True, [], {}])
    if roll < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def _shaped(rules: DiffRules, rng: random.Random) -> dict[str, Any]:
    """A random value that also has something at (and around) every path the rules name."""
    out: dict[str, Any] = {k: _value(rng, 1) for k in rng.sample(KEYS, 4)}
    patterns = [*rules.set_paths, *rules.null_as_empty, *rules.ignored_paths]
    patterns += [*rules.write_only_paths, *rules.sensitive_paths]
    for pattern in patterns:
        node: Any = out
        segs = paths.parse_pattern(pattern)
        for i, seg in enumerate(segs):
            last = i == len(segs) - 1
            new: Any = _value(rng, 2) if last else ([] if segs[i + 1].startswith("[") else {})
            if isinstance(node, dict) and not seg.startswith("["):
                key = rng.choice(KEYS) if seg == paths.ANY else seg
                node = node.setdefault(key, new)
            elif isinstance(node, list):
                while len(node) < 3:
                    node.append(paths.copy_json(new))
                node = node[rng.randrange(len(node))]
            else:
                break
    return out


@pytest.mark.parametrize("rules", [DATADOG_RULES, LOGS_RULES, WILD], ids=["dd", "logs", "wild"])
def test_same_result_as_pattern_by_pattern(rules: DiffRules) -> None:
    rng = random.Random(13)
    fast = compiled(rules)
    for _ in range(800):
        value = _shaped(rules, rng)
        before = json.dumps(value, sort_keys=True)
        assert fast.normalise(value) == reference_normalise(value, rules), value
        assert fast.normalised_view(value) == reference_normalise(value, rules), value
        assert fast.readable(value) == reference_readable(value, rules), value
        assert diff.normalise(value, rules) == reference_normalise(value, rules)
        assert json.dumps(value, sort_keys=True) == before  # the input is never changed
        if fast.strip_commutes:
            assert fast.readable(fast.normalise(value)) == reference_normalise(
                reference_readable(value, rules), rules
            )


def test_kinds_take_the_short_way() -> None:
    assert compiled(DATADOG_RULES).strip_commutes
    assert compiled(LOGS_RULES).strip_commutes


def test_rules_where_dropping_does_not_commute_are_recognised() -> None:
    assert not compiled(DiffRules(set_paths=("a",), write_only_paths=("a[].s",))).strip_commutes
    assert not compiled(DiffRules(null_as_empty=("a.b",), sensitive_paths=("a.b",))).strip_commutes


def test_null_as_empty_must_name_a_key() -> None:
    with pytest.raises(ValueError, match="key name"):
        compiled(DiffRules(null_as_empty=("a[]",)))


def _nudged(value: dict[str, Any], rules: DiffRules, rng: random.Random) -> dict[str, Any]:
    """A copy of ``value``, often changed at or near the paths the rules name."""
    out: dict[str, Any] = paths.copy_json(value)
    patterns = [*rules.computed_paths, *rules.write_only_paths, *rules.set_paths]
    for _ in range(rng.randint(0, 2)):
        found = [p for pattern in patterns for p in paths.expand(pattern, out) if p]
        if not found:
            break
        path = rng.choice(found)
        roll = rng.random()
        node = paths.get(out, path)
        if roll < 0.3 and isinstance(node, list):  # the same set written another way
            paths.put(out, path, [*reversed(node), *node[:1]])
        elif roll < 0.4 and node == []:
            paths.put(out, path, None)
        elif roll < 0.7:
            paths.remove(out, path)
        else:
            node = paths.get(out, path[:-1])
            if isinstance(node, dict):
                node[path[-1]] = rng.choice([None, 1, "z", []])
    return out


def _without_bools(value: Any) -> Any:
    """``value`` with ``"t"`` for ``True``. Python's ``==`` equates ``True`` and ``1`` (as it
    does ``1`` and ``1.0``; the generator makes no floats), which would make two differently
    sorted sets look alike (see below). Every set-like list the kinds declare
    holds strings or tables of strings, and the desired side is checked against the model."""
    if value is True:
        return "t"
    if isinstance(value, dict):
        return {k: _without_bools(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_bools(v) for v in value]
    return value


@pytest.mark.parametrize("rules", [DATADOG_RULES, LOGS_RULES, WILD], ids=["dd", "logs", "wild"])
def test_same_is_what_compare_finds(rules: DiffRules) -> None:
    rng = random.Random(7)
    fast = compiled(rules)
    outcomes = set()
    for _ in range(800):
        declared = _without_bools(_shaped(rules, rng))
        other = _nudged(declared, rules, rng)
        nd, no = fast.normalise(declared), fast.normalise(other)
        a, b = paths.copy_json(nd), paths.copy_json(no)
        diff._drop_computed(a, b, rules)  # what compare() does before looking for changes
        assert fast.same(nd, no) == (a == b), (declared, other)
        assert fast.same_as_normalised(declared, other) == (a == b), (declared, other)
        assert fast.same_as_normalised(other, declared) == fast.same(no, nd), (declared, other)
        outcomes.add(a == b)
        if fast.strip_commutes:
            a = diff.normalise(diff.readable(declared, rules), rules)
            b = diff.normalise(diff.readable(other, rules), rules)
            diff._drop_computed(a, b, rules)
            assert fast.same_readable(nd, no) == (a == b), (declared, other)
            # The planner leans on this: equal where compared, equal on the readable keys.
            assert fast.same_readable(nd, no) or not fast.same(nd, no), (declared, other)
    assert outcomes == {True, False}


def test_set_like_lists_of_strings_sort_as_their_json_text() -> None:
    # Plain strings are sorted by themselves, the others by their JSON text: either way in
    # the order of the JSON text, whatever characters they hold.
    rng = random.Random(5)
    alphabet = ["a", "Z", "0", "#", "~", " ", "!", '"', "\\", "\x7f", "é", "\n", "[", "]"]
    for _ in range(2000):
        items = [
            "".join(rng.choices(alphabet, k=rng.randint(0, 3))) for _ in range(rng.randint(2, 5))
        ]
        unique = {json.dumps(i, sort_keys=True, separators=(",", ":")): i for i in items}
        expected = [unique[k] for k in sorted(unique)]
        assert rule_tree._as_set(list(items)) == expected, items


def test_values_equal_as_they_are_are_the_same() -> None:
    # Python's equality decides, as it does in ``same`` outside sets: true and 1 (or 1 and
    # 1.0) are equal there, and here also inside a set, whose views would sort them apart.
    fast = compiled(WILD)
    assert fast.same_as_normalised({"a": ["z", True]}, {"a": ["z", 1]})
    assert fast.same_as_normalised({"a": [1, 1.0]}, {"a": [1, 1]})
    assert fast.same(fast.normalise({"e": {"f": True}}), fast.normalise({"e": {"f": 1}}))
    assert not fast.same_as_normalised({"a": ["z", True]}, {"a": ["z", 2]})
    # Raw differences that normalising removes: order and repeats in a set, null for [].
    assert fast.same_as_normalised({"a": ["y", "z"], "b": {}}, {"a": ["z", "y", "z"], "b": {}})
    assert fast.same_as_normalised({"a": []}, {"a": None})
    assert fast.same_as_normalised({"a": []}, {})
    # A computed key the declared side leaves unset is not compared; one it sets is.
    assert fast.same_as_normalised({"k": {}}, {"k": {"x": 3}})
    assert not fast.same_as_normalised({"k": {"x": 2}}, {"k": {"x": 3}})

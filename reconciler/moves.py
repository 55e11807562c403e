"""``[[moved]]``: renaming an address in a reviewed change, not by hand on the shared state.

```toml
[[moved]]
from = "datadog_aws_account.old_name"
to = "datadog_aws_account.new_name"
```

While the state holds ``from`` (and not ``to``), the plan treats that entry as ``to``'s: the
object keeps its identity, the plan says "moved from", and apply records the new address.
Once the state holds ``to``, the block does nothing and may stay (as Terraform's does). Both
addresses must be of one kind; ``to`` must be declared (moving something in order to delete it
would be a destroy in disguise); an address may be the source or target of one move only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from reconciler.desired import Move, SourceLocation
from reconciler.errors import ConfigError, PlanError
from reconciler.state.base import State

TABLE = "moved"


def parse_moves(
    value: Any, kinds: Mapping[str, object], file: str, line_of: Any
) -> tuple[list[Move], list[ConfigError]]:
    """The ``[[moved]]`` entries of one file; ``line_of(index)`` gives an entry's line."""
    moves: list[Move] = []
    errors: list[ConfigError] = []
    if not isinstance(value, list):
        return [], [ConfigError("moved must be an array of tables [[moved]]", file=file)]
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            errors.append(ConfigError("each [[moved]] must be a table", file=file, line=line_of(i)))
            continue
        unknown = sorted(set(entry) - {"from", "to"})
        if unknown:
            errors.append(
                ConfigError(
                    f"unknown key {unknown[0]} in [[moved]]; expected from, to",
                    file=file,
                    line=line_of(i),
                )
            )
            continue
        source, target = entry.get("from"), entry.get("to")
        if not isinstance(source, str) or not isinstance(target, str):
            errors.append(
                ConfigError(
                    "[[moved]] needs from and to, each an address", file=file, line=line_of(i)
                )
            )
            continue
        problem = _check_pair(source, target, kinds)
        if problem:
            errors.append(ConfigError(problem, file=file, line=line_of(i)))
            continue
        location = SourceLocation(file, lookup=functools.partial(line_of, i))  # read when asked
        moves.append(Move(source=source, target=target, location=location))
    return moves, errors


def _check_pair(source: str, target: str, kinds: Mapping[str, object]) -> str | None:
    for address in (source, target):
        kind, _, name = address.partition(".")
        if kind not in kinds or not name:
            return f"{address!r} is not an address (kind.name) of a known kind"
    if source.partition(".")[0] != target.partition(".")[0]:
        return f"cannot move {source} to {target}: the kind must stay the same"
    if source == target:
        return f"moved from {source} to itself"
    return None


def check_moves(moves: list[Move], declared: Mapping[str, object]) -> list[ConfigError]:
    """Across the whole configuration: one move per address, and ``to`` declared."""
    errors: list[ConfigError] = []
    seen: dict[str, Move] = {}
    for move in moves:
        where: dict[str, Any] = {"file": move.location.file, "line": move.location.line}
        for address in (move.source, move.target):
            first = seen.get(address)
            if first is not None:
                errors.append(
                    ConfigError(
                        f"{address} is in two [[moved]] blocks (first at {first.location})",
                        **where,
                    )
                )
            seen[address] = move
        if move.target not in declared:
            errors.append(
                ConfigError(
                    f"moved to {move.target}, which is not declared; declare it (or remove "
                    "the [[moved]] block and let plan delete the old address)",
                    **where,
                )
            )
        if move.source in declared:
            errors.append(
                ConfigError(
                    f"moved from {move.source}, which is still declared; remove its table",
                    **where,
                )
            )
    return errors


def with_moves(state: State, moves: list[Move]) -> tuple[State, dict[str, str]]:
    """``state`` as the plan sees it once every pending move is made, and target -> source for
    each move still to record. The given state is not changed."""
    pending = [m for m in moves if m.source in state.resources]
    if not pending:
        return state, {}
    resources = dict(state.resources)
    moved: dict[str, str] = {}
    for move in pending:
        if move.target in resources:
            raise PlanError(
                f"cannot move {move.source} to {move.target} ({move.location}): the state "
                f"holds both; remove one with `reconciler state rm` first",
                address=move.target,
            )
        resources[move.target] = resources.pop(move.source)
        moved[move.target] = move.source
    return state.model_copy(update={"resources": dict(sorted(resources.items()))}), moved

"""Plans that must not be carried out: refused, with the address and what to do.

- Two declarations of one object, or a declaration that would import an object the state holds
  under another address (a rename: use ``[[moved]]``).
- A live object that cannot be planned against (``Observed.unmanageable``).
- A plan that would destroy what ``lifecycle.prevent_destroy`` protects.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.desired import Config, DesiredResource
from reconciler.errors import PlanError
from reconciler.kinds.base import Observed
from reconciler.model import Plan
from reconciler.state.base import State


def check_manageable(address: str, obj: Observed | None) -> None:
    if obj is not None and obj.unmanageable is not None:
        raise PlanError(
            f"the live object cannot be planned: {obj.unmanageable}; update reconciler, try "
            "again later, or leave the address out with --exclude",
            address=address,
        )


def check_one_address_per_object(
    config: Config,
    declared_keys: Mapping[str, tuple[str, str]],
    state: State,
    located: Mapping[str, Observed | None],
) -> None:
    """Refuse configurations where two addresses would manage one object.

    Two declarations with one natural key would fight over it. A declaration that would import
    a live object the state already holds under another address would adopt it while the
    other address (typically removed from the TOML) deletes it in the same apply.
    """
    declared: dict[tuple[str, str], DesiredResource] = {}
    for address, res in config.resources.items():
        kind_key = declared_keys[address]
        other = declared.get(kind_key)
        if other is not None:
            raise PlanError(
                f"{other.address} ({other.source}) and {res.address} ({res.source}) both "
                f"declare {res.kind} {kind_key[1]}; keep one"
            )
        declared[kind_key] = res
    held: dict[tuple[str, str], str] = {}
    for address, prior in state.resources.items():
        obj = located[address]
        held[(prior.kind, obj.natural_key if obj else prior.natural_key)] = address
    for (kind_name, nk), res in declared.items():
        holder = held.get((kind_name, nk))
        if holder is not None and holder != res.address:
            raise PlanError(
                f"{res.kind} {nk} is already managed as {holder} in the state; to rename it, "
                f"run `reconciler state mv {holder} {res.address}`, or remove one of the two",
                address=res.address,
            )


def check_prevent_destroy(plan: Plan) -> None:
    """Refuse a plan that would destroy a resource protected by ``lifecycle.prevent_destroy``."""
    blocked = [c.address for c in plan.changes if c.prevent_destroy and c.action.destroys]
    if blocked:
        raise PlanError(
            "lifecycle.prevent_destroy is set, but the plan would destroy "
            + ", ".join(blocked)
            + "; remove the protection first or change the configuration so it is kept",
            address=blocked[0],
        )

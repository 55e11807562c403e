"""Which addresses a ``plan`` or ``apply`` run may touch: ``--target``, ``--exclude`` and
``--replace``, given together to the planner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.engine import Planned
    from reconciler.session import Session


@dataclass(frozen=True)
class Selection:
    targets: Sequence[str] = ()
    excludes: Sequence[str] = ()
    replace: Sequence[str] = ()

    def __bool__(self) -> bool:
        return bool(self.targets or self.excludes or self.replace)

    async def plan(self, session: Session, *, digests: bool = True) -> Planned:
        """Refresh and plan the session's configuration for these addresses. ``digests``:
        what a saved plan rests on (``build_plan``); not needed for a plan only shown."""
        from reconciler.engine import make_plan

        return await make_plan(
            session.config,
            session.backend,
            session.kinds,
            targets=self.targets,
            excludes=self.excludes,
            replace=self.replace,
            digests=digests,
            keys=session.keys,
        )

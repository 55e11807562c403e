"""The comparison for ``plan_latency.py``: a Terraform-style plan that refreshes each resource
in the state with its own GET (10 at a time), then plans as reconciler does.

Usage: ``python benchmarks/refresh_baseline.py CONFIG_DIR`` (prints the number of changes).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from reconciler.config import load_config
from reconciler.engine import close_kinds, open_kinds
from reconciler.kinds.base import Observed
from reconciler.planner import build_plan
from reconciler.registry import KINDS
from reconciler.state.local import LocalBackend

PARALLEL = 10  # Terraform's default -parallelism


async def plan(config_dir: Path) -> int:
    config = load_config(config_dir, KINDS)
    state = LocalBackend(Path(config.settings.state.path or "")).read()
    assert state is not None
    kinds = open_kinds(config.settings)
    slots = asyncio.Semaphore(PARALLEL)

    async def get(kind: str, natural_key: str, remote_id: str) -> tuple[str, Observed | None]:
        async with slots:
            return kind, await kinds[kind].get(natural_key, remote_id)

    try:
        found = await asyncio.gather(
            *(get(e.kind, e.natural_key, e.remote_id) for e in state.resources.values())
        )
    finally:
        await close_kinds(kinds)
    observed: dict[str, list[Observed]] = {name: [] for name in kinds}
    for kind, obj in found:
        if obj is not None:
            observed[kind].append(obj)
    return len(build_plan(config, observed, state, kinds).actionable)


if __name__ == "__main__":
    print(asyncio.run(plan(Path(sys.argv[1]))))

"""The applier: carries out a Plan, one address at a time per kind, writing the state after
every successful remote operation so nothing already applied is ever lost.

Independent changes go on after one fails. A replacement is delete, then create: if the delete
fails, the create is skipped. Progress goes through callbacks; nothing here prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.desired import Config
from reconciler.diff import fingerprint
from reconciler.errors import ReconcilerError
from reconciler.kinds.base import DiffRules, Observed, ResourceKind
from reconciler.model import Action, Plan, ResourceChange
from reconciler.state.base import ResourceState, State, StateBackend, commit


class Outcome(StrEnum):
    OK = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class StepResult:
    address: str
    action: str
    outcome: Outcome
    message: str = ""


@dataclass
class ApplyReport:
    results: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.outcome is Outcome.FAILED for r in self.results)


@dataclass
class Callbacks:
    """How the engine reports progress. Only the CLI prints."""

    started: Callable[[ResourceChange], None] = lambda change: None
    progress: Callable[[str, str], None] = lambda address, message: None  # address, message
    finished: Callable[[StepResult], None] = lambda result: None


def _describe(change: ResourceChange) -> str:
    if change.importing:
        return "import" if change.action is Action.NOOP else f"import+{change.action.value}"
    if change.action is Action.NOOP:
        return "record settings"
    return change.action.value


class _StateWriter:
    """Serialises state updates: bump the serial and write atomically after each step."""

    def __init__(self, state: State, backend: StateBackend) -> None:
        self.state = state
        self.backend = backend
        self._lock = asyncio.Lock()

    async def record(self, address: str, entry: ResourceState | None) -> None:
        async with self._lock:
            if entry is None:
                self.state.resources.pop(address, None)
            else:
                self.state.resources[address] = entry
            await asyncio.to_thread(commit, self.state, self.backend)


async def apply_plan(
    plan: Plan,
    config: Config,
    state: State,
    backend: StateBackend,
    kinds: Mapping[str, ResourceKind],
    callbacks: Callbacks | None = None,
    concurrency: int = 4,
) -> ApplyReport:
    cb = callbacks or Callbacks()
    writer = _StateWriter(state, backend)
    report = ApplyReport()
    semaphore = asyncio.Semaphore(concurrency)

    async def run(change: ResourceChange) -> StepResult:
        async with semaphore:
            cb.started(change)
            try:
                message = await _apply_one(change, config, kinds[change.kind], writer, cb)
                result = StepResult(change.address, _describe(change), Outcome.OK, message)
            except _Skipped as skipped:
                result = StepResult(
                    change.address, _describe(change), Outcome.SKIPPED, str(skipped)
                )
            except ReconcilerError as err:
                result = StepResult(change.address, _describe(change), Outcome.FAILED, str(err))
            except Exception as err:  # a bug: report it and keep going, state stays consistent
                result = StepResult(
                    change.address,
                    _describe(change),
                    Outcome.FAILED,
                    f"internal error: {type(err).__name__}: {err}",
                )
            cb.finished(result)
            return result

    todo = plan.actionable
    report.results = list(await asyncio.gather(*(run(c) for c in todo)))
    report.results.sort(key=lambda r: r.address)
    return report


class _Skipped(Exception):
    pass


def _entry(change: ResourceChange, obj: Observed, rules: DiffRules) -> ResourceState:
    return ResourceState(
        kind=change.kind,
        remote_id=obj.remote_id,
        natural_key=change.natural_key,
        last_applied=change.after or {},
        fingerprint=fingerprint(obj, rules),
        options=change.options,
        prevent_destroy=change.prevent_destroy,
    )


async def _apply_one(
    change: ResourceChange,
    config: Config,
    kind: ResourceKind,
    writer: _StateWriter,
    cb: Callbacks,
) -> str:
    def progress(message: str) -> None:
        cb.progress(change.address, message)

    if change.action.destroys and change.prevent_destroy:
        raise _Skipped("refused: lifecycle.prevent_destroy is set")

    if change.action is Action.DELETE:
        assert change.remote_id is not None
        await kind.delete(change.natural_key, change.remote_id, change.options, progress)
        await writer.record(change.address, None)
        return "destroyed"

    spec = config.resources[change.address].spec
    current = Observed(
        natural_key=change.natural_key,
        remote_id=change.remote_id or "",
        values=change.before or {},
    )
    if change.action is Action.NOOP:  # an import that already matches, or settings only
        prior = writer.state.resources.get(change.address)
        entry = _entry(change, current, kind.rules)
        if prior is not None and not change.importing:
            entry = prior.model_copy(
                update={"options": change.options, "prevent_destroy": change.prevent_destroy}
            )
        await writer.record(change.address, entry)
        return "imported" if change.importing else "recorded " + ", ".join(change.settings_changed)
    if change.action is Action.UPDATE:
        obj = await kind.update(spec, current, progress)
        await writer.record(change.address, _entry(change, obj, kind.rules))
        return "imported and updated" if change.importing else "updated"
    if change.action is Action.REPLACE:
        assert change.remote_id is not None
        # force_delete comes from the configuration being applied, as the user reviewed it.
        progress("destroying")
        old_key = change.before_natural_key or change.natural_key
        await kind.delete(old_key, change.remote_id, change.options, progress)
        await writer.record(change.address, None)
        progress("creating")
        obj = await kind.create(spec, progress)
        await writer.record(change.address, _entry(change, obj, kind.rules))
        return "replaced"
    obj = await kind.create(spec, progress)
    await writer.record(change.address, _entry(change, obj, kind.rules))
    return "created"

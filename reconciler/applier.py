"""The applier: carries out a Plan, up to ``concurrency`` addresses at a time (the kinds
serialise what their API needs serialised), recording every successful remote operation in
the state's journal before going on, so nothing already applied is ever lost, and folding the
journal into the state at the end.

Independent changes go on after one fails. A replacement is delete, then create: if the delete
fails, the create is skipped. Nothing new starts once a stop is requested (a signal) or once a
state write has failed: a change made remotely but not recorded is reported as such, and the
next plan adopts it by its natural key. Progress goes through callbacks; nothing here prints.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.current_values import current_values
from reconciler.desired import Config
from reconciler.diff import compare, fingerprint
from reconciler.errors import ReconcilerError, StateError
from reconciler.interrupts import StopRequest
from reconciler.kinds.base import DiffRules, Observed, ResourceKind
from reconciler.model import Action, Plan, ResourceChange
from reconciler.outputs import collect
from reconciler.state.base import (
    Operation,
    ResourceState,
    State,
    StateBackend,
    fold_held,
    record_held,
    start_held,
)


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
    # Addresses changed remotely whose state write failed: the next plan adopts them.
    unrecorded: list[str] = field(default_factory=list)
    lock_lost: bool = False  # another run took the state lock while this one applied
    # The journal could not be folded into the state at the end (its records stay durable:
    # the next command that takes the lock folds them).
    fold_error: str | None = None

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
        return "move" if change.moved_from and not change.settings_changed else "record settings"
    return change.action.value


class _StateWriter:
    """Serialises state updates: each step is one journal record (serial up by one), appended
    and synced before the step counts as done."""

    def __init__(
        self, state: State, backend: StateBackend, lock_lost: threading.Event | None
    ) -> None:
        self.state = state
        self.backend = backend
        self.lock_lost = lock_lost
        self._lock = asyncio.Lock()
        # Held by the thread writing a record, and by the fold: a record still being written
        # when the run is cancelled is folded in, and none is written after the fold.
        self._thread_lock = threading.Lock()
        self.folded = False
        self.unrecorded: list[str] = []  # changed remotely, but no state write took them
        self.recorded = 0

    def _record(self, op: Operation) -> None:
        with self._thread_lock:
            self._record_one(op)

    def _record_one(self, op: Operation) -> None:
        if self.folded:
            raise StateError("the apply had ended (cancelled) before this change finished")
        if self.unrecorded:  # the journal's serials must not skip the one that failed
            raise StateError("an earlier state write failed")
        if self.recorded == 0 and self.state.serial == 0 and self.backend.read() is None:
            # The journal continues a stored state: a new one (its lineage and digest key)
            # is written first.
            start_held(self.state, self.backend, self.lock_lost)
        # Also for a change that was in flight when the lock was lost: another run may be
        # writing the state now.
        record_held(self.state, op, self.backend, self.lock_lost)
        self.recorded += 1

    async def record(
        self, address: str, entry: ResourceState | None, moved_from: str | None = None
    ) -> None:
        # moved_from: a [[moved]] rename, recorded with the first write
        async with self._lock:
            try:
                await asyncio.to_thread(self._record, Operation(address, entry, moved_from))
            except ReconcilerError as err:
                self.unrecorded.append(address)
                raise StateError(
                    f"changed remotely, but the state could not be written ({err}); the "
                    "next plan finds the object by its natural key and adopts it"
                ) from None

    def _fold(self) -> str | None:
        with self._thread_lock:
            self.folded = True
            if not self.recorded or (self.lock_lost is not None and self.lock_lost.is_set()):
                return None
            try:
                fold_held(self.backend, self.lock_lost)
            except ReconcilerError as err:
                return str(err)
            return None

    async def fold(self) -> str | None:
        """Fold the journal into the state (not once the lock was lost: another run owns
        it); the error, if that failed."""
        return await asyncio.to_thread(self._fold)


async def apply_plan(
    plan: Plan,
    config: Config,
    state: State,
    backend: StateBackend,
    kinds: Mapping[str, ResourceKind],
    callbacks: Callbacks | None = None,
    concurrency: int = 4,
    stop: StopRequest | None = None,
    lock_lost: threading.Event | None = None,
) -> ApplyReport:
    cb = callbacks or Callbacks()
    writer = _StateWriter(state, backend, lock_lost)
    report = ApplyReport()
    semaphore = asyncio.Semaphore(concurrency)
    stop = stop or StopRequest()

    def not_started(change: ResourceChange) -> StepResult | None:
        if stop.requested:
            why = f"not started: interrupted by {stop.describe()}"
        elif lock_lost is not None and lock_lost.is_set():
            # Another run holds the state now (force-unlock, or a lease seen as lapsed):
            # writing on would race it.
            why = "not started: the state lock was lost"
        elif writer.unrecorded:
            why = "not started: the state can no longer be written"
        else:
            return None
        return StepResult(change.address, _describe(change), Outcome.SKIPPED, why)

    slots = {name: asyncio.Semaphore(kind.write_concurrency) for name, kind in kinds.items()}

    async def run(change: ResourceChange) -> StepResult:
        # The kind's slot first: a change queued behind another write of its kind holds no
        # global slot, and counts as not started until its own write can begin.
        async with slots[change.kind], semaphore:
            skipped = not_started(change)
            if skipped is not None:
                cb.finished(skipped)
                return skipped
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
    try:
        report.results = list(await asyncio.gather(*(run(c) for c in todo)))
    finally:  # also when cancelled (a second signal): what was recorded is folded in
        report.fold_error = await writer.fold()
    report.results.sort(key=lambda r: r.address)
    report.unrecorded = sorted(writer.unrecorded)
    report.lock_lost = lock_lost is not None and lock_lost.is_set()
    return report


class _Skipped(Exception):
    pass


class NotConverged(ReconcilerError):
    """A write succeeded, but reading back what it made still differs from the plan."""


def _not_converged(change: ResourceChange, obj: Observed, rules: DiffRules) -> list[str]:
    """Fields where what the API now holds (the object a write returned) still differs from
    the plan: a perpetual-diff bug, caught the moment it happens. Write-only fields are taken
    as written (the API never returns them)."""
    after = change.after or {}
    written = ResourceState(
        kind=change.kind,
        remote_id=obj.remote_id or "-",
        natural_key=change.natural_key,
        last_applied=after,
        fingerprint="-",
    )
    current = current_values(obj, after, written, rules)
    return [c.path for c in compare(current, after, rules)]


def _entry(change: ResourceChange, obj: Observed, rules: DiffRules) -> ResourceState:
    return ResourceState(
        kind=change.kind,
        remote_id=obj.remote_id,
        natural_key=change.natural_key,
        last_applied=change.after or {},
        fingerprint=fingerprint(obj, rules),
        options=change.options,
        prevent_destroy=change.prevent_destroy,
        outputs=collect(change.kind, obj.values),
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

    async def record(entry: ResourceState | None) -> None:
        await writer.record(change.address, entry, change.moved_from)

    if change.action.destroys and change.prevent_destroy:
        raise _Skipped("refused: lifecycle.prevent_destroy is set")

    if change.action is Action.DELETE:
        assert change.remote_id is not None
        await kind.delete(change.natural_key, change.remote_id, change.options, progress)
        await record(None)
        return "destroyed"

    spec = config.resources[change.address].spec
    current = Observed(
        natural_key=change.natural_key,
        remote_id=change.remote_id or "",
        values=change.before or {},
    )
    if change.action is Action.NOOP:  # an import that already matches, or settings only
        prior = writer.state.resources.get(change.moved_from or change.address)
        entry = _entry(change, current, kind.rules)
        if prior is not None and not change.importing:
            entry = prior.model_copy(
                update={"options": change.options, "prevent_destroy": change.prevent_destroy}
            )
        await record(entry)
        if change.importing:
            return "imported"
        done = [f"moved from {change.moved_from}"] if change.moved_from else []
        if change.settings_changed:
            done.append("recorded " + ", ".join(change.settings_changed))
        return "; ".join(done)
    if change.action is Action.UPDATE:
        obj = await kind.update(spec, current, progress)
        await record(_entry(change, obj, kind.rules))
        _check_converged(change, obj, kind.rules)
        return "imported and updated" if change.importing else "updated"
    if change.action is Action.REPLACE:
        assert change.remote_id is not None
        # force_delete comes from the configuration being applied, as the user reviewed it.
        progress("destroying")
        old_key = change.before_natural_key or change.natural_key
        await kind.delete(old_key, change.remote_id, change.options, progress)
        await record(None)
        progress("creating")
        obj = await kind.create(spec, progress)
        await record(_entry(change, obj, kind.rules))
        _check_converged(change, obj, kind.rules)
        return "replaced"
    obj = await kind.create(spec, progress)
    await record(_entry(change, obj, kind.rules))
    _check_converged(change, obj, kind.rules)
    return "created"


def _check_converged(change: ResourceChange, obj: Observed, rules: DiffRules) -> None:
    fields = _not_converged(change, obj, rules)
    if fields:
        raise NotConverged(
            "applied and recorded, but the API now holds other values at "
            + ", ".join(fields)
            + ": these fields do not converge (the next plan would change them again); "
            "this is a reconciler bug or an API change worth reporting",
            address=change.address,
        )

"""The applier starts nothing new once a stop is requested or once a state write failed; a
remote change whose state write failed is reported as unrecorded (the next plan adopts it)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path

from reconciler.applier import Outcome, apply_plan
from reconciler.engine import make_plan
from reconciler.errors import StateError
from reconciler.interrupts import StopRequest
from reconciler.state.base import Operation, State
from reconciler.state.local import LocalBackend
from tests.engine.test_engine import World

MANY = "".join(f'\n[memory_thing.t{i}]\nkey = "k{i}"\npassword = "${{env:PW}}"\n' for i in range(6))


class FailingAfter(LocalBackend):
    """A local state whose journal appends fail after the first ``ok`` (a full disk, say)."""

    def __init__(self, path: Path, ok: int) -> None:
        super().__init__(path, lock_timeout=0.5)
        self.ok = ok

    def append(self, state: State, op: Operation) -> None:
        if self.ok <= 0:
            raise StateError("cannot write state: No space left on device", file=str(self.path))
        self.ok -= 1
        super().append(state, op)


def test_a_failed_state_write_stops_new_operations(tmp_path: Path) -> None:
    w = World(tmp_path)
    backend = FailingAfter(tmp_path / "state.json", ok=1)
    config = w.config(MANY)
    kinds = w.kinds(config)

    async def go() -> None:
        planned = await make_plan(config, backend, kinds)
        report = await apply_plan(planned.plan, config, planned.state, backend, kinds)
        outcomes = [r.outcome for r in report.results]
        assert outcomes.count(Outcome.OK) == 1
        failed = [r for r in report.results if r.outcome is Outcome.FAILED]
        assert failed and all("state could not be written" in r.message for r in failed)
        assert report.unrecorded == sorted(r.address for r in failed)
        skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
        assert skipped and all("state can no longer be written" in r.message for r in skipped)
        # Only operations already started went remote: nothing was started after the failure.
        assert len(w.cloud.objects) == 1 + len(failed)

    asyncio.run(go())


def test_a_stop_request_starts_nothing_new(tmp_path: Path) -> None:
    w = World(tmp_path)
    stop = StopRequest()
    stop.signum = 15
    _, report = w.plan_and_apply(MANY, stop=stop)
    assert {r.outcome for r in report.results} == {Outcome.SKIPPED}
    assert all(r.message == "not started: interrupted by SIGTERM" for r in report.results)
    assert not w.cloud.objects


def test_unmanageable_live_objects_stop_the_plan_and_notes_are_carried(tmp_path: Path) -> None:
    from reconciler.errors import PlanError
    from reconciler.kinds.base import Observed
    from reconciler.planner import build_plan

    w = World(tmp_path)
    toml = '\n[memory_thing.a]\nkey = "k-a"\npassword = "${env:PW}"\n'
    config = w.config(toml)
    kinds = w.kinds(config)
    state = State.new()
    live = Observed(natural_key="k-a", remote_id="r1", values={"key": "k-a"}, notes=("odd",))
    plan = build_plan(config, {"memory_thing": [live]}, state, kinds)
    assert plan.notes == ["memory_thing.a: odd"]

    strange = dataclasses.replace(
        live,
        unmanageable="it uses regions.exclude_only, which this version of reconciler "
        "does not manage",
    )
    try:
        build_plan(config, {"memory_thing": [strange]}, state, kinds)
    except PlanError as err:
        assert err.address == "memory_thing.a"
        assert "cannot be planned: it uses regions.exclude_only, which this version" in str(err)
    else:
        raise AssertionError("an unmanageable live object was planned")
    # Left out with --exclude, the rest plans.
    assert build_plan(
        config, {"memory_thing": [strange]}, state, kinds, excludes=["memory_thing.a"]
    )


def test_a_write_that_does_not_converge_is_reported_at_once(tmp_path: Path) -> None:
    w = World(tmp_path)
    toml = '\n[memory_thing.a]\nkey = "k-a"\ntags = ["x"]\n'
    w.cloud.mangle_keys.add("k-a")
    _, report = w.plan_and_apply(toml)
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "other values at tags" in result.message
    assert "do not converge" in result.message
    # What was made is recorded all the same: nothing is lost, the next plan shows the field.
    state = w.backend.read()
    assert state is not None and list(state.resources) == ["memory_thing.a"]
    assert [c.path for c in w.plan(toml)[0].changes[0].changes] == ["tags"]


class LosesLockOnFirstWrite(LocalBackend):
    """A local state whose lock is taken over (a lapsed lease) while the first write lands."""

    def __init__(self, path: Path, lost: threading.Event) -> None:
        super().__init__(path, lock_timeout=0.5)
        self.lost = lost
        self.writes = 0

    def append(self, state: State, op: Operation) -> None:
        self.writes += 1
        super().append(state, op)
        self.lost.set()


def test_changes_in_flight_when_the_lock_is_lost_do_not_write_the_state(tmp_path: Path) -> None:
    # Another run may own the state now: what finishes remotely afterwards is reported as
    # unrecorded (the next plan adopts it), never written over the other run's state.
    w = World(tmp_path)
    lost = threading.Event()
    backend = LosesLockOnFirstWrite(tmp_path / "state.json", lost)
    config = w.config(MANY)
    kinds = w.kinds(config)

    async def go() -> None:
        planned = await make_plan(config, backend, kinds)
        report = await apply_plan(
            planned.plan, config, planned.state, backend, kinds, lock_lost=lost
        )
        assert backend.writes == 1
        assert [r.outcome for r in report.results].count(Outcome.OK) == 1
        failed = [r for r in report.results if r.outcome is Outcome.FAILED]
        assert failed, "some changes were in flight when the lock was lost"
        assert all("lock was taken by another run" in r.message for r in failed)
        assert report.unrecorded == sorted(r.address for r in failed)
        skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
        assert all(r.message == "not started: the state lock was lost" for r in skipped)

    asyncio.run(go())


class FoldFails(LocalBackend):
    """A local state whose end-of-apply fold fails (the disk filled up at the last moment)."""

    def fold(self) -> int:
        raise StateError("cannot write state: No space left on device", file=str(self.path))


def test_a_failed_fold_is_reported_and_the_journal_keeps_every_change(tmp_path: Path) -> None:
    w = World(tmp_path)
    backend = FoldFails(tmp_path / "state.json")
    config = w.config(MANY)
    kinds = w.kinds(config)

    async def go() -> None:
        planned = await make_plan(config, backend, kinds)
        report = await apply_plan(planned.plan, config, planned.state, backend, kinds)
        assert {r.outcome for r in report.results} == {Outcome.OK}
        assert report.fold_error is not None and "No space left" in report.fold_error
        assert not report.unrecorded

    asyncio.run(go())
    assert backend.journal.path.exists()
    nxt = LocalBackend(tmp_path / "state.json")  # the next run folds what was recorded
    assert nxt.fold() == 6
    state = nxt.read()
    assert state is not None and len(state.resources) == 6 and state.serial == 6

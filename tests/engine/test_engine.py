"""The engine (refresh, planner, applier, saved-plan checks) through an in-memory kind."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from reconciler.applier import ApplyReport
from reconciler.applier import apply_plan as apply
from reconciler.approval import approved_changes
from reconciler.config import load_config
from reconciler.desired import Config
from reconciler.engine import make_plan
from reconciler.errors import ApiError, PlanError
from reconciler.interrupts import StopRequest
from reconciler.kinds.base import Observed, ResourceKind, ResourceSpec
from reconciler.model import Action, Plan
from reconciler.plan_checks import check_prevent_destroy
from reconciler.state.base import State
from reconciler.state.local import LocalBackend
from tests.engine.memory_kind import Cloud, MemoryKind

REGISTRY = {MemoryKind.name: MemoryKind}


class World:
    def __init__(self, tmp: Path) -> None:
        self.cloud = Cloud()
        self.tmp = tmp
        self.backend = LocalBackend(tmp / "state.json", lock_timeout=0.5)
        self.env: dict[str, str] = {"PW": "first-password-value"}

    def kinds(self, config: Config) -> dict[str, ResourceKind]:
        """The kinds of this world, on its own fake cloud (injected, no class state)."""
        return {MemoryKind.name: MemoryKind(config.settings, cloud=self.cloud)}

    def config(self, toml: str) -> Config:
        path = self.tmp / "main.toml"
        path.write_text(toml)
        return load_config(path, REGISTRY, env=self.env)

    def plan(self, toml: str, new_state: State | None = None) -> tuple[Plan, Config]:
        config = self.config(toml)
        kinds = self.kinds(config)
        planned = asyncio.run(make_plan(config, self.backend, kinds, new_state=new_state))
        return planned.plan, config

    def plan_and_apply(
        self, toml: str, stop: StopRequest | None = None
    ) -> tuple[Plan, ApplyReport]:
        """Plans ``toml`` and applies that plan, whatever its outcome."""
        config = self.config(toml)
        kinds = self.kinds(config)

        async def go() -> tuple[Plan, ApplyReport]:
            planned = await make_plan(config, self.backend, kinds)
            report = await apply(
                planned.plan, config, planned.state, self.backend, kinds, stop=stop
            )
            return planned.plan, report

        return asyncio.run(go())

    def apply(self, toml: str) -> Plan:
        plan, report = self.plan_and_apply(toml)
        assert not report.failed, report.results
        return plan


ONE = """
[memory_thing.a]
key = "k-a"
tags = ["x", "y", "z"]
password = "${env:PW}"
note = "first"
"""


def actions(plan: Plan) -> dict[str, str]:
    return {c.address: c.action.value for c in plan.changes}


def test_lifecycle_settles_after_every_apply(tmp_path: Path) -> None:
    w = World(tmp_path)
    assert actions(w.plan(ONE)[0]) == {"memory_thing.a": "create"}
    w.apply(ONE)
    # The list call returns tags in another order: still no change.
    assert not w.plan(ONE)[0].has_changes()

    changed = ONE.replace('"z"]', '"w"]')
    plan = w.plan(changed)[0]
    assert actions(plan) == {"memory_thing.a": "update"}
    assert [c.path for c in plan.changes[0].changes] == ["tags"]
    w.apply(changed)
    assert not w.plan(changed)[0].has_changes()

    w.apply("")
    assert w.cloud.objects == {}
    state = w.backend.read()
    assert state is not None and state.resources == {}


def test_write_only_field_compared_against_last_applied(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    plan = w.plan(ONE.replace('"first"', '"second"'))[0]
    assert [c.path for c in plan.changes[0].changes] == ["note"]
    assert plan.changes[0].changes[0].before == "first"


def test_secret_rotation_is_an_update_without_the_value(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    w.env["PW"] = "rotated-password-value"
    plan = w.plan(ONE)[0]
    change = plan.changes[0]
    assert change.action is Action.UPDATE
    assert [(c.path, c.sensitive) for c in change.changes] == [("password", True)]
    dumped = plan.model_dump_json() + (tmp_path / "state.json").read_text()
    assert "rotated-password-value" not in dumped
    assert "first-password-value" not in dumped


def test_replace_path_forces_replacement(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    plan = w.plan(ONE + 'mode = "fast"\n')[0]
    assert actions(plan) == {"memory_thing.a": "replace"}
    assert plan.changes[0].replace_paths == ["mode"]
    before = set(w.cloud.objects)
    w.apply(ONE + 'mode = "fast"\n')
    assert set(w.cloud.objects).isdisjoint(before)
    assert w.cloud.calls[-2:] == ["delete", "create"]


def test_existing_object_is_imported_then_unmanaged_listed(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.cloud.objects["id-1"] = {"id": "id-1", "key": "k-a", "tags": ["x", "y"], "mode": "standard"}
    w.cloud.objects["id-2"] = {"id": "id-2", "key": "other", "tags": [], "mode": "standard"}
    plan = w.plan(ONE)[0]
    change = plan.changes[0]
    assert change.importing and change.action is Action.UPDATE
    # tags differ; the unknown secret is sent; the unknown note is assumed to match.
    assert sorted(c.path for c in change.changes) == ["password", "tags"]
    assert [u.natural_key for u in plan.unmanaged] == ["other"]
    w.apply(ONE)
    assert w.cloud.calls.count("create") == 0
    assert not w.plan(ONE)[0].has_changes()


def test_object_deleted_outside_is_drift_and_recreated(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    w.cloud.objects.clear()
    plan = w.plan(ONE)[0]
    assert [(d.address, d.gone) for d in plan.drift] == [("memory_thing.a", True)]
    assert actions(plan) == {"memory_thing.a": "create"}


def test_out_of_band_change_is_drift_and_put_back(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    (obj,) = w.cloud.objects.values()
    obj["tags"] = ["x"]
    plan = w.plan(ONE)[0]
    assert [[c.path for c in d.changes] for d in plan.drift] == [["tags"]]
    assert actions(plan) == {"memory_thing.a": "update"}
    w.apply(ONE)
    assert not w.plan(ONE)[0].has_changes()


def test_failure_does_not_stop_independent_changes_and_state_keeps_successes(
    tmp_path: Path,
) -> None:
    w = World(tmp_path)
    two = ONE + '\n[memory_thing.b]\nkey = "k-b"\n'
    w.cloud.fail_keys.add("k-a")
    _, report = w.plan_and_apply(two)
    assert report.failed
    assert {r.address: r.outcome.value for r in report.results} == {
        "memory_thing.a": "failed",
        "memory_thing.b": "succeeded",
    }
    state = w.backend.read()
    assert state is not None and list(state.resources) == ["memory_thing.b"]
    assert state.serial == 1


def test_prevent_destroy_refuses_plan(tmp_path: Path) -> None:
    w = World(tmp_path)
    protected = ONE + "lifecycle = { prevent_destroy = true }\n"
    w.apply(protected)
    plan = w.plan(protected + 'mode = "fast"\n')[0]
    with pytest.raises(PlanError, match="prevent_destroy"):
        check_prevent_destroy(plan)
    # Removed from the TOML: the state remembers the protection.
    with pytest.raises(PlanError, match=r"memory_thing\.a"):
        check_prevent_destroy(w.plan("")[0])


def test_saved_plan_is_checked_against_a_fresh_plan(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    changed = ONE.replace('"z"]', '"w"]')
    saved = w.plan(changed)[0]

    def check(reviewed: Plan = saved, toml: str = changed) -> None:
        approved_changes(reviewed, w.plan(toml)[0], {"memory_thing.a": {"password": "${env:PW}"}})

    check()  # nothing moved

    (change,) = saved.changes
    edited = [
        (change.model_copy(update={"action": Action.DELETE}), "would now be update"),
        (change.model_copy(update={"after": {**(change.after or {}), "note": "x"}}), "note"),
        (change.model_copy(update={"prevent_destroy": True}), "prevent_destroy"),
        (change.model_copy(update={"address": "memory_thing.extra"}), "neither"),
    ]
    for tampered, why in edited:
        with pytest.raises(PlanError, match=why):
            check(saved.model_copy(update={"changes": [tampered]}))
    w.env["PW"] = "changed-after-review"
    with pytest.raises(PlanError, match="environment variable PW changed"):
        check()
    w.env["PW"] = "first-password-value"
    (obj,) = w.cloud.objects.values()
    obj["tags"] = ["edited", "in", "ui"]
    with pytest.raises(PlanError, match="live object changed"):
        check()


def test_refresh_uses_one_list_call(tmp_path: Path) -> None:
    w = World(tmp_path)
    toml = "".join(f'\n[memory_thing.r{i}]\nkey = "k{i}"\n' for i in range(20))
    w.apply(toml)
    w.cloud.calls.clear()
    assert not w.plan(toml)[0].has_changes()
    assert w.cloud.calls == ["list"]


def test_server_computed_field_is_not_drift(tmp_path: Path) -> None:
    from reconciler.diff import compare
    from reconciler.kinds.base import DiffRules

    rules = DiffRules(computed_paths=("auth.external_id",))
    last_applied = {"auth": {"role": "r"}}
    observed = {"auth": {"role": "r", "external_id": "server-made"}}
    assert compare(last_applied, observed, rules, declared="before") == []
    pinned = {"auth": {"role": "r", "external_id": "pinned"}}
    assert [c.path for c in compare(pinned, observed, rules, declared="before")] == [
        "auth.external_id"
    ]


def test_settings_only_change_is_recorded_without_api_calls(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.apply(ONE)
    protected = ONE + "lifecycle = { prevent_destroy = true }\n"
    plan = w.plan(protected)[0]
    assert plan.changes[0].action is Action.NOOP
    assert plan.changes[0].settings_changed == ["lifecycle.prevent_destroy"]
    assert plan.has_changes()
    w.cloud.calls.clear()
    w.apply(protected)
    assert w.cloud.calls == ["list"]
    state = w.backend.read()
    assert state is not None and state.resources["memory_thing.a"].prevent_destroy
    assert not w.plan(protected)[0].has_changes()
    # Now removing the table is refused: the protection was recorded.
    with pytest.raises(PlanError, match="prevent_destroy"):
        check_prevent_destroy(w.plan("")[0])


def test_two_declarations_of_one_object_are_refused(tmp_path: Path) -> None:
    w = World(tmp_path)
    with pytest.raises(PlanError, match=r"memory_thing\.a .* and memory_thing\.b .* both declare"):
        w.plan(ONE + '\n[memory_thing.b]\nkey = "k-a"\n')


def test_renamed_address_is_refused_instead_of_import_plus_delete(tmp_path: Path) -> None:
    # The object is in the state as memory_thing.a; the TOML now calls it memory_thing.b.
    # Planning an import of b and a delete of a would destroy the object b just adopted.
    w = World(tmp_path)
    w.apply(ONE)
    with pytest.raises(PlanError, match=r"already managed as memory_thing\.a"):
        w.plan(ONE.replace("memory_thing.a", "memory_thing.b"))
    assert len(w.cloud.objects) == 1


def test_saved_plan_refused_when_what_it_creates_appeared_since(tmp_path: Path) -> None:
    w = World(tmp_path)
    pending = State.new()  # no state yet: apply creates it with the key the plan used
    saved = w.plan(ONE, pending)[0]
    assert [c.action for c in saved.changes] == [Action.CREATE]
    approved_changes(saved, w.plan(ONE, pending)[0])
    w.cloud.objects["made-in-ui"] = {"id": "made-in-ui", "key": "k-a", "tags": [], "mode": "x"}
    with pytest.raises(PlanError, match="created outside reconciler since the plan"):
        approved_changes(saved, w.plan(ONE, pending)[0])


def test_a_failed_live_check_stops_the_refresh_before_the_clients_close(tmp_path: Path) -> None:
    # refresh and the live checks run side by side; when one fails, the other must not go on
    # calling clients that are about to be closed (nor leave an unretrieved task behind).
    world = World(tmp_path)
    config = world.config(ONE)
    listing_ended: list[str] = []

    class Hanging(MemoryKind):
        async def list(self, scope: str) -> list[Observed]:
            try:
                await asyncio.Event().wait()  # a list call still in flight
            except asyncio.CancelledError:
                listing_ended.append("cancelled")
                raise
            return []

        async def check_live(
            self, specs: Mapping[str, ResourceSpec]
        ) -> Sequence[tuple[str, str, str]]:
            await asyncio.sleep(0)
            raise ApiError("the catalogue could not be read", service="Memory")

    kinds: dict[str, ResourceKind] = {MemoryKind.name: Hanging(config.settings, cloud=world.cloud)}

    async def plan() -> None:
        with pytest.raises(ApiError, match="catalogue could not be read"):
            await make_plan(config, world.backend, kinds)
        assert listing_ended == ["cancelled"]  # before make_plan returned

    asyncio.run(plan())

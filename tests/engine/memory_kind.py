"""An in-memory resource kind for engine tests: a dict stands in for the cloud."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field

from reconciler.errors import ApiError
from reconciler.kinds.base import DiffRules, Observed, Progress, ResourceSpec
from reconciler.secrets import Secret
from reconciler.settings import Settings


class MemorySpec(ResourceSpec):
    key: str
    tags: list[str] = Field(default_factory=list)
    mode: str = "standard"  # a change forces replacement
    password: Secret | None = None  # write-only and sensitive
    note: str | None = None  # write-only, not sensitive


class Cloud:
    """The remote side: objects by id, plus a switch to make writes fail per key."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.fail_keys: set[str] = set()
        # Keys whose writes the "server" stores with one more tag: a write that never converges.
        self.mangle_keys: set[str] = set()
        self.calls: list[str] = []
        self.secrets_seen: list[str] = []


class MemoryKind:
    name: ClassVar[str] = "memory_thing"
    spec: ClassVar[type[ResourceSpec]] = MemorySpec
    rules: ClassVar[DiffRules] = DiffRules(
        set_paths=("tags",),
        null_as_empty=("tags",),
        write_only_paths=("note",),
        sensitive_paths=("password",),
        replace_paths=("mode",),
        ignored_paths=("updated",),
    )
    write_concurrency: ClassVar[int] = 2
    one_per_scope: ClassVar[bool] = False

    def __init__(self, settings: Settings, *, cloud: Cloud | None = None) -> None:
        self.settings = settings
        self.cloud = cloud if cloud is not None else Cloud()  # injected: no class state

    def natural_key(self, spec: ResourceSpec) -> str:
        assert isinstance(spec, MemorySpec)
        return spec.key

    def scope(self, natural_key: str) -> str:
        return ""

    def desired_values(self, spec: ResourceSpec) -> dict[str, Any]:
        assert isinstance(spec, MemorySpec)
        values: dict[str, Any] = {"key": spec.key, "tags": list(spec.tags), "mode": spec.mode}
        if spec.password is not None:
            values["password"] = spec.password
        if spec.note is not None:
            values["note"] = spec.note
        return values

    def options(self, spec: ResourceSpec) -> dict[str, Any]:
        return {}

    def normalise(self, raw: dict[str, Any], scope: str) -> Observed:
        values: dict[str, Any] = {k: raw[k] for k in ("key", "tags", "mode") if k in raw}
        return Observed(natural_key=raw["key"], remote_id=raw["id"], values=values)

    def spec_table(self, observed: Observed) -> dict[str, Any]:
        return dict(observed.values)

    def default_scopes(self, used: Collection[str]) -> list[str]:
        return [""]

    async def list(self, scope: str) -> list[Observed]:
        self.cloud.calls.append("list")
        # Lists come back in another order than written, as real APIs do.
        return [
            self.normalise({**o, "tags": list(reversed(o["tags"]))}, scope)
            for o in self.cloud.objects.values()
        ]

    async def check_live(self, specs: Mapping[str, ResourceSpec]) -> Sequence[tuple[str, str, str]]:
        return []  # nothing the live API lists that the model does not already check

    async def get(self, natural_key: str, remote_id: str) -> Observed | None:
        raw = self.cloud.objects.get(remote_id)
        return self.normalise(raw, "") if raw else None

    def _write(self, spec: ResourceSpec, remote_id: str) -> Observed:
        assert isinstance(spec, MemorySpec)
        if spec.key in self.cloud.fail_keys:
            raise ApiError("injected failure", service="Memory", status=500)
        if spec.password is not None:
            self.cloud.secrets_seen.append(spec.password.value.get_secret_value())
        tags = list(spec.tags) + (["server-added"] if spec.key in self.cloud.mangle_keys else [])
        raw = {"id": remote_id, "key": spec.key, "tags": tags, "mode": spec.mode}
        self.cloud.objects[remote_id] = raw
        return self.normalise(raw, "")

    async def create(self, spec: ResourceSpec, progress: Progress) -> Observed:
        self.cloud.calls.append("create")
        return self._write(spec, str(uuid.uuid4()))

    async def update(self, spec: ResourceSpec, observed: Observed, progress: Progress) -> Observed:
        self.cloud.calls.append("update")
        return self._write(spec, observed.remote_id)

    async def delete(
        self, natural_key: str, remote_id: str, options: dict[str, Any], progress: Progress
    ) -> None:
        self.cloud.calls.append("delete")
        if natural_key in self.cloud.fail_keys:
            raise ApiError("injected failure", service="Memory", status=500)
        self.cloud.objects.pop(remote_id, None)

    async def aclose(self) -> None:
        return None

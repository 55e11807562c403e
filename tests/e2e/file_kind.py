"""A throwaway third kind, registered at runtime by a test: its "cloud" is one JSON file named
by an environment variable. It exists to show that adding a kind touches no engine, CLI or
renderer code: one module with a spec, its rules and the protocol's verbs."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from reconciler.errors import ApiError
from reconciler.kinds.base import DiffRules, Observed, Progress, ResourceSpec
from reconciler.settings import Settings

CLOUD_ENV = "FILE_KIND_CLOUD"


class NoteSpec(ResourceSpec):
    title: str = Field(description="The note's title: its natural key.")
    labels: list[str] = Field(default_factory=list, description="Order does not matter.")
    body: str = ""


class FileNote:
    name: ClassVar[str] = "file_note"
    spec: ClassVar[type[ResourceSpec]] = NoteSpec
    rules: ClassVar[DiffRules] = DiffRules(set_paths=("labels",), replace_paths=("title",))
    write_concurrency: ClassVar[int] = 1
    one_per_scope: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- the "cloud" ---------------------------------------------------------------------
    @staticmethod
    def path() -> Path:
        return Path(os.environ[CLOUD_ENV])

    def _load(self) -> dict[str, dict[str, Any]]:
        path = self.path()
        if not path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(path.read_text())
        return data

    def _save(self, notes: dict[str, dict[str, Any]]) -> None:
        self.path().write_text(json.dumps(notes))

    # -- pure ------------------------------------------------------------------------------
    def natural_key(self, spec: ResourceSpec) -> str:
        assert isinstance(spec, NoteSpec)
        return spec.title

    def scope(self, natural_key: str) -> str:
        return ""

    def desired_values(self, spec: ResourceSpec) -> dict[str, Any]:
        assert isinstance(spec, NoteSpec)
        return {"title": spec.title, "labels": list(spec.labels), "body": spec.body}

    def options(self, spec: ResourceSpec) -> dict[str, Any]:
        return {}

    def normalise(self, raw: dict[str, Any], scope: str) -> Observed:
        if not isinstance(raw.get("id"), str) or not isinstance(raw.get("title"), str):
            raise ApiError("a note without id or title", service="FileNotes")
        values = {k: raw[k] for k in ("title", "labels", "body")}
        return Observed(natural_key=raw["title"], remote_id=raw["id"], values=values)

    def spec_table(self, observed: Observed) -> dict[str, Any]:
        return dict(observed.values)

    # -- reads -----------------------------------------------------------------------------
    def default_scopes(self, used: Collection[str]) -> list[str]:
        return [""]

    async def list(self, scope: str) -> list[Observed]:
        # Labels come back in another order than written, as real APIs do.
        return [
            self.normalise({**n, "labels": sorted(n["labels"], reverse=True)}, scope)
            for n in self._load().values()
        ]

    async def check_live(self, specs: Mapping[str, ResourceSpec]) -> Sequence[tuple[str, str, str]]:
        return []  # nothing the live API lists that the model does not already check

    async def get(self, natural_key: str, remote_id: str) -> Observed | None:
        raw = self._load().get(remote_id)
        return None if raw is None else self.normalise(raw, "")

    # -- writes ----------------------------------------------------------------------------
    async def create(self, spec: ResourceSpec, progress: Progress) -> Observed:
        notes = self._load()
        values = self.desired_values(spec)
        existing = [n for n in notes.values() if n["title"] == values["title"]]
        raw = {"id": existing[0]["id"] if existing else str(uuid.uuid4()), **values}
        notes[raw["id"]] = raw
        self._save(notes)
        return self.normalise(raw, "")

    async def update(self, spec: ResourceSpec, observed: Observed, progress: Progress) -> Observed:
        notes = self._load()
        raw = {"id": observed.remote_id, **self.desired_values(spec)}
        notes[observed.remote_id] = raw
        self._save(notes)
        return self.normalise(raw, "")

    async def delete(
        self, natural_key: str, remote_id: str, options: dict[str, Any], progress: Progress
    ) -> None:
        notes = self._load()
        notes.pop(remote_id, None)  # already gone is success
        self._save(notes)

    async def aclose(self) -> None:
        return None

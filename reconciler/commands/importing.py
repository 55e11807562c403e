"""``reconciler import``: write TOML for unmanaged live objects and adopt them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from reconciler.console import err_console, error_line, out_console
from reconciler.errors import ReconcilerError
from reconciler.session import Session, load, sandbox_env
from reconciler.suggest import hint

if TYPE_CHECKING:
    from reconciler.state.base import State


def run_import(
    path: Path,
    *,
    to: Path | None,
    kind: str | None,
    key: str | None,
    remote_id: str | None,
    sandbox: bool,
) -> int:
    """Returns the exit code (1 when the one object asked for could not be imported)."""
    from reconciler.engine import make_plan
    from reconciler.importer import import_objects
    from reconciler.state.base import commit_held

    if (kind is None) != (key is None and remote_id is None) or (key and remote_id):
        raise ReconcilerError("--kind goes with one of --key or --id")
    target = to if to is not None else (path / "imported.toml" if path.is_dir() else path)
    console = out_console()
    with sandbox_env(sandbox) as url:
        session = Session(path, url)

        async def work(s: Session) -> tuple[list[str], list[str], bool]:
            with s.locked("import") as held:
                planned = await make_plan(
                    s.config, s.backend, s.kinds, every_kind=True, keys=s.keys
                )
                unmanaged = planned.plan.unmanaged
                if kind is not None:
                    if kind not in s.kinds:
                        raise ReconcilerError(f"unknown kind {kind}{hint(kind, s.kinds)}")
                    unmanaged = [
                        u
                        for u in unmanaged
                        if u.kind == kind and (u.natural_key == key or u.remote_id == remote_id)
                    ]
                    if not unmanaged:
                        what = f"natural key {key}" if key else f"id {remote_id}"
                        raise ReconcilerError(
                            f"no unmanaged {kind} with {what} (it is already managed or "
                            "does not exist)"
                        )
                wanted = {(u.kind, u.remote_id) for u in unmanaged}
                objects = [
                    (k, o)
                    for k, found in sorted(planned.observed.items())
                    for o in found
                    if (k, o.remote_id) in wanted
                ]
                if not objects:
                    return [], [], False
                taken: dict[str, set[str]] = {}
                for res in s.config.resources.values():
                    taken.setdefault(res.kind, set()).add(res.name)
                state = planned.state
                added, skipped = import_objects(
                    objects, s.kinds, state, target, taken, defaults=s.config.defaults
                )
                # Recorded only if the next plan will read what was written: otherwise that
                # plan would see the address in the state only, and destroy the object.
                included = bool(added) and _declared(path, state, added, s)
                if included:
                    s.stop_if_asked()
                    commit_held(state, s.backend, held.lost)
                return added, skipped, included

        added, skipped, included = session.run(work)
    if not added and not skipped:
        console.print("Nothing to import: every live object is managed.")
    for address in added:
        console.print(f"Imported {escape(address)} into {escape(str(target))}")
    if added and not included:
        console.print(
            f"Note: {escape(str(target))} is not part of the configuration {escape(str(path))}, "
            "so nothing was recorded in the state. Move the tables into the configuration; "
            "the next plan then imports each object by its natural key."
        )
    for message in skipped:
        err_console().print(f"[bold yellow]Warning:[/] {error_line(message)}")
    return 1 if skipped and kind is not None else 0


def _declared(path: Path, state: State, added: list[str], s: Session) -> bool:
    """Whether the configuration at ``path``, read again, declares each added address with
    the natural key the state is about to record for it."""
    try:
        config = load(path, secrets_optional=True)
    except ReconcilerError as err:
        raise ReconcilerError(
            f"the imported tables were written, but the configuration no longer loads ({err}); "
            "nothing was recorded in the state"
        ) from None
    for address in added:
        res = config.resources.get(address)
        if res is None:
            return False
        if s.kinds[res.kind].natural_key(res.spec) != state.resources[address].natural_key:
            return False
    return True

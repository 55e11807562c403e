"""``reconciler state ...`` and ``force-unlock``: the state read and edited directly. Only the
``[state]`` table of the configuration is read, so an emergency needs no secret values."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from reconciler.console import note, out_console
from reconciler.errors import StateError
from reconciler.printable import printable
from reconciler.session import load, state_backend

if TYPE_CHECKING:
    from reconciler.state.base import StateBackend


def backend(path: Path, sandbox: bool) -> StateBackend:
    return state_backend(None if sandbox else load(path, settings_only=True), sandbox)


def show_list(path: Path, sandbox: bool) -> None:
    state = backend(path, sandbox).read()
    for address in sorted(state.resources if state else {}):
        sys.stdout.write(printable(address) + "\n")  # from a file: escaped, bounded


def show_one(address: str, path: Path, sandbox: bool) -> None:
    state = backend(path, sandbox).read()
    if state is None or address not in state.resources:
        raise StateError(f"no {address} in the state")
    sys.stdout.write(json.dumps(state.resources[address].model_dump(mode="json"), indent=2) + "\n")


def remove(address: str, path: Path, sandbox: bool) -> None:
    from reconciler.state.base import commit_held

    store = backend(path, sandbox)
    with store.lock("state rm", notify=note) as held:
        state = store.read()
        if state is None or address not in state.resources:
            raise StateError(f"no {address} in the state")
        del state.resources[address]
        commit_held(state, store, held.lost)
    out_console().print(f"Removed {escape(address)} from the state.")


def move(source: str, destination: str, path: Path, sandbox: bool) -> None:
    from reconciler.config import RESOURCE_NAME
    from reconciler.state.base import commit_held

    if source.split(".", 1)[0] != destination.split(".", 1)[0] or "." not in destination:
        raise StateError(f"cannot move {source} to {destination}: the kind must stay the same")
    if not RESOURCE_NAME.fullmatch(destination.split(".", 1)[1]):
        raise StateError(
            f"cannot move to {printable(destination)}: a name is letters, digits, '_' and '-', "
            "starting with a letter or '_'"
        )
    store = backend(path, sandbox)
    with store.lock("state mv", notify=note) as held:
        state = store.read()
        if state is None or source not in state.resources:
            raise StateError(f"no {source} in the state")
        if destination in state.resources:
            raise StateError(f"{destination} is already in the state")
        state.resources[destination] = state.resources.pop(source)
        commit_held(state, store, held.lost)
    out_console().print(f"Moved {escape(source)} to {escape(destination)}.")


def force_unlock(lock_id: str, path: Path, sandbox: bool) -> None:
    backend(path, sandbox).force_unlock(lock_id)
    out_console().print(f"Lock {escape(lock_id)} removed.")

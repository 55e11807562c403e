"""``reconciler apply``: plan, confirm, carry out; or apply a saved plan after checking it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from reconciler.commands.selection import Selection
from reconciler.console import err_console, error_line, out_console
from reconciler.errors import PlanError, ReconcilerError, StateError
from reconciler.interrupts import raising
from reconciler.session import Session, sandbox_env

if TYPE_CHECKING:
    from reconciler.applier import ApplyReport
    from reconciler.model import Plan
    from reconciler.state.base import State


def is_configuration(path: Path) -> bool:
    """A directory or a ``*.toml`` file is a configuration; any other file given to apply
    must be a plan file, recognised by its marker and version, never read as TOML."""
    try:
        return path.is_dir() or path.suffix == ".toml" or not path.exists()
    except OSError:
        return True  # the configuration loader names the path and the reason


def run_apply(
    path: Path,
    *,
    auto_approve: bool,
    selection: Selection,
    sandbox: bool,
    no_color: bool,
) -> int:
    """Returns the exit code (1 if a step failed or a change went unrecorded)."""
    console = out_console(no_color)
    with sandbox_env(sandbox) as url:
        if not is_configuration(path):
            if selection:
                raise PlanError("--target/--exclude/--replace cannot be used with a saved plan")
            report = _apply_saved(path, url, console)
        else:
            report = _apply_fresh(path, url, console, auto_approve, selection)
    if report is not None and report.lock_lost:
        raise StateError(
            "another run took the state lock during this apply (force-unlock?); what was "
            "not started was left for the next run"
        )
    if report is not None and (report.failed or report.unrecorded or report.fold_error):
        return 1
    return 0


def _apply_fresh(
    path: Path,
    url: str | None,
    console: Console,
    auto_approve: bool,
    selection: Selection,
) -> ApplyReport | None:
    from reconciler.plan_checks import check_prevent_destroy
    from reconciler.render.human import render_human

    session = _session(path, url, console)

    async def work(s: Session) -> ApplyReport | None:
        with s.locked("apply") as held:
            # Shown and carried out here: no saved plan rests on its digests.
            planned = await selection.plan(s, digests=False)
            render_human(planned.plan, console)
            check_prevent_destroy(planned.plan)
            if not planned.plan.has_changes():
                return None
            s.stop_if_asked()
            if not auto_approve and not _confirm(console, s):
                console.print("Apply cancelled.")
                return None
            return await _carry_out(planned.plan, planned.state, s, console, held.lost)

    return session.run(work)


def _apply_saved(planfile: Path, url: str | None, console: Console) -> ApplyReport | None:
    """Apply a saved plan: plan its addresses again now, carry out only what is identical."""
    from reconciler.approval import approved_changes, check_lineage
    from reconciler.engine import make_plan
    from reconciler.model import Action
    from reconciler.plan_checks import check_prevent_destroy
    from reconciler.planfile import load_plan
    from reconciler.render.human import render_human
    from reconciler.state.base import State

    pf = load_plan(planfile)
    session = _session(Path(pf.config_path), url, console)

    async def work(s: Session) -> ApplyReport | None:
        with s.locked("apply") as held:
            pending = State.new(digest_key=pf.pending_digest_key)
            # Only the plan's own addresses: a problem elsewhere (an address left out of the
            # plan with --exclude, say) is not this plan's business.
            # (An address in neither the configuration nor the state is not looked for: it
            # cannot be planned again, and approval refuses it by name.)
            own = sorted(
                c.address
                for c in pf.plan.actionable
                if c.address in s.config.resources or c.action is Action.DELETE
            )
            planned = await make_plan(
                s.config,
                s.backend,
                s.kinds,
                targets=own,
                replace=pf.plan.replace_requested,
                new_state=pending,
                keys=s.keys,
            )
            check_lineage(pf.plan, planned.state.lineage if planned.state_exists else None)
            changes = approved_changes(pf.plan, planned.plan, pf.secrets)
            plan = planned.plan.model_copy(update={"changes": changes, "unmanaged": []})
            check_prevent_destroy(plan)
            render_human(plan, console)
            if not plan.has_changes():
                return None
            s.stop_if_asked()
            return await _carry_out(plan, planned.state, s, console, held.lost)

    return session.run(work)


def _session(path: Path, url: str | None, console: Console) -> Session:
    session = Session(path, url)
    session.notice = lambda text: console.print(escape(text))
    return session


async def _carry_out(
    plan: Plan, state: State, s: Session, console: Console, lock_lost: threading.Event
) -> ApplyReport:
    """Apply ``plan`` with a progress display, then print the results."""
    from reconciler.applier import apply_plan
    from reconciler.apply_view import apply_view, print_report

    with apply_view(console) as callbacks:
        report = await apply_plan(
            plan, s.config, state, s.backend, s.kinds, callbacks, stop=s.stop, lock_lost=lock_lost
        )
    print_report(report, console)
    if report.fold_error is not None:
        err_console().print(
            f"[bold red]Error:[/] {error_line(report.fold_error)}: every change is recorded in "
            "the state's journal; the next command that takes the state lock folds it in"
        )
    for address in report.unrecorded:
        err_console().print(
            f"[bold red]Error:[/] {error_line(address)}: changed remotely, but not recorded in "
            "the state (it could not be written); the next plan adopts it by its natural key"
        )
    return report


def _confirm(console: Console, s: Session) -> bool:
    console.print("\nDo you want to perform these actions? Only 'yes' will be accepted to approve.")
    try:
        # The event loop cannot react to a signal while input() blocks it: any signal here
        # ends the prompt with Interrupted, and the lock is released on the way out.
        with raising(s.stop):
            answer = input("Enter a value: ")
    except EOFError:
        raise ReconcilerError(
            "apply needs confirmation but standard input is closed; pass --auto-approve"
        ) from None
    return answer.strip() == "yes"

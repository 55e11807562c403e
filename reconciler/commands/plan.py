"""``reconciler plan``: refresh, plan, show; optionally save the plan for ``apply``."""

from __future__ import annotations

import functools
from pathlib import Path

from rich.markup import escape

from reconciler import exit_unfreed
from reconciler.commands.selection import Selection
from reconciler.console import Format, err_console, out_console, render_plan
from reconciler.engine import Planned
from reconciler.session import Session, sandbox_env

EXIT_CHANGES = 2  # plan --detailed-exitcode: changes; plan --refresh-only: drift
EXIT_PENDING = 3  # plan --refresh-only: no drift, but configuration not applied yet


def run_plan(
    path: Path,
    *,
    out: Path | None,
    fmt: Format,
    detailed_exitcode: bool,
    refresh_only: bool,
    selection: Selection,
    sandbox: bool,
    no_color: bool,
) -> int:
    """Returns the exit code."""
    from reconciler.plan_checks import check_prevent_destroy

    console = out_console(no_color)
    with sandbox_env(sandbox) as url:
        session = Session(path, url)
        # The digests a saved plan rests on are written in the plan file and the JSON view.
        digests = out is not None or fmt is Format.JSON
        planned = session.run(functools.partial(selection.plan, digests=digests))
    exit_unfreed.keep(session, planned)  # a one-command process ends without freeing them
    # Changes the configuration asks for that are not applied yet (a merged pull request
    # whose apply was refused or never ran): the refresh-only view reports them apart.
    pending = [c.address for c in planned.plan.actionable]
    if refresh_only:
        planned.plan = planned.plan.model_copy(update={"changes": [], "refresh_only": True})
    digest = None
    if out is not None:
        digest = save(out, path, planned, session)
    render_plan(planned.plan, fmt, console, digest)
    if out is not None and fmt is Format.HUMAN:
        console.print(
            f"\nSaved the plan to {escape(str(out))}. "
            f"Apply it with: reconciler apply {escape(str(out))}"
        )
    if refresh_only:
        if planned.plan.drift:
            return EXIT_CHANGES
        if pending:
            note = (
                f"Pending: {len(pending)} change{'s' if len(pending) != 1 else ''} in the "
                f"configuration not applied yet ({', '.join(pending[:5])}"
                f"{', ...' if len(pending) > 5 else ''}); run plan to see them."
            )
            (console if fmt is Format.HUMAN else err_console()).print(escape(note))
            return EXIT_PENDING
        return 0
    check_prevent_destroy(planned.plan)
    if detailed_exitcode and planned.plan.has_changes():
        return EXIT_CHANGES
    return 0


def save(out: Path, path: Path, planned: Planned, session: Session) -> str:
    """Write the plan file; returns its digest."""
    from reconciler import __version__
    from reconciler.planfile import PlanFile, save_plan
    from reconciler.secrets import EnvSecret, secret_refs

    secrets: dict[str, dict[str, str]] = {}
    resources = session.config.resources if EnvSecret.made else {}  # else none holds a secret
    for address, res in resources.items():
        refs = secret_refs(session.kinds[res.kind].desired_values(res.spec))
        if refs:
            secrets[address] = refs
    pf = PlanFile(
        created_by=f"reconciler {__version__}",
        config_path=str(path),
        plan=planned.plan,
        secrets=secrets,
        pending_digest_key=None if planned.state_exists else planned.state.digest_key,
    )
    digest: str = save_plan(out, pf)
    return digest

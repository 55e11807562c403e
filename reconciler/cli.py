"""The command line. The only module that prints; everything else reports through values
and callbacks. Every ReconcilerError becomes one message on stderr and exit code 1."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from reconciler.errors import PlanError, ReconcilerError, StateError
from reconciler.interrupts import Interrupted, StopRequest, raising
from reconciler.session import Session, load, sandbox_env, state_backend
from reconciler.suggest import hint

if TYPE_CHECKING:
    from reconciler.applier import ApplyReport
    from reconciler.engine import Planned
    from reconciler.model import Plan
    from reconciler.state.base import State, StateBackend

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Keep Datadog AWS account integrations and CloudWatch Logs OpenSearch integrations "
    "exactly as declared in TOML.",
)
state_app = typer.Typer(no_args_is_help=True, help="Inspect and edit the state.")
app.add_typer(state_app, name="state")


def _print_version(value: bool) -> None:
    if value:
        from reconciler import __version__

        sys.stdout.write(f"reconciler {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Keep Datadog AWS account integrations and CloudWatch Logs OpenSearch integrations
    exactly as declared in TOML."""


EXIT_CHANGES = 2  # plan --detailed-exitcode: changes; plan --refresh-only: drift
EXIT_PENDING = 3  # plan --refresh-only: no drift, but configuration not applied yet

F = TypeVar("F", bound=Callable[..., Any])

PathArg = Annotated[Path, typer.Argument(help="A TOML file or a directory of them.")]
SandboxOpt = Annotated[
    bool,
    typer.Option(
        "--sandbox", help="Run against the embedded sandbox (state under state/sandbox/)."
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Plain output without colour.")]
TargetOpt = Annotated[
    list[str] | None, typer.Option("--target", help="Only this address (repeatable).")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", help="Leave this address out (repeatable).")
]


class Format(StrEnum):
    HUMAN = "human"
    JSON = "json"
    MARKDOWN = "markdown"


# An enum: a bad value is a usage error found before anything is read or written.
ReplaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--replace",
        help="Plan this address as a replacement (delete, then create) even if it matches "
        "(repeatable).",
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", help="human, json or markdown.", case_sensitive=False)
]


# soft_wrap: a line is never broken at the console width, so one error stays one line in a
# CI log and a plan line can be searched for as a whole.
def _err_console() -> Console:
    # emoji off: rich would turn "main.toml:100:" into an emoji; markup only in our own words.
    return Console(
        stderr=True,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        no_color=bool(os.environ.get("NO_COLOR")),
    )


def error_line(text: str) -> str:
    """One message line as printed: secrets removed, controls escaped, length bounded."""
    from reconciler.printable import line
    from reconciler.redact import redact

    return escape(line(redact(text)))


def _messages(err: ReconcilerError) -> list[str]:
    from reconciler.errors import ConfigErrors

    if isinstance(err, ConfigErrors):
        return [str(e) for e in err.errors]
    return [str(err)]


def handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Interrupted as err:
            _err_console().print(
                f"[bold red]Interrupted[/] ({err.message[len('interrupted by ') :]})."
            )
            raise typer.Exit(err.exit_code) from None
        except ReconcilerError as err:
            console = _err_console()
            for message in _messages(err):
                console.print(f"[bold red]Error:[/] {error_line(message)}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err_console().print("[bold red]Interrupted[/] (SIGINT).")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as err:
            if os.environ.get("RECONCILER_DEBUG"):
                raise
            _err_console().print(
                "[bold red]Error:[/] "
                + error_line(
                    f"internal error: {type(err).__name__}: {err} "
                    "(set RECONCILER_DEBUG=1 for a traceback)"
                )
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _console(no_color: bool) -> Console:
    return Console(
        no_color=no_color or bool(os.environ.get("NO_COLOR")),
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


def _render(plan: Plan, fmt: Format, console: Console, plan_digest: str | None = None) -> None:
    if fmt is Format.JSON:
        from reconciler.render.json_plan import render_json

        sys.stdout.write(render_json(plan) + "\n")
    elif fmt is Format.MARKDOWN:
        from reconciler.render.markdown import render_markdown

        sys.stdout.write(render_markdown(plan, plan_digest=plan_digest).rstrip("\n") + "\n")
    else:
        from reconciler.render.human import render_human

        render_human(plan, console)


# -- commands ------------------------------------------------------------------------------


@app.command()
@handle_errors
def validate(path: PathArg = Path(".")) -> None:
    """Check the configuration without contacting any API."""
    config = Session(path, None, secrets_optional=True).config
    n = len(config.resources)
    console = Console(highlight=False, emoji=False)
    for name in config.missing_env:
        # A note, not an error: pre-commit on a laptop and pull requests from forks have no
        # secret values. plan and apply refuse a missing variable.
        console.print(
            f"Note: environment variable {escape(name)} is not set; plan and apply need it."
        )
    console.print(f"The configuration is valid: {n} resource{'s' if n != 1 else ''}.")


@app.command()
@handle_errors
def plan(
    path: PathArg = Path("."),
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the plan to this file for apply.")
    ] = None,
    fmt: FormatOpt = Format.HUMAN,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 0 for no changes, 1 error, 2 changes."),
    ] = False,
    refresh_only: Annotated[
        bool,
        typer.Option(
            "--refresh-only",
            help="Report drift only; exit 0 clean, 2 drift, 3 configuration not applied yet.",
        ),
    ] = False,
    target: TargetOpt = None,
    exclude: ExcludeOpt = None,
    replace: ReplaceOpt = None,
    sandbox: SandboxOpt = False,
    no_color: NoColorOpt = False,
) -> None:
    """Show what apply would change."""
    from reconciler.engine import make_plan
    from reconciler.planner import check_prevent_destroy

    console = _console(no_color)
    with sandbox_env(sandbox) as url:
        session = Session(path, url)
        planned = session.run(
            lambda s: make_plan(
                s.config,
                s.backend,
                s.kinds,
                targets=target or (),
                excludes=exclude or (),
                replace=replace or (),
            )
        )
    # Changes the configuration asks for that are not applied yet (a merged pull request
    # whose apply was refused or never ran): the refresh-only view reports them apart.
    pending = [c.address for c in planned.plan.actionable]
    if refresh_only:
        planned.plan = planned.plan.model_copy(update={"changes": [], "refresh_only": True})
    digest = None
    if out is not None:
        digest = _save_plan(out, path, planned, session)
    _render(planned.plan, fmt, console, digest)
    if out is not None and fmt is Format.HUMAN:
        console.print(
            f"\nSaved the plan to {escape(str(out))}. "
            f"Apply it with: reconciler apply {escape(str(out))}"
        )
    if refresh_only:
        if planned.plan.drift:
            raise typer.Exit(EXIT_CHANGES)
        if pending:
            note = (
                f"Pending: {len(pending)} change{'s' if len(pending) != 1 else ''} in the "
                f"configuration not applied yet ({', '.join(pending[:5])}"
                f"{', ...' if len(pending) > 5 else ''}); run plan to see them."
            )
            target_console = console if fmt is Format.HUMAN else _err_console()
            target_console.print(escape(note))
            raise typer.Exit(EXIT_PENDING)
        return
    check_prevent_destroy(planned.plan)
    if detailed_exitcode and planned.plan.has_changes():
        raise typer.Exit(EXIT_CHANGES)


def _save_plan(out: Path, path: Path, planned: Planned, session: Session) -> str:
    from reconciler.planfile import PlanFile, save_plan
    from reconciler.planner import secret_refs

    secrets: dict[str, dict[str, str]] = {}
    for address, res in session.config.resources.items():
        refs = secret_refs(session.kinds[res.kind].desired_values(res.spec))
        if refs:
            secrets[address] = refs
    from reconciler import __version__

    pf = PlanFile(
        created_by=f"reconciler {__version__}",
        config_path=str(path),
        plan=planned.plan,
        secrets=secrets,
        pending_digest_key=None if planned.state_exists else planned.state.digest_key,
    )
    digest: str = save_plan(out, pf)
    return digest


def _is_configuration(path: Path) -> bool:
    """A directory or a ``*.toml`` file is a configuration; any other file given to apply
    must be a plan file, recognised by its marker and version, never read as TOML."""
    try:
        return path.is_dir() or path.suffix == ".toml" or not path.exists()
    except OSError:
        return True  # the configuration loader names the path and the reason


@app.command()
@handle_errors
def apply(
    path: Annotated[
        Path, typer.Argument(help="A TOML file or directory, or a saved plan file.")
    ] = Path("."),
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
    ] = False,
    target: TargetOpt = None,
    exclude: ExcludeOpt = None,
    replace: ReplaceOpt = None,
    sandbox: SandboxOpt = False,
    no_color: NoColorOpt = False,
) -> None:
    """Make the live objects match the configuration (or apply a saved plan)."""
    console = _console(no_color)
    with sandbox_env(sandbox) as url:
        if not _is_configuration(path):
            if target or exclude or replace:
                raise PlanError("--target/--exclude/--replace cannot be used with a saved plan")
            report = _apply_saved(path, url, console)
        else:
            report = _apply_fresh(
                path, url, console, auto_approve, target or (), exclude or (), replace or ()
            )
    if report is not None and report.interrupted is not None:
        raise Interrupted(report.interrupted)
    if report is not None and (report.failed or report.unrecorded):
        raise typer.Exit(1)


def _apply_fresh(
    path: Path,
    url: str | None,
    console: Console,
    auto_approve: bool,
    targets: Sequence[str],
    excludes: Sequence[str],
    replace: Sequence[str],
) -> ApplyReport | None:
    from reconciler.engine import make_plan
    from reconciler.planner import check_prevent_destroy
    from reconciler.render.human import render_human

    session = _session(path, url, console)

    async def work(s: Session) -> ApplyReport | None:
        with s.backend.lock("apply"):
            planned = await make_plan(
                s.config, s.backend, s.kinds, targets=targets, excludes=excludes, replace=replace
            )
            render_human(planned.plan, console)
            check_prevent_destroy(planned.plan)
            if not planned.plan.has_changes():
                return None
            _stop_if_asked(s)
            if not auto_approve and not _confirm(console, s):
                console.print("Apply cancelled.")
                return None
            return await _carry_out(planned.plan, planned.state, s, console)

    return session.run(work)


def _session(path: Path, url: str | None, console: Console) -> Session:
    session = Session(path, url)
    session.notice = lambda text: console.print(escape(text))
    return session


def _stop_if_asked(s: Session) -> None:
    if s.stop.signum is not None:
        raise Interrupted(s.stop.signum)


async def _carry_out(plan: Plan, state: State, s: Session, console: Console) -> ApplyReport:
    """Apply ``plan`` with a progress display, then print the results table."""
    from reconciler.applier import apply_plan
    from reconciler.apply_view import apply_view, print_report

    with apply_view(console) as callbacks:
        report = await apply_plan(plan, s.config, state, s.backend, s.kinds, callbacks, stop=s.stop)
    print_report(report, console)
    for address in report.unrecorded:
        _err_console().print(
            f"[bold red]Error:[/] {error_line(address)}: changed remotely, but not recorded in "
            "the state (it could not be written); the next plan adopts it by its natural key"
        )
    report.interrupted = s.stop.signum
    return report


def _apply_saved(planfile: Path, url: str | None, console: Console) -> ApplyReport | None:
    """Apply a saved plan: plan its addresses again now, carry out only what is identical."""
    from reconciler.approval import approved_changes, check_lineage
    from reconciler.engine import make_plan
    from reconciler.planfile import load_plan
    from reconciler.planner import check_prevent_destroy
    from reconciler.render.human import render_human
    from reconciler.state.base import State

    pf = load_plan(planfile)
    session = _session(Path(pf.config_path), url, console)

    async def work(s: Session) -> ApplyReport | None:
        with s.backend.lock("apply"):
            pending = State.new(digest_key=pf.pending_digest_key)
            planned = await make_plan(
                s.config,
                s.backend,
                s.kinds,
                replace=pf.plan.replace_requested,
                new_state=pending,
            )
            check_lineage(pf.plan, planned.state.lineage if planned.state_exists else None)
            changes = approved_changes(pf.plan, planned.plan, pf.secrets)
            plan = planned.plan.model_copy(update={"changes": changes, "unmanaged": []})
            check_prevent_destroy(plan)
            render_human(plan, console)
            if not plan.has_changes():
                return None
            _stop_if_asked(s)
            return await _carry_out(plan, planned.state, s, console)

    return session.run(work)


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


@app.command()
@handle_errors
def show(
    planfile: Annotated[Path, typer.Argument(help="A plan file written by plan --out.")],
    fmt: FormatOpt = Format.HUMAN,
    no_color: NoColorOpt = False,
) -> None:
    """Print a saved plan."""
    from reconciler.planfile import load_plan_with_digest

    pf, digest = load_plan_with_digest(planfile)
    _render(pf.plan, fmt, _console(no_color), digest)


@app.command("force-unlock")
@handle_errors
def force_unlock(
    lock_id: Annotated[str, typer.Argument(help="The id of the lock to remove.")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Remove a state lock left behind by a run that died."""
    backend = _state_backend(path, sandbox)
    backend.force_unlock(lock_id)
    Console(highlight=False).print(f"Lock {escape(lock_id)} removed.")


@app.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the TOML configuration (for editors)."""
    from reconciler.schema import config_schema

    sys.stdout.write(json.dumps(config_schema(), indent=2, sort_keys=True) + "\n")


@app.command("import")
@handle_errors
def import_(
    path: PathArg = Path("."),
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="TOML file to append the imported tables to (default: imported.toml in the "
            "configuration directory, or the configuration file itself).",
        ),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Import only one object: its kind...")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="...and its natural key: the AWS account ID (datadog_aws_account), or "
            "REGION/NAME (aws_logs_integration).",
        ),
    ] = None,
    remote_id: Annotated[
        str | None, typer.Option("--id", help="...or its id (Datadog config UUID or name).")
    ] = None,
    sandbox: SandboxOpt = False,
) -> None:
    """Adopt live objects that are in neither the configuration nor the state."""
    from reconciler.engine import make_plan
    from reconciler.importer import import_objects
    from reconciler.state.base import commit

    if (kind is None) != (key is None and remote_id is None) or (key and remote_id):
        raise ReconcilerError("--kind goes with one of --key or --id")
    target = to if to is not None else (path / "imported.toml" if path.is_dir() else path)
    console = Console(highlight=False, emoji=False)
    with sandbox_env(sandbox) as url:
        session = Session(path, url)

        async def work(s: Session) -> tuple[list[str], list[str], bool]:
            with s.backend.lock("import"):
                planned = await make_plan(s.config, s.backend, s.kinds)
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
                added, skipped = import_objects(objects, s.kinds, state, target, taken)
                # Recorded only if the next plan will read what was written: otherwise that
                # plan would see the address in the state only, and destroy the object.
                included = bool(added) and _declared(path, state, added, s)
                if included:
                    commit(state, s.backend)
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
        _err_console().print(f"[bold yellow]Warning:[/] {error_line(message)}")
    if skipped and kind is not None:
        raise typer.Exit(1)


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


def _state_backend(path: Path, sandbox: bool) -> StateBackend:
    # Only the [state] table matters here: an emergency force-unlock must not need secrets.
    return state_backend(None if sandbox else load(path, settings_only=True), sandbox)


@state_app.command("list")
@handle_errors
def state_list(path: PathArg = Path("."), sandbox: SandboxOpt = False) -> None:
    """List the addresses in the state."""
    state = _state_backend(path, sandbox).read()
    for address in sorted(state.resources if state else {}):
        sys.stdout.write(address + "\n")


@state_app.command("show")
@handle_errors
def state_show(
    address: Annotated[str, typer.Argument(help="kind.name")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Show one address as recorded in the state (secrets only as digests)."""
    state = _state_backend(path, sandbox).read()
    if state is None or address not in state.resources:
        raise StateError(f"no {address} in the state")
    sys.stdout.write(json.dumps(state.resources[address].model_dump(mode="json"), indent=2) + "\n")


@state_app.command("rm")
@handle_errors
def state_rm(
    address: Annotated[str, typer.Argument(help="kind.name")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Forget an address without touching the live object."""
    from reconciler.state.base import commit

    backend = _state_backend(path, sandbox)
    with backend.lock("state rm"):
        state = backend.read()
        if state is None or address not in state.resources:
            raise StateError(f"no {address} in the state")
        del state.resources[address]
        commit(state, backend)
    Console(highlight=False).print(f"Removed {escape(address)} from the state.")


@state_app.command("mv")
@handle_errors
def state_mv(
    source: Annotated[str, typer.Argument(help="The address now in the state.")],
    destination: Annotated[str, typer.Argument(help="The new address (same kind).")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Rename an address in the state; the live object is untouched."""
    from reconciler.state.base import commit

    if source.split(".", 1)[0] != destination.split(".", 1)[0] or "." not in destination:
        raise StateError(f"cannot move {source} to {destination}: the kind must stay the same")
    backend = _state_backend(path, sandbox)
    with backend.lock("state mv"):
        state = backend.read()
        if state is None or source not in state.resources:
            raise StateError(f"no {source} in the state")
        if destination in state.resources:
            raise StateError(f"{destination} is already in the state")
        state.resources[destination] = state.resources.pop(source)
        commit(state, backend)
    Console(highlight=False).print(f"Moved {escape(source)} to {escape(destination)}.")


def _mount_sandbox() -> None:
    if any(group.name == "sandbox" for group in app.registered_groups):
        return
    from reconciler.sandbox.cli import app as sandbox_app

    app.add_typer(sandbox_app, name="sandbox", help="Run the local sandbox of both APIs.")


def _click_exceptions() -> Any:
    # typer 0.29 carries its own copy of click; older ones use click itself.
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code: 0 done, 1 any error (usage errors too),
    2 changes or drift (as the command says), 130 interrupted."""
    click = _click_exceptions()
    _mount_sandbox()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # SIGTERM/SIGHUP outside an event loop end the command like Ctrl-C: with blocks (a
        # held lock) are left on the way out. Inside one, the session's handlers take over.
        with raising(StopRequest()):
            result = app(args=args, prog_name="reconciler", standalone_mode=False)
    except KeyboardInterrupt:
        _err_console().print("[bold red]Interrupted[/] (SIGINT).")
        return 130
    except Interrupted as exc:
        _err_console().print(f"[bold red]Interrupted[/] ({exc.signal_name}).")
        return exc.exit_code
    except click.NoArgsIsHelpError as exc:
        # `reconciler` alone prints the help: not an error.
        sys.stdout.write((exc.ctx.get_help() if exc.ctx else "") + "\n")
        return 0
    except click.ClickException as exc:
        # Usage errors exit 1, not click's 2: 2 means "changes" to a pipeline.
        console = _err_console()
        console.print(f"[bold red]Error:[/] {error_line(exc.format_message())}")
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            console.print(f"Run '{escape(ctx.command_path)} --help' for usage.")
        return 1
    except click.Abort:
        _err_console().print("[bold red]Interrupted.[/]")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())

"""The command line: parses arguments and dispatches to ``reconciler.commands``. Options are
checked before any file is read or written. Every ReconcilerError becomes one message per
problem on stderr and exit code 1; 2 and 3 are reserved for what a plan found."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from reconciler.cli_options import (
    AddressArg,
    ExcludeOpt,
    FormatOpt,
    NoColorOpt,
    PathArg,
    ReplaceOpt,
    SandboxOpt,
    TargetOpt,
)
from reconciler.console import (
    Format,
    err_console,
    error_line,
    out_console,
    print_error,
    print_interrupted,
    render_plan,
)
from reconciler.errors import ReconcilerError
from reconciler.interrupts import Interrupted, StopRequest, raising

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # click's plain help: typer's rich one loads rich's Markdown and tracebacks (0.08 s of a
    # 0.2 s `--help`) and writes a `<bool>` after every flag.
    rich_markup_mode=None,
    help="Keep Datadog AWS account integrations and CloudWatch Logs OpenSearch integrations "
    "exactly as declared in TOML.",
)
state_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Inspect and edit the state."
)
app.add_typer(state_app, name="state")

F = TypeVar("F", bound=Callable[..., Any])


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


def handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = fn(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted(signal.SIGINT) from None
        except (Interrupted, typer.Exit, typer.Abort):
            raise  # run() reports an interrupted command
        except ReconcilerError as err:
            print_error(err)
            raise typer.Exit(1) from None
        except Exception as err:
            if os.environ.get("RECONCILER_DEBUG"):
                raise
            err_console().print(
                "[bold red]Error:[/] "
                + error_line(
                    f"internal error: {type(err).__name__}: {err} "
                    "(set RECONCILER_DEBUG=1 for a traceback)"
                )
            )
            raise typer.Exit(1) from None
        if code:
            raise typer.Exit(code)

    return wrapper  # type: ignore[return-value]


# -- commands ------------------------------------------------------------------------------


@app.command()
@handle_errors
def validate(
    path: PathArg = Path("."),
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            help="Print this address's values as resolved (defaults and templates merged in), "
            "each with the file and line it came from.",
        ),
    ] = None,
) -> None:
    """Check the configuration without contacting any API."""
    from reconciler.commands.validate import run_validate

    run_validate(path, explain)


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
) -> int:
    """Show what apply would change."""
    from reconciler.commands.plan import run_plan
    from reconciler.commands.selection import Selection

    return run_plan(
        path,
        out=out,
        fmt=fmt,
        detailed_exitcode=detailed_exitcode,
        refresh_only=refresh_only,
        selection=Selection(target or (), exclude or (), replace or ()),
        sandbox=sandbox,
        no_color=no_color,
    )


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
) -> int:
    """Make the live objects match the configuration (or apply a saved plan)."""
    from reconciler.commands.apply import run_apply
    from reconciler.commands.selection import Selection

    return run_apply(
        path,
        auto_approve=auto_approve,
        selection=Selection(target or (), exclude or (), replace or ()),
        sandbox=sandbox,
        no_color=no_color,
    )


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
    render_plan(pf.plan, fmt, out_console(no_color), digest)


@app.command("force-unlock")
@handle_errors
def force_unlock(
    lock_id: Annotated[str, typer.Argument(help="The id of the lock to remove.")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Remove a state lock left behind by a run that died."""
    from reconciler.commands import state

    state.force_unlock(lock_id, path, sandbox)


@app.command("output")
@handle_errors
def output(
    address: Annotated[
        str | None, typer.Argument(help="kind.name; every address if left out.")
    ] = None,
    path: Annotated[Path, typer.Option("--path", help="The configuration.")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
    sandbox: SandboxOpt = False,
) -> None:
    """Values to copy elsewhere (a role's external_id for its IAM trust policy), from the state."""
    from reconciler.commands import state
    from reconciler.outputs import show

    sys.stdout.write(show(state.backend(path, sandbox).read(), address, as_json=as_json))


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
) -> int:
    """Adopt live objects that are in neither the configuration nor the state."""
    from reconciler.commands.importing import run_import

    return run_import(path, to=to, kind=kind, key=key, remote_id=remote_id, sandbox=sandbox)


@state_app.command("list")
@handle_errors
def state_list(path: PathArg = Path("."), sandbox: SandboxOpt = False) -> None:
    """List the addresses in the state."""
    from reconciler.commands import state

    state.show_list(path, sandbox)


@state_app.command("show")
@handle_errors
def state_show(address: AddressArg, path: PathArg = Path("."), sandbox: SandboxOpt = False) -> None:
    """Show one address as recorded in the state (secrets only as digests)."""
    from reconciler.commands import state

    state.show_one(address, path, sandbox)


@state_app.command("rm")
@handle_errors
def state_rm(address: AddressArg, path: PathArg = Path("."), sandbox: SandboxOpt = False) -> None:
    """Forget an address without touching the live object."""
    from reconciler.commands import state

    state.remove(address, path, sandbox)


@state_app.command("mv")
@handle_errors
def state_mv(
    source: Annotated[str, typer.Argument(help="The address now in the state.")],
    destination: Annotated[str, typer.Argument(help="The new address (same kind).")],
    path: PathArg = Path("."),
    sandbox: SandboxOpt = False,
) -> None:
    """Rename an address in the state; the live object is untouched."""
    from reconciler.commands import state

    state.move(source, destination, path, sandbox)


# -- entry point ---------------------------------------------------------------------------


def _click_exceptions() -> Any:
    # typer 0.29 carries its own copy of click; older ones use click itself.
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


@functools.cache
def _command() -> Any:
    """The click command behind ``app`` with the ``sandbox`` group mounted (imported only
    now, not for ``import reconciler.cli``), built once per process: calling ``app`` builds
    it anew every time, about 12 ms of CPU for every command a process runs."""
    from reconciler.sandbox.cli import app as sandbox_app

    app.add_typer(sandbox_app, name="sandbox", help="Run the local sandbox of both APIs.")
    return typer.main.get_command(app)


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code: 0 done, 1 any error (usage errors too),
    2 changes or drift, 3 pending (as the command says), 128 + N interrupted by signal N."""
    click = _click_exceptions()
    command = _command()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # SIGTERM/SIGHUP outside an event loop end the command like Ctrl-C: with blocks (a
        # held lock) are left on the way out. Inside one, the session's handlers take over.
        with raising(StopRequest()):
            result = command.main(args=args, prog_name="reconciler", standalone_mode=False)
    except Interrupted as exc:
        print_interrupted(exc.signal_name)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):  # click turns a KeyboardInterrupt into Abort
        print_interrupted("SIGINT")
        return 130
    except click.NoArgsIsHelpError as exc:
        # `reconciler` alone prints the help: not an error.
        sys.stdout.write((exc.ctx.get_help() if exc.ctx else "") + "\n")
        return 0
    except click.ClickException as exc:
        # Usage errors exit 1, not click's 2: 2 means "changes" to a pipeline.
        console = err_console()
        console.print(f"[bold red]Error:[/] {error_line(exc.format_message())}")
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            console.print(f"Run '{escape(ctx.command_path)} --help' for usage.")
        return 1
    return result if isinstance(result, int) else 0


def main() -> None:
    from reconciler import exit_unfreed

    # httpx imports its own command line whenever click and rich are installed (they are:
    # reconciler's), and with it rich's progress bars and tables and pygments: about 0.02 s
    # of CPU on every command that talks to Datadog. reconciler never runs httpx's command
    # line; httpx handles the ImportError this gives by leaving its ``main`` out.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    # pydantic looks through every installed distribution's entry points for plugins when
    # the first model is built (0.01 s with a hundred packages). A plugin sees every value
    # validated, secrets included; reconciler uses none, so none is loaded.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    exit_unfreed.hold()
    exit_unfreed.end(run())

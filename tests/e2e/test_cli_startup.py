"""`reconciler --help` imports only what printing the help needs."""

from __future__ import annotations

from pathlib import Path

from tests import child


def test_help_loads_no_client_engine_or_server(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from reconciler.cli import main\n"
        "sys.argv = ['reconciler', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
    )
    loaded = child.imported_by(code, cwd=tmp_path)
    heavy = {"boto3", "botocore", "httpx", "deepdiff", "pydantic", "asyncio", "http"}
    heavy |= {"markdown_it", "pygments"}  # typer's rich help formatting would load them
    ours = {"reconciler.engine", "reconciler.sandbox.runner", "reconciler.config"}
    assert child.packages(loaded) & heavy | loaded & ours == set()


def test_a_plan_leaves_out_httpx_command_line_and_pydantic_plugins(tmp_path: Path) -> None:
    # httpx would load its command line (rich's progress bars, pygments) with itself.
    examples = Path(__file__).resolve().parents[2] / "examples"
    code = (
        "import os, sys\n"
        "from reconciler import exit_unfreed\n"
        "from reconciler.cli import main\n"
        "exit_unfreed.end = sys.exit  # not os._exit: the modules are listed after\n"
        "os.environ['LEGACY_AWS_SECRET'] = 'sandbox-only-secret'\n"
        f"sys.argv = ['reconciler', 'plan', '--sandbox', '--no-color', {str(examples)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, 2), exit.code\n"
    )
    code += (
        "from pydantic.plugin import _loader\n"
        "assert _loader._plugins is None, 'entry points were searched for pydantic plugins'\n"
    )
    loaded = child.imported_by(code, cwd=tmp_path)
    assert "httpx" in loaded  # the plan did talk to (the sandbox's) Datadog
    assert "httpx._main" not in loaded
    assert child.packages(loaded) & {"pygments"} == set()

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
    ours = {"reconciler.engine", "reconciler.sandbox.runner", "reconciler.config"}
    assert child.packages(loaded) & heavy | loaded & ours == set()

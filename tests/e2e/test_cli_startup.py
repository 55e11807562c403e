"""`reconciler --help` imports only what printing the help needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_help_loads_no_client_engine_or_server(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from reconciler.cli import main\n"
        "sys.argv = ['reconciler', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = ('boto3', 'botocore', 'httpx', 'deepdiff', 'pydantic', 'asyncio', 'http')\n"
        "ours = ('reconciler.engine', 'reconciler.sandbox.runner', 'reconciler.config')\n"
        "loaded = {m.split('.')[0] for m in sys.modules} & set(heavy)\n"
        "print(sorted(loaded | (set(sys.modules) & set(ours))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout[-500:]

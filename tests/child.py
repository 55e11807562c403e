"""Python code run in a child interpreter, for the tests where a fresh process is the point: a
second lock holder, a file-size limit, what a cold start imports. The child imports this
checkout (``tests/conftest.py`` puts it on ``PYTHONPATH``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

TIMEOUT = 30.0


def start(code: str, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """``python -c CODE ARGS`` running alongside the test, its standard input and output
    piped (text); the caller ends it."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=None if env is None else dict(env),
    )


def run(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` to its end, its output captured (text)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def imported_by(code: str, cwd: Path | None = None) -> set[str]:
    """The names of every module a fresh interpreter has imported once ``code`` has run
    (not those it holds as None: kept from being imported)."""
    listing = "sorted(k for k, v in sys.modules.items() if v is not None)"
    done = run(code + f"\nimport json, sys\nprint(json.dumps({listing}))\n", cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    names: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return set(names)


def packages(modules: set[str]) -> set[str]:
    """The top-level packages of ``modules``."""
    return {name.split(".")[0] for name in modules}

"""The CLI in-process: ``invoke(["plan", "infra"], cwd=..., env=...)`` runs one command as a
user would (argv, working directory, environment, standard input) and returns its exit code and
what it printed, without starting a Python process."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler import redact
from reconciler.cli import run


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def show(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def invoke(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    input: str = "",
) -> Result:
    """Run ``reconciler ARGS`` in this process; ``env`` overrides (None removes a variable)."""
    out, err = io.StringIO(), io.StringIO()
    old_cwd = Path.cwd()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    with _environment({"COLUMNS": "2000", "NO_COLOR": "1", **(env or {})}):
        os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(input), out, err
        try:
            code = run(list(args))
        finally:
            sys.stdin, sys.stdout, sys.stderr = streams
            os.chdir(old_cwd)
            redact.forget_all()
    result = Result(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.text, result.show()
    return result

"""The one harness for end-to-end tests: ``invoke(["plan", "infra"], cwd=..., env=...)`` runs one
command as a user would (argv, working directory, environment, standard input) and returns its
exit code and what it printed, in this process, as pre-commit's tests call ``main([...])``.

``spawn`` runs the same command as a real process, for the few tests where the process boundary
is the point (signals, a fresh interpreter, the installed entry point). Both start from the
same scrubbed environment and return the same ``Result``.

In-process runs share this process with every other test, so ``invoke`` puts back what a
command may change for the whole process: the environment, the working directory, the standard
streams, ``reconciler.redact``'s registry of secrets, the root logger and the SIGINT/SIGTERM
handlers. A command's event loop (``asyncio.run``), boto3 sessions and rich consoles are made
per command by the CLI itself and are not shared. Only what the command's own thread prints is
its output: a sandbox serving the test from another thread keeps writing where it did.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from reconciler import redact
from reconciler.cli import run

# Rich wraps printed lines at the terminal width, 80 when output is not a terminal. The tests
# give a wide one so assertions can match whole lines; test_cli_errors checks the default.
COLUMNS = "2000"
SPAWN_TIMEOUT = 60.0

# Variables that would let a run reach a real account or change how the CLI behaves.
SCRUBBED_PREFIXES = ("DD_", "AWS_", "RECONCILER_")
SCRUBBED = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")

Env = Mapping[str, str | None]


@dataclass(frozen=True)
class Result:
    """What one command did. ``returncode``/``stdout``/``stderr`` are the same values under
    ``subprocess.CompletedProcess``'s names, which the end-to-end tests were written with."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def returncode(self) -> int:
        return self.code

    @property
    def stdout(self) -> str:
        return self.out

    @property
    def stderr(self) -> str:
        return self.err

    def show(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("Error:")]


def base_env() -> dict[str, str]:
    """This process's environment without credentials, AWS config files or colour forcing."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(SCRUBBED_PREFIXES) and k not in SCRUBBED
    }
    env.update(
        {
            "NO_COLOR": "1",
            "COLUMNS": COLUMNS,
            # No shared AWS config files and no instance metadata from the machine running tests.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            # TLS trust from OpenSSL's hashed certificate directory, read only when a
            # certificate is checked (never: the sandbox speaks plain HTTP). A bundle file
            # (SSL_CERT_FILE, or certifi's without it) is parsed by every httpx client: about
            # 0.05 s of CPU per command, paid once per process by users, per command here.
            "SSL_CERT_DIR": ssl.get_default_verify_paths().openssl_capath,
        }
    )
    env.pop("SSL_CERT_FILE", None)
    return env


def environment(overrides: Env | None = None) -> dict[str, str]:
    """``base_env()`` with ``overrides`` (a None value removes the variable)."""
    env = base_env()
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class _ThreadOutput(io.StringIO):
    """A standard stream for one command: what its thread writes is kept; what other threads
    write (a sandbox in the test process failing to answer a client that went away) goes on to
    ``elsewhere``, as it would if the command ran in its own process."""

    def __init__(self, elsewhere: TextIO) -> None:
        super().__init__()
        self._owner = threading.get_ident()
        self._elsewhere = elsewhere

    def write(self, text: str) -> int:
        if threading.get_ident() == self._owner:
            return super().write(text)
        return self._elsewhere.write(text)


@contextlib.contextmanager
def _process_state(
    env: Mapping[str, str], cwd: Path, stdin: str
) -> Iterator[tuple[_ThreadOutput, _ThreadOutput]]:
    """Give one command ``env``, ``cwd`` and ``stdin``; put back everything afterwards."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    root = logging.getLogger()
    saved_logging = (root.level, list(root.handlers))
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    out, err = _ThreadOutput(sys.stdout), _ThreadOutput(sys.stderr)
    # A fresh process knows no secret: nothing registered by earlier tests may redact output.
    redact.forget_all()
    os.environ.clear()
    os.environ.update(env)
    try:
        os.chdir(cwd)
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        redact.forget_all()
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]
        for signum, handler in saved_signals.items():
            signal.signal(signum, handler)


def invoke(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Env | None = None,
    input: str = "",
    allow_traceback: bool = False,
) -> Result:
    """Run ``reconciler ARGS`` in this process, in ``environment(env)``; ``input`` is all of
    standard input (empty: at end of file, as in CI)."""
    with _process_state(environment(env), cwd, input) as (out, err):
        code = run(list(args))
    result = Result(code, out.getvalue(), err.getvalue())
    if not allow_traceback:
        assert "Traceback" not in result.text, result.show()
    return result


def spawn(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Env | None = None,
    input: str = "",
    program: Sequence[str] = (sys.executable, "-m", "reconciler"),
) -> Result:
    """Run ``reconciler ARGS`` as a new process (``program`` names how it is started)."""
    proc = subprocess.run(
        [*program, *args],
        cwd=cwd,
        env=environment(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=SPAWN_TIMEOUT,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in result.text, result.show()
    return result

"""``serve``: prints where it listens and how to point clients at it, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import reconciler
from reconciler.sandbox.cli import app
from tests.loopback import HTTP

ROOT = Path(reconciler.__file__).parents[1]


def test_serve_until_interrupted(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-c",
            # A shell starting the suite in the background makes SIGINT ignored, and a
            # child would inherit that; Ctrl-C in a terminal interrupts.
            "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from reconciler.sandbox.cli import app; app()",
            "serve",
            "--port",
            "0",
            "--data",
            str(tmp_path / "cloud"),
            "--seed",
            "3",
            "--shuffle-lists",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("sandbox listening on http://127.0.0.1:")
        url = first.split()[3]
        lines = [proc.stdout.readline() for _ in range(10)]
        assert f"  export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS={url}\n" in lines
        assert f"  export AWS_ENDPOINT_URL_STS={url}\n" in lines
        assert f"  export DD_HOST={url}\n" in lines
        r = HTTP.get(f"{url}/api/v2/integration/aws/accounts", headers={"DD-API-KEY": "k"})
        assert r.status_code == 403
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "sandbox stopped" in out
    assert "Traceback" not in err


def test_bad_option_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--error-rate", "2", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "error_rate: expected a rate between 0 and 1, got 2.0" in result.output

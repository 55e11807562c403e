"""A process started by a test imports this checkout's package, from any working directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.cli_runner import spawn

ROOT = Path(__file__).resolve().parent.parent
WHERE = "import reconciler, sys; sys.stdout.write(reconciler.__file__)"


def test_a_child_python_imports_this_checkout(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", WHERE], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert Path(proc.stdout).is_relative_to(ROOT / "reconciler"), proc.stdout


def test_a_process_in_the_harness_environment_imports_this_checkout(tmp_path: Path) -> None:
    result = spawn(["-c", WHERE], cwd=tmp_path, program=(sys.executable,))
    assert Path(result.out).is_relative_to(ROOT / "reconciler"), result.show()

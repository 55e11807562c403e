"""What every test shares: the processes a test starts run this checkout's ``reconciler``.

The venv installs the package in editable mode from wherever it was installed from, which need
not be this checkout; a process started from another directory would import that copy. This
checkout goes first on ``PYTHONPATH`` (inherited by every child process and by the harness's
``base_env``)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
)

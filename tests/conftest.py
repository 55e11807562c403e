"""What every test shares.

The processes a test starts run this checkout's ``reconciler``: the venv installs the package
in editable mode from wherever it was installed from, which need not be this checkout, and a
process started from another directory would import that copy. This checkout goes first on
``PYTHONPATH`` (inherited by every child process and by the harness's ``base_env``). They may
cache bytecode (in ``__pycache__``, which git ignores): with ``PYTHONDONTWRITEBYTECODE`` set,
each would compile this checkout's modules again, about 0.15 s of CPU per ``reconciler``
process (the venv's packages have their bytecode already).

In this process, every in-process command makes its own boto3 sessions, as a real process
does; botocore's data files (service models, endpoints) are read once for all of them, as a
real process reads them once (about 40 ms of CPU per session otherwise)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(scope="session", autouse=True)
def _botocore_data_read_once() -> Iterator[None]:
    import botocore.loaders
    import botocore.session

    shared = functools.cache(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield

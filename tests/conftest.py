"""What every test shares: the processes a test starts run this checkout's ``reconciler``, and
compile it (and what it imports) once per test session, not once per process.

The venv installs the package in editable mode from wherever it was installed from, which need
not be this checkout; a process started from another directory would import that copy. This
checkout goes first on ``PYTHONPATH`` (inherited by every child process and by the harness's
``base_env``).

Where ``PYTHONDONTWRITEBYTECODE`` is set (to keep source trees free of ``__pycache__``), every
child process would compile each module it imports from source again: about 0.15 s of CPU per
``reconciler`` process. The children write their bytecode under one temporary directory of
the session instead (``PYTHONPYCACHEPREFIX``), removed when the session ends.

In this process, every in-process command makes its own boto3 sessions, as a real process
does; botocore's data files (service models, endpoints) are read once for all of them, as a
real process reads them once (about 40 ms of CPU per session otherwise)."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)]
)

_BYTECODE: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and "PYTHONPYCACHEPREFIX" not in os.environ:
        cache = Path(tempfile.mkdtemp(prefix="reconciler-test-bytecode-"))
        _BYTECODE.append(cache)
        del os.environ["PYTHONDONTWRITEBYTECODE"]
        os.environ["PYTHONPYCACHEPREFIX"] = str(cache)


def pytest_unconfigure(config: pytest.Config) -> None:
    for cache in _BYTECODE:
        shutil.rmtree(cache, ignore_errors=True)
    _BYTECODE.clear()


@pytest.fixture(scope="session", autouse=True)
def _botocore_data_read_once() -> Iterator[None]:
    import botocore.loaders
    import botocore.session

    shared = functools.cache(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield

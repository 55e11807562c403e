from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox
from tests.clouds import SandboxFactory, logs_client, sandboxes

__all__ = ["SandboxFactory", "logs_client"]


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[SandboxFactory]:
    """Start sandboxes with the given options; each gets tmp_path/data unless told otherwise."""
    with sandboxes(tmp_path / "data") as make:
        yield make


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox()

"""The first signal during `plan` or `import`: the command ends as interrupted (128 + N), a plan
writes no plan file and an import records nothing, like `apply` starts nothing new."""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler import engine
from tests.e2e.conftest import describe, run
from tests.e2e.test_cli_quickstart import copy_examples

ENV = {"LEGACY_AWS_SECRET": "interrupted-plan-secret-51c2"}


def signalled(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``make_plan`` that receives SIGTERM as it starts (once), as from a CI time-out."""

    async def make_plan(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        return await original(*args, **kwargs)

    return make_plan


def test_a_signal_during_plan_writes_no_plan_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = copy_examples(tmp_path)
    monkeypatch.setattr(engine, "make_plan", signalled(engine.make_plan))
    result = run(["plan", "--sandbox", "--out", "plan.json", "examples/"], cwd, ENV)
    assert result.returncode == 128 + signal.SIGTERM, describe(result)
    assert "SIGTERM received" in result.stderr
    assert "Interrupted (SIGTERM)" in result.stderr
    assert not (cwd / "plan.json").exists()
    assert "Traceback" not in result.stderr

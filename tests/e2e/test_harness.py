"""The in-process harness leaves this process as it found it, and a command's output is only
what the command printed."""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path

import pytest

from reconciler import redact
from tests.cli_runner import _ThreadOutput, invoke

ACCOUNT = """[datadog_aws_account.prod]
aws_account_id = "123456789012"
auth_config = { role_name = "DatadogIntegrationRole" }
"""


def test_a_command_changes_nothing_for_the_next(tmp_path: Path) -> None:
    env_before, cwd_before = dict(os.environ), os.getcwd()
    handlers_before = list(logging.getLogger().handlers)
    # As if an earlier test had left a secret registered: a fresh process knows none.
    redact.register("no such file")

    result = invoke(["validate", "nowhere"], cwd=tmp_path, env={"RECONCILER_DEBUG": "1"})
    assert result.error_lines() == ["Error: nowhere: no such file or directory"], result.show()

    assert dict(os.environ) == env_before
    assert os.getcwd() == cwd_before
    assert logging.getLogger().handlers == handlers_before
    assert redact.redact("no such file") == "no such file"


def test_the_environment_is_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", "a-real-looking-key")
    monkeypatch.setenv("DD_APP_KEY", "a-real-looking-key")
    (tmp_path / "main.toml").write_text(ACCOUNT)
    result = invoke(["plan", "main.toml"], cwd=tmp_path)
    assert result.code == 1
    assert "DD_API_KEY" in result.err, result.show()


def test_only_the_commands_thread_is_its_output() -> None:
    elsewhere = io.StringIO()
    out = _ThreadOutput(elsewhere)
    out.write("mine\n")
    other = threading.Thread(target=out.write, args=("a server thread\n",))
    other.start()
    other.join()
    assert out.getvalue() == "mine\n"
    assert elsewhere.getvalue() == "a server thread\n"

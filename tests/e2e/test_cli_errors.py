"""Bad input and failing APIs: one clear message on stderr naming where and what, exit 1,
never a traceback (``run`` checks that on every call)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox
from tests import child
from tests.cli_runner import base_env
from tests.e2e.conftest import (
    SandboxFactory,
    Workspace,
    assert_one_error,
    cloud_env,
    dd_accounts,
    describe,
    error_lines,
    free_port,
)
from tests.loopback import JSON, send, serving, url_of

ROLE = 'auth_config = { role_name = "DatadogIntegrationRole" }'
ACCOUNT_TOML = f"""
[datadog_aws_account.prod]
aws_account_id = "123456789012"
{ROLE}
"""
LOGS_HEAD = """
[aws_logs_integration.vended]
integration_name = "vended-logs"
region = "eu-west-1"

[aws_logs_integration.vended.opensearch]
"""
ROLE_ARN = 'data_source_role_arn = "arn:aws:iam::123456789012:role/LogsToOpenSearch"'
VIEWERS = 'dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/Analysts"]'

# (id, main.toml, the parts the one error line must hold)
CONFIG_ERRORS = [
    (
        "toml-syntax",
        '[datadog_aws_account.prod]\naws_account_id = "123456789012\n' + ROLE + "\n",
        ("infra/main.toml:2:", "invalid TOML"),
    ),
    (
        "unknown-key",
        ACCOUNT_TOML + 'acount_tags = ["env:prod"]\n',
        (
            "infra/main.toml:5:",
            "datadog_aws_account.prod",
            "acount_tags",
            "unknown key",
            "did you mean account_tags?",
        ),
    ),
    (
        "wrong-type",
        ACCOUNT_TOML + 'account_tags = "env:prod"\n',
        ("infra/main.toml:5:", "datadog_aws_account.prod", "account_tags", "expected an array"),
    ),
    (
        "bad-account-id",
        ACCOUNT_TOML.replace("123456789012", "12345678901"),
        (
            "infra/main.toml:3:",
            "datadog_aws_account.prod",
            "aws_account_id",
            "12345678901",
            "12 digits",
        ),
    ),
    (
        "bad-arn",
        LOGS_HEAD
        + 'data_source_role_arn = "arn:aws:iam::123456789012:LogsToOpenSearch"\n'
        + VIEWERS
        + "\nretention_days = 30\n",
        (
            "infra/main.toml:7:",
            "aws_logs_integration.vended",
            "opensearch.data_source_role_arn",
            "IAM role ARN",
        ),
    ),
    (
        "retention-31",
        LOGS_HEAD + ROLE_ARN + "\n" + VIEWERS + "\nretention_days = 31\n",
        (
            "infra/main.toml:9:",
            "aws_logs_integration.vended",
            "opensearch.retention_days",
            "1 to 30",
            "31",
        ),
    ),
    (
        "missing-secret-env",
        '[datadog_aws_account.legacy]\naws_account_id = "210987654321"\n'
        'auth_config = { access_key_id = "AKIAEXAMPLE", '
        'secret_access_key = "${env:E2E_UNSET_SECRET}" }\n',
        (
            "infra/main.toml:3:",
            "datadog_aws_account.legacy",
            "auth_config.secret_access_key",
            "E2E_UNSET_SECRET",
            "not set",
        ),
    ),
]


@pytest.mark.parametrize(
    ("text", "parts"), [c[1:] for c in CONFIG_ERRORS], ids=[c[0] for c in CONFIG_ERRORS]
)
def test_bad_configuration(ws: Workspace, cloud: Sandbox, text: str, parts: tuple[str]) -> None:
    ws.write(text)
    result = ws.plan()
    assert_one_error(result, *parts)
    assert result.stdout == ""
    assert dd_accounts(cloud.url) == []  # caught before any API call


def test_duplicate_address_across_two_files(ws: Workspace) -> None:
    ws.write(ACCOUNT_TOML)
    (ws.infra / "other.toml").write_text("# the same address again\n" + ACCOUNT_TOML)
    result = ws.cli("validate", "infra")
    assert_one_error(
        result,
        "datadog_aws_account.prod",
        "duplicate",
        "infra/main.toml:2",
        "infra/other.toml:3",
    )


def test_error_is_one_line_in_a_ci_log(ws: Workspace) -> None:
    # CI runners give no terminal: no COLUMNS, stderr a pipe. The message must still be one
    # line, as errors.py promises, so a log search for "Error:" finds all of it.
    ws.write(CONFIG_ERRORS[-1][1])
    result = ws.cli("plan", "infra", env={"COLUMNS": None, "LINES": None})
    assert result.returncode == 1, describe(result)
    message = (
        "Error: infra/main.toml:3: datadog_aws_account.legacy: auth_config.secret_access_key: "
        "environment variable E2E_UNSET_SECRET is not set"
    )
    assert result.stderr.splitlines() == [message]


# -- APIs that cannot be used --------------------------------------------------------------


@pytest.mark.parametrize("down", ["datadog", "aws"])
def test_api_down(tmp_path: Path, cloud: Sandbox, down: str) -> None:
    # The other API stays up, so the message is about the one that is down.
    closed = f"http://127.0.0.1:{free_port()}"
    ws = Workspace(
        root=tmp_path,
        datadog_url=closed if down == "datadog" else cloud.url,
        aws_url=closed if down == "aws" else cloud.url,
        env=cloud_env(),
        datadog={"max_retries": 0, "timeout_seconds": 2},
        aws={"max_attempts": 1},
    )
    # Both kinds declared: only the kinds a configuration uses are read.
    ws.write(ACCOUNT_TOML + LOGS_HEAD + f"{ROLE_ARN}\n{VIEWERS}\nretention_days = 7\n")
    result = ws.plan()
    if down == "datadog":
        assert_one_error(result, "Datadog", "cannot reach", closed)
    else:
        assert_one_error(result, "CloudWatch Logs", "cannot reach", closed)
    assert not ws.state_path.exists()


def test_missing_datadog_key_names_the_variable(ws: Workspace) -> None:
    ws.write(ACCOUNT_TOML)
    result = ws.plan(env={"DD_API_KEY": None})
    assert_one_error(result, "DD_API_KEY")


class _Forbidden(BaseHTTPRequestHandler):
    """Answers every request as Datadog does a revoked key."""

    def _answer(self) -> None:
        send(self, 403, json.dumps({"errors": ["Forbidden"]}).encode(), JSON)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def forbidding_api() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden), poll_interval=0.05) as server:
        yield url_of(server)


def test_datadog_answering_403(tmp_path: Path, cloud: Sandbox, forbidding_api: str) -> None:
    ws = Workspace(root=tmp_path, datadog_url=forbidding_api, aws_url=cloud.url, env=cloud_env())
    ws.write(ACCOUNT_TOML)
    result = ws.plan()
    line = assert_one_error(result, "Datadog", "403")
    assert "e2e-dummy-datadog-key" not in result.stdout + result.stderr, line


def test_datadog_answering_500(tmp_path: Path, cloud: Sandbox, make_cloud: SandboxFactory) -> None:
    failing = make_cloud(error_rate=1.0, data_dir=tmp_path / "failing")
    ws = Workspace.on(
        tmp_path, failing.url, aws_url=cloud.url, datadog={"max_retries": 1, "timeout_seconds": 5}
    )
    ws.write(ACCOUNT_TOML)
    result = ws.plan()
    line = assert_one_error(result, "Datadog")
    assert "500" in line or "503" in line, line
    assert not ws.state_path.exists()


# -- state -----------------------------------------------------------------------------------


def test_corrupt_state_is_named_and_left_alone(ws: Workspace) -> None:
    ws.write(ACCOUNT_TOML)
    ws.state_path.parent.mkdir(parents=True)
    corrupt = b'{"version": 1, "lineage": \n'
    ws.state_path.write_bytes(corrupt)
    for result in (ws.plan(), ws.apply()):
        assert_one_error(result, str(ws.state_path), "corrupt state")
    assert ws.state_path.read_bytes() == corrupt
    assert not ws.state_path.with_name(ws.state_path.name + ".backup").exists()


HOLD_LOCK_AND_DIE = """
import os, sys
from pathlib import Path
from reconciler.state.local import LocalBackend

held = LocalBackend(Path(sys.argv[1])).lock("apply")
info = held.__enter__()
print(info.id, info.pid, flush=True)
os._exit(0)  # a run that died holding the lock
"""

HOLD_LOCK_ALIVE = """
import sys
from pathlib import Path
from reconciler.state.local import LocalBackend

with LocalBackend(Path(sys.argv[1])).lock("apply") as held:
    print(held.id, held.pid, flush=True)
    sys.stdin.read()  # alive, holding the lock, until the test closes our stdin
"""


def test_a_dead_runs_lock_is_taken_over_without_force_unlock(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(ACCOUNT_TOML)
    holder = subprocess.run(
        [sys.executable, "-c", HOLD_LOCK_AND_DIE, str(ws.state_path)],
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=30,
        check=True,
    )
    _, pid = holder.stdout.split()
    applied = ws.apply()
    assert applied.returncode == 0, describe(applied)
    assert f"took over the lock of pid {pid}" in applied.stderr
    assert len(dd_accounts(cloud.url)) == 1


def test_a_live_runs_lock_blocks_until_force_unlock(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(ACCOUNT_TOML)
    holder = child.start(HOLD_LOCK_ALIVE, str(ws.state_path), env=base_env())
    try:
        assert holder.stdout is not None
        lock_id, pid = holder.stdout.readline().split()

        blocked = ws.apply()
        line = assert_one_error(blocked, "locked", lock_id, f"pid {pid}", "apply", "force-unlock")
        assert str(ws.state_path) in line
        assert dd_accounts(cloud.url) == []

        wrong = ws.cli("force-unlock", "not-the-id", "infra")
        assert_one_error(wrong, "not-the-id", lock_id)

        unlocked = ws.cli("force-unlock", lock_id, "infra")
        assert unlocked.returncode == 0, describe(unlocked)
        assert f"Lock {lock_id} removed." in unlocked.stdout

        applied = ws.apply()
        assert applied.returncode == 0, describe(applied)
        assert error_lines(applied) == []
        assert len(dd_accounts(cloud.url)) == 1
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


MISUSES = [
    (["plan", "infra", "--target", "datadog_aws_account.nope"], "datadog_aws_account.nope"),
    (["plan", "infra", "--format", "yaml"], "'yaml'"),
    (["plan", "nowhere"], "nowhere: no such file or directory"),
    (["show", "infra/main.toml"], "infra/main.toml: not a plan file"),
    (["force-unlock", "some-id", "infra"], "is not locked"),
]


@pytest.mark.parametrize(("args", "part"), MISUSES, ids=[" ".join(m[0][:2]) for m in MISUSES])
def test_command_misuse(ws: Workspace, args: list[str], part: str) -> None:
    ws.write(ACCOUNT_TOML)
    assert_one_error(ws.cli(*args), part)

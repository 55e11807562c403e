"""Fail closed: a configuration file that cannot be read is an error naming it, never skipped
(a skipped file would make its resources look removed, and plan would destroy them). Values
are strict: no coercion of "0" to false or "30" to 30, ASCII where the API means ASCII."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ConfigError, ConfigErrors
from reconciler.registry import KINDS

ACCOUNT = """
[datadog_aws_account.a]
aws_account_id = "111111111111"
auth_config = { role_name = "R" }
"""


def _load(path: Path) -> object:
    return load_config(path, KINDS, env={})


def _message(path: Path) -> str:
    with pytest.raises((ConfigError, ConfigErrors)) as info:
        _load(path)
    return str(info.value)


def _main_toml_message(tmp_path: Path, text: str) -> tuple[Path, str]:
    """Writes ``text`` as ``main.toml`` and returns its path and the error loading it gives."""
    path = tmp_path / "main.toml"
    path.write_text(text)
    return path, _message(path)


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    d = tmp_path / "infra"
    d.mkdir()
    (d / "a.toml").write_text(ACCOUNT)
    return d


def test_dangling_symlink_is_an_error(infra: Path) -> None:
    (infra / "b.toml").symlink_to(infra / "missing.toml")
    message = _message(infra)
    assert "b.toml" in message
    assert "does not exist" in message


def test_symlink_loop_is_an_error(infra: Path) -> None:
    (infra / "b.toml").symlink_to(infra / "c.toml")
    (infra / "c.toml").symlink_to(infra / "b.toml")
    message = _message(infra)
    assert "b.toml" in message
    assert "cannot read" in message


def test_fifo_is_an_error_and_never_opened(infra: Path) -> None:
    os.mkfifo(infra / "b.toml")  # opening it for reading would block this test forever
    message = _message(infra)
    assert "b.toml" in message
    assert "not a regular file" in message


def test_directory_named_toml_is_an_error(infra: Path) -> None:
    (infra / "b.toml").mkdir()
    assert "a directory" in _message(infra)


def test_over_long_path_is_an_error(tmp_path: Path) -> None:
    message = _message(tmp_path / ("x" * 5000))
    assert "cannot read" in message or "no such file" in message


def test_deeply_nested_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested too deeply" in _message(path)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metrics_config", '{ enabled = "0" }'),
        ("metrics_config", "{ enabled = 0 }"),
        ("account_tags", '"env:prod"'),
    ],
)
def test_no_coercion(tmp_path: Path, field: str, value: str) -> None:
    _, message = _main_toml_message(tmp_path, ACCOUNT + f"{field} = {value}\n")
    assert "datadog_aws_account.a" in message
    assert "main.toml:" in message


def test_logs_retention_string_is_refused(tmp_path: Path) -> None:
    _, message = _main_toml_message(
        tmp_path,
        "[aws_logs_integration.v]\n"
        'integration_name = "v"\nregion = "us-east-1"\n'
        "[aws_logs_integration.v.opensearch]\n"
        'data_source_role_arn = "arn:aws:iam::123456789012:role/R"\n'
        'dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/A"]\n'
        'retention_days = "30"\n',
    )
    assert "retention_days" in message


@pytest.mark.parametrize(
    "snippet",
    [
        'aws_regions = { include_only = ["us-east-\u0661"] }',
        'aws_account_id = "' + "\u0661" * 12 + '"',
    ],
)
def test_non_ascii_digits_are_refused(tmp_path: Path, snippet: str) -> None:
    body = (
        ACCOUNT
        if "aws_account_id" not in snippet
        else ACCOUNT.replace('aws_account_id = "111111111111"', snippet)
    )
    if "aws_regions" in snippet:
        body += snippet + "\n"
    _, message = _main_toml_message(tmp_path, body)
    assert "datadog_aws_account.a" in message


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ('[aws]\nregion = "eu-wst"\n', "region"),
        ('[aws]\nregion = "us-east-\u0661"\n', "region"),
        ('[aws]\nendpoint_url = "localhost:4566"\n', "endpoint_url"),
        ('[datadog]\napi_url = "ftp://example"\n', "api_url"),
        ("[aws]\nmax_attempts = 3.0\n", "max_attempts"),
    ],
)
def test_settings_are_validated_with_file_and_line(tmp_path: Path, table: str, line: str) -> None:
    path, message = _main_toml_message(tmp_path, ACCOUNT + "\n" + table)
    # The key's own line: ACCOUNT is 4 lines, a blank one, the table header, then the key.
    assert message.startswith(f"{path}:7: ")
    assert line in message

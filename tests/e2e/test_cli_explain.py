"""``validate --explain``: each resolved value of one address with the file and line it came
from; an address the configuration does not hold is one error."""

from __future__ import annotations

from pathlib import Path

from tests.cli_runner import invoke
from tests.toml_blocks import account

CONFIG = account("prod", "123456789012", account_tags='["env:prod"]')


def test_explain_shows_where_each_value_came_from(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text(CONFIG)
    result = invoke(
        ["validate", "main.toml", "--explain", "datadog_aws_account.prod"], cwd=tmp_path
    )
    assert result.code == 0, result.show()
    lines = result.out.splitlines()
    assert 'aws_account_id = "123456789012"  # main.toml:3' in lines
    assert 'account_tags = ["env:prod"]  # main.toml:4' in lines
    assert lines[-1] == "The configuration is valid: 1 resource."


def test_explain_of_an_address_not_configured_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text(CONFIG)
    result = invoke(
        ["validate", "main.toml", "--explain", "datadog_aws_account.nope"], cwd=tmp_path
    )
    assert result.code == 1, result.show()
    assert result.error_lines() == [
        "Error: no resource datadog_aws_account.nope in the configuration"
    ]

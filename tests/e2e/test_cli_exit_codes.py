"""Exit codes: 2 means "changes" to a pipeline, so no error may exit 2."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.commands import validate
from reconciler.interrupts import Interrupted
from tests.cli_runner import invoke


def test_usage_errors_exit_1_not_2(tmp_path: Path) -> None:
    for args in (["plan", "--bogus"], ["plan", "--format"], ["nosuchcommand"], ["apply", "-x"]):
        result = invoke(args, cwd=tmp_path)
        assert result.code == 1, result.show()
        lines = [line for line in result.err.splitlines() if line.startswith("Error:")]
        assert len(lines) == 1, result.show()


def test_version_and_bare_help(tmp_path: Path) -> None:
    version = invoke(["--version"], cwd=tmp_path)
    assert version.code == 0
    assert version.out.strip() == f"reconciler {__version__}"
    bare = invoke([], cwd=tmp_path)
    assert bare.code == 0
    assert "plan" in bare.out


def test_positions_in_messages_are_not_emoji(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text("\n" * 99 + "[datadog_aws_account.x]\nbogus = 1\n")
    result = invoke(["validate", "main.toml"], cwd=tmp_path)
    assert result.code == 1
    assert "main.toml:100:" in result.err
    assert "\U0001f4af" not in result.err


def test_validate_needs_no_secret_values_but_plan_does(tmp_path: Path) -> None:
    (tmp_path / "main.toml").write_text(
        "[datadog_aws_account.k]\n"
        'aws_account_id = "210987654321"\n'
        'auth_config = { access_key_id = "AKIAEXAMPLE", '
        'secret_access_key = "${env:UNSET_FOR_VALIDATE}" }\n'
    )
    env = {"UNSET_FOR_VALIDATE": None}
    valid = invoke(["validate", "main.toml"], cwd=tmp_path, env=env)
    assert valid.code == 0, valid.show()
    assert "Note: environment variable UNSET_FOR_VALIDATE is not set" in valid.out
    planned = invoke(["plan", "main.toml"], cwd=tmp_path, env=env)
    assert planned.code == 1
    assert "environment variable UNSET_FOR_VALIDATE is not set" in planned.err


@pytest.mark.parametrize(
    ("raised", "code", "name"),
    [(KeyboardInterrupt(), 130, "SIGINT"), (Interrupted(signal.SIGTERM), 143, "SIGTERM")],
)
def test_a_command_interrupted_exits_128_plus_the_signal_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: BaseException, code: int, name: str
) -> None:
    def interrupted(*args: object) -> None:
        raise raised

    monkeypatch.setattr(validate, "run_validate", interrupted)
    result = invoke(["validate", "."], cwd=tmp_path)
    assert result.code == code, result.show()
    assert result.err == f"Interrupted ({name}).\n", result.show()
    assert result.out == ""


def test_an_internal_error_is_one_line_unless_debugging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "run_validate", broken)
    result = invoke(["validate", "."], cwd=tmp_path)
    assert result.code == 1, result.show()
    assert result.error_lines() == [
        "Error: internal error: RuntimeError: boom (set RECONCILER_DEBUG=1 for a traceback)"
    ]
    with pytest.raises(RuntimeError, match="boom"):
        invoke(["validate", "."], cwd=tmp_path, env={"RECONCILER_DEBUG": "1"})

"""validate and plan report natural-key problems with their location, and validate loads no
API client or diff library."""

from __future__ import annotations

from pathlib import Path

from tests import child
from tests.e2e.conftest import run

LOGS = """[aws_logs_integration.x]
integration_name = "a"
[aws_logs_integration.x.opensearch]
data_source_role_arn = "arn:aws:iam::123456789012:role/R"
dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/V"]
retention_days = 3
"""


def test_missing_region_is_located_in_plan_as_in_validate(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(LOGS)
    for command in ("validate", "plan"):
        result = run([command, "a.toml"], tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("Error: a.toml:1: aws_logs_integration.x: region: "), (
            command,
            result.stderr,
        )


def test_validate_loads_no_client_or_diff_library(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(LOGS.replace('name = "a"', 'name = "a"\nregion = "eu-west-1"'))
    code = (
        "import sys\n"
        "from reconciler.cli import main\n"
        "sys.argv = ['reconciler', 'validate', 'a.toml']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
    )
    loaded = child.packages(child.imported_by(code, cwd=tmp_path))
    assert loaded & {"boto3", "botocore", "httpx", "deepdiff"} == set()

"""The console script ends a plan without freeing what it built (``reconciler.exit_unfreed``):
its whole output still arrives, with its exit code; in-process commands keep nothing."""

from __future__ import annotations

from pathlib import Path

from reconciler import exit_unfreed
from tests import child
from tests.e2e.conftest import describe, run

ACCOUNT = """[datadog_aws_account.prod]
aws_account_id = "123456789012"
auth_config = { role_name = "DatadogIntegrationRole" }
"""
# An atexit handler runs when the process ends the usual way (sys.exit), not after os._exit.
MAIN = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('atexit ran\\n'))\n"
    "from reconciler.cli import main\n"
    "sys.argv = ['reconciler', *sys.argv[1:]]\n"
    "main()\n"
)


def test_plan_ends_at_once_with_its_output_and_code(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(ACCOUNT)
    done = child.run(
        MAIN, "plan", "--sandbox", "--no-color", "--detailed-exitcode", "a.toml", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Plan: 0 to import, 1 to add, 0 to change, 0 to destroy." in done.stdout
    assert "atexit ran" not in done.stderr


def test_validate_and_errors_end_the_usual_way(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(ACCOUNT)
    valid = child.run(MAIN, "validate", "a.toml", cwd=tmp_path)
    assert valid.returncode == 0, valid.stderr[-2000:]
    assert "atexit ran" in valid.stderr
    (tmp_path / "b.toml").write_text(ACCOUNT + "nonsense = \n")
    failed = child.run(MAIN, "plan", "--sandbox", "b.toml", cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: b.toml:"), failed.stderr
    assert "atexit ran" in failed.stderr


def test_in_process_plan_keeps_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(ACCOUNT)
    planned = run(["plan", "--sandbox", "a.toml"], tmp_path)
    assert planned.returncode == 0, describe(planned)
    assert exit_unfreed.kept() == 0

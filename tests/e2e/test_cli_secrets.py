"""Secrets: rotation plans an update shown as (sensitive); the value never reaches any
output, the state, its backup or a saved plan, on success or on failure."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.sandbox import Sandbox
from tests.cli_runner import Result
from tests.e2e.conftest import (
    SandboxFactory,
    Workspace,
    dd_account,
    describe,
)

ACCOUNT = "777788889999"
OLD = "old-secret-Zq8Kx1vLw3"
NEW = "new-secret-Rt5Yp0mNc7"
TOML = f"""
[datadog_aws_account.keyed]
aws_account_id = "{ACCOUNT}"

[datadog_aws_account.keyed.auth_config]
access_key_id = "AKIAE2EROTATION01"
secret_access_key = "${{env:ROTATE_SECRET}}"
"""


def assert_secret_free(texts: dict[str, str], *secrets: str) -> None:
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret value appears in {where}"


def outputs(*results: Result) -> dict[str, str]:
    return {
        f"run {i} {stream}": getattr(r, stream)
        for i, r in enumerate(results)
        for stream in ("stdout", "stderr")
    }


def state_files(ws: Workspace) -> dict[str, str]:
    return {str(p): p.read_text() for p in sorted(ws.state_path.parent.glob("*"))}


def test_rotating_a_secret_plans_a_sensitive_update(ws: Workspace, cloud: Sandbox) -> None:
    ws.write(TOML)
    first = ws.apply(env={"ROTATE_SECRET": OLD})
    assert first.returncode == 0, describe(first)
    assert "auth_config.secret_access_key: (sensitive)" in first.stdout
    recorded = ws.read_state()["resources"]["datadog_aws_account.keyed"]["last_applied"]
    digest = recorded["auth_config"]["secret_access_key"]
    assert digest.startswith("hmac-sha256:")

    rotated = {"ROTATE_SECRET": NEW}
    planned = ws.plan("--detailed-exitcode", "--out", "plan.json", env=rotated)
    assert planned.returncode == 2, describe(planned)
    assert "datadog_aws_account.keyed will be updated in-place" in planned.stdout
    assert "~ auth_config.secret_access_key: (sensitive) -> (sensitive)" in planned.stdout
    as_json = ws.plan("--format", "json", env=rotated)
    assert as_json.returncode == 0, describe(as_json)
    changes = json.loads(as_json.stdout)["resource_changes"]
    (change,) = [c for c in changes if c["address"] == "datadog_aws_account.keyed"]
    assert change["change"]["actions"] == ["update"]
    as_markdown = ws.plan("--format", "markdown", env=rotated)
    assert as_markdown.returncode == 0, describe(as_markdown)
    assert "secret_access_key" in as_markdown.stdout
    shown = ws.cli("show", "plan.json", "--format", "json", env=rotated)
    assert shown.returncode == 0, describe(shown)

    applied = ws.cli("apply", "plan.json", env=rotated)
    assert applied.returncode == 0, describe(applied)
    assert "1 succeeded, 0 failed" in applied.stdout
    rotated_digest = ws.read_state()["resources"]["datadog_aws_account.keyed"]["last_applied"][
        "auth_config"
    ]["secret_access_key"]
    assert rotated_digest.startswith("hmac-sha256:") and rotated_digest != digest

    after = ws.plan("--detailed-exitcode", env=rotated)
    assert after.returncode == 0, describe(after)
    assert "No changes" in after.stdout

    texts = outputs(first, planned, as_json, as_markdown, shown, applied, after)
    texts |= state_files(ws)
    texts["plan.json"] = (ws.root / "plan.json").read_text()
    assert_secret_free(texts, OLD, NEW)
    # The sandbox stores what it is sent, minus the secret, which the real API drops too.
    assert dd_account(cloud.url, ACCOUNT)["attributes"]["auth_config"] == {
        "access_key_id": "AKIAE2EROTATION01"
    }


def test_no_secret_in_anything_an_apply_prints(ws: Workspace) -> None:
    # RECONCILER_DEBUG is never passed on (base_env drops it); everything printed is searched.
    ws.write(TOML)
    result = ws.apply(env={"ROTATE_SECRET": OLD})
    assert result.returncode == 0, describe(result)
    assert "datadog_aws_account.keyed: succeeded" in result.stdout
    assert_secret_free(outputs(result) | state_files(ws), OLD)


def test_no_secret_when_the_api_refuses_or_fails(
    tmp_path: Path, ws: Workspace, cloud: Sandbox, make_cloud: SandboxFactory
) -> None:
    # Failing requests take other paths (error messages built from the answer, retries):
    # none may echo the secret. The sandbox refuses writes of this account: the create fails.
    ws.write(TOML)
    cloud.refuse_writes([ACCOUNT])
    refused = ws.apply(env={"ROTATE_SECRET": OLD})
    assert refused.returncode == 1, describe(refused)
    assert "datadog_aws_account.keyed: failed" in refused.stdout
    assert "cannot assume role" in refused.stdout + refused.stderr

    broken = make_cloud(error_rate=1.0, data_dir=tmp_path / "broken")
    down = Workspace.on(tmp_path, broken.url, datadog={"max_retries": 1, "timeout_seconds": 5})
    down.write(TOML)
    failed = down.apply(env={"ROTATE_SECRET": OLD})
    assert failed.returncode == 1, describe(failed)
    assert "Error:" in failed.stderr
    assert_secret_free(outputs(refused, failed) | state_files(ws), OLD)


LITERAL = "Literal-Secret-Value-9w"


WRONG_SECRETS = {
    "literal": f'{{ access_key_id = "A", secret_access_key = "{LITERAL}" }}',
    "wrong_type": f'{{ access_key_id = "A", secret_access_key = ["{LITERAL}"] }}',
    "bad_reference": f'{{ access_key_id = "A", secret_access_key = "${{env:{LITERAL} }}" }}',
    "mixed": f'{{ role_name = "R", access_key_id = "A", secret_access_key = "{LITERAL}" }}',
}


def test_a_secret_written_wrongly_is_never_echoed(ws: Workspace) -> None:
    ws.write(
        "".join(
            f'[datadog_aws_account.{name}]\naws_account_id = "{ACCOUNT}"\nauth_config = {auth}\n'
            for name, auth in WRONG_SECRETS.items()
        )
    )
    result = ws.cli("validate", "infra")
    assert result.returncode == 1, describe(result)
    # One line per resource, in file order, each naming its line, address and field.
    lines = result.stderr.splitlines()
    for i, (name, line) in enumerate(zip(WRONG_SECRETS, lines, strict=True)):
        where = f"Error: infra/main.toml:{3 * i + 3}: datadog_aws_account.{name}: auth_config"
        assert line.startswith(where), line
    assert LITERAL not in result.stdout + result.stderr


def test_state_show_gives_digests_only(ws: Workspace) -> None:
    ws.write(TOML)
    applied = ws.apply(env={"ROTATE_SECRET": OLD})
    assert applied.returncode == 0, describe(applied)
    shown = ws.cli(
        "state", "show", "datadog_aws_account.keyed", "infra", env={"ROTATE_SECRET": OLD}
    )
    assert shown.returncode == 0, describe(shown)
    assert "hmac-sha256:" in shown.stdout
    assert OLD not in shown.stdout + shown.stderr

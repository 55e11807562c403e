"""A flaky cloud: 5xx and dropped connections on a share of requests. Reads, Datadog writes
and deletes are retried; PutIntegration is not (it is not idempotent), so a Logs create may
fail and is done by the next apply. Re-running apply converges, with no duplicates, and the
plan after it is empty. Throttling is left out: a throttled
Datadog request waits for the rate-limit period to reset (up to 10 s), too slow here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxFactory, Workspace, describe
from tests.toml_blocks import account, logs

TOML = (
    account("a", "100000000001", account_tags='["env:prod", "team:a", "x:y"]')
    + account("b", "100000000002")
    + account("c", "100000000003", aws_regions='{ include_only = ["us-east-1", "eu-west-1"] }')
    + logs("vended", "vended-logs", region="eu-west-1")
)


# Seed 1 drops or fails the PutIntegration once, so the re-run path is taken too.
@pytest.mark.parametrize("seed", [1])
def test_apply_converges_through_faults(
    tmp_path: Path, make_cloud: SandboxFactory, seed: int
) -> None:
    flaky = make_cloud(error_rate=0.2, drop_rate=0.1, seed=seed)
    ws = Workspace.on(
        tmp_path,
        flaky.url,
        datadog={"max_retries": 8, "timeout_seconds": 3},
        aws={"max_attempts": 8},
    )
    ws.write(TOML)
    for _ in range(3):
        applied = ws.apply()
        if applied.returncode == 0:
            break
        failed = [line for line in applied.stdout.splitlines() if "│ failed" in line]
        assert failed, describe(applied)
        for line in failed:
            assert "aws_logs_integration.vended" in line and "PutIntegration" in line, line
    assert applied.returncode == 0, describe(applied)
    assert "0 failed, 0 skipped." in applied.stdout
    # Read through the inspection API: the official client would meet the same faults.
    accounts = sorted(a["attributes"]["aws_account_id"] for a in flaky.datadog_accounts())
    assert accounts == ["100000000001", "100000000002", "100000000003"]
    assert [i["integrationName"] for i in flaky.logs_integrations()] == ["vended-logs"]

    after = ws.plan("--detailed-exitcode")
    assert after.returncode == 0, describe(after)

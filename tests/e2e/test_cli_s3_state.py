"""The S3 state backend through the CLI, against a real S3 implementation (moto's server over
HTTP): the state lives in the bucket, survives a fresh working directory (as on a CI runner),
holds no secret, and a held lock blocks a second run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from reconciler.sandbox import Sandbox
from tests.clouds import moto_s3
from tests.e2e.conftest import Workspace, cloud_env
from tests.toml_blocks import account

SECRET = "s3-backend-secret-value-7Qx"
RESOURCES = account("prod", "123456789012") + account(
    "legacy",
    "210987654321",
    auth_config='{ access_key_id = "AKIAEXAMPLE", secret_access_key = "${env:S3_TEST_SECRET}" }',
)


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_s3() as url:
        yield url


def _s3(url: str) -> object:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def _workspace(root: Path, cloud: Sandbox, s3_url: str, bucket: str) -> Workspace:
    root.mkdir()
    ws = Workspace.on(
        root,
        cloud.url,
        env={**cloud_env(), "S3_TEST_SECRET": SECRET},
        state={
            "backend": "s3",
            "bucket": bucket,
            "key": "infra/reconciler.tfstate.json",
            "region": "us-east-1",
            "endpoint_url": s3_url,
        },
    )
    ws.write(RESOURCES)
    return ws


def test_state_in_s3_survives_a_fresh_checkout(tmp_path: Path, cloud: Sandbox, s3_url: str) -> None:
    bucket = "reconciler-state-e2e"
    client = _s3(s3_url)
    client.create_bucket(Bucket=bucket)  # type: ignore[attr-defined]

    first = _workspace(tmp_path / "run1", cloud, s3_url, bucket)
    applied = first.apply()
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert not first.state_path.exists()  # nothing local: the state is in the bucket

    body = client.get_object(Bucket=bucket, Key="infra/reconciler.tfstate.json")  # type: ignore[attr-defined]
    state = json.loads(body["Body"].read())
    assert sorted(state["resources"]) == ["datadog_aws_account.legacy", "datadog_aws_account.prod"]
    assert state["serial"] == 2
    assert SECRET not in json.dumps(state)

    # A second runner with an empty working directory sees the same state: nothing to do.
    second = _workspace(tmp_path / "run2", cloud, s3_url, bucket)
    plan = second.plan("--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    listed = second.cli("state", "list", "infra")
    assert listed.stdout.split() == ["datadog_aws_account.legacy", "datadog_aws_account.prod"]


def test_a_held_s3_lock_blocks_apply_and_force_unlock_frees_it(
    tmp_path: Path, cloud: Sandbox, s3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "sandbox")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
    bucket = "reconciler-state-lock-e2e"
    _s3(s3_url).create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    ws = _workspace(tmp_path / "run", cloud, s3_url, bucket)

    from reconciler.settings import StateSettings
    from reconciler.state import backend_for

    backend = backend_for(
        StateSettings(
            backend="s3",
            bucket=bucket,
            key="infra/reconciler.tfstate.json",
            region="us-east-1",
            endpoint_url=s3_url,
            lock_timeout_seconds=0.5,
        ),
        Path("unused"),
    )
    # Held by this live process (not taken over: its holder is alive), then force-unlocked.
    with backend.lock("apply") as info:
        blocked = ws.apply()
        assert blocked.returncode == 1
        assert info.id in blocked.stderr and "held by" in blocked.stderr
        freed = ws.cli("force-unlock", info.id, "infra")
        assert freed.returncode == 0, freed.stderr
        assert ws.apply().returncode == 0
    # Released while the S3 server still runs (a lock left open is released by the garbage
    # collector later, against a server that is gone).

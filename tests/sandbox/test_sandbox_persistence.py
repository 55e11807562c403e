"""The sandbox's cloud outlives the server: a second sandbox on the same data dir sees it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.sandbox.store import Store
from tests.clouds import put_integration
from tests.loopback import HTTP
from tests.sandbox.conftest import logs_client

KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
ACCOUNT = {
    "data": {
        "type": "account",
        "attributes": {
            "aws_account_id": "123456789012",
            "aws_partition": "aws",
            "auth_config": {"role_name": "R"},
        },
    }
}


def test_second_sandbox_sees_first_ones_objects(tmp_path: Path) -> None:
    options = SandboxOptions(data_dir=tmp_path / "cloud")
    with Sandbox(options) as first:
        created = HTTP.post(
            f"{first.url}/api/v2/integration/aws/accounts", headers=KEYS, json=ACCOUNT
        ).json()["data"]
        put_integration(
            logs_client(first.url),
            "kept",
            dataSourceRoleArn="arn:aws:iam::123456789012:role/r",
            dashboardViewerPrincipals=[],
            retentionDays=7,
        )
        first.set_logs_fault("kept", region="us-east-1", dashboards=True)

    with Sandbox(options) as second:
        got = HTTP.get(
            f"{second.url}/api/v2/integration/aws/accounts/{created['id']}", headers=KEYS
        )
        assert got.status_code == 200
        assert (
            got.json()["data"]["attributes"]["auth_config"] == created["attributes"]["auth_config"]
        )
        logs = logs_client(second.url)
        assert logs.get_integration(integrationName="kept")["integrationStatus"] == "ACTIVE"
        with pytest.raises(logs.exceptions.ValidationException):
            logs.delete_integration(integrationName="kept")  # dashboards flag persisted too


def test_writes_are_whole_files_with_no_leftovers(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.update() as doc:
        doc["datadog"]["accounts"]["x"] = {"id": "x"}
    assert json.loads(store.path.read_text())["datadog"]["accounts"] == {"x": {"id": "x"}}
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]


def test_failed_change_leaves_the_cloud_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(RuntimeError), store.update() as doc:
        doc["datadog"]["accounts"]["x"] = {"id": "x"}
        raise RuntimeError("handler failed")
    with store.view() as doc:
        assert doc["datadog"]["accounts"] == {}
    assert not store.path.exists()


def test_corrupt_data_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sandbox.json").write_text("{not json")
    with pytest.raises(StateError) as exc:
        Store(tmp_path)
    assert "sandbox.json:1" in str(exc.value)
    assert "not valid JSON" in str(exc.value)
    (tmp_path / "sandbox.json").write_text('{"version": 99}')
    with pytest.raises(StateError, match="format version 1"):
        Store(tmp_path)

"""End-to-end fixtures: the CLI in-process (``tests.cli_runner``), against a sandbox cloud.

Two ways in: ``--sandbox`` (the CLI starts its own sandbox under ``state/sandbox/``), or a
``Sandbox`` started here in the test process, which the CLI reaches through ``[datadog]
api_url`` and ``[aws] endpoint_url``; the test then also sees and changes the same cloud
through the official clients and the sandbox's inspection API.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox import Sandbox
from tests.cli_runner import Env, Result, invoke
from tests.clouds import (
    SandboxFactory,
    create_request,
    datadog_api,
    logs_client,
    sandboxes,
    update_request,
)

DUMMY_DD_KEY = "e2e-dummy-datadog-key"
REGION = "us-east-1"


def run(
    args: list[str],
    cwd: Path,
    env: Env | None = None,
    input: str | None = None,
    *,
    allow_traceback: bool = False,
) -> Result:
    """Run ``reconciler ARGS`` in-process as users do; ``env`` overrides the scrubbed
    environment (``None`` removes a variable)."""
    return invoke(args, cwd=cwd, env=env, input=input or "", allow_traceback=allow_traceback)


def describe(result: Result) -> str:
    return result.show()


def error_lines(result: Result) -> list[str]:
    return result.error_lines()


def assert_one_error(result: Result, *parts: str) -> str:
    """Exit 1 and exactly one ``Error:`` line on stderr that holds every one of ``parts``."""
    assert result.code == 1, result.show()
    lines = result.error_lines()
    assert len(lines) == 1, result.show()
    for part in parts:
        assert part in lines[0], f"{part!r} not in {lines[0]!r}"
    return lines[0]


def summary_line(text: str) -> str:
    found: list[str] = re.findall(r"^Plan: .*$", text, flags=re.MULTILINE)
    assert len(found) == 1, text
    return found[0]


def free_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def toml_str(value: str) -> str:
    return json.dumps(value)


@dataclass
class Workspace:
    """A working directory with a configuration directory ``infra/`` pointed at one cloud."""

    root: Path
    datadog_url: str
    aws_url: str
    env: dict[str, str | None] = field(default_factory=dict)
    datadog: dict[str, Any] = field(default_factory=dict)  # extra [datadog] keys
    aws: dict[str, Any] = field(default_factory=dict)  # [aws] keys to add or override
    state: dict[str, Any] = field(default_factory=dict)  # extra [state] keys

    @classmethod
    def on(cls, root: Path, url: str, *, aws_url: str | None = None, **fields: Any) -> Workspace:
        """A workspace at ``root`` whose APIs answer at ``url`` (Logs at ``aws_url`` if given),
        with the sandbox's dummy credentials unless ``env`` is given."""
        fields.setdefault("env", cloud_env())
        return cls(root=root, datadog_url=url, aws_url=aws_url or url, **fields)

    @property
    def infra(self) -> Path:
        return self.root / "infra"

    @property
    def state_path(self) -> Path:
        return self.root / "state" / "reconciler.tfstate.json"

    def settings_toml(self) -> str:
        lines = ["[datadog]", f"api_url = {toml_str(self.datadog_url)}"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in self.datadog.items()]
        aws: dict[str, Any] = {
            "endpoint_url": self.aws_url,
            "region": REGION,
            "poll_interval_seconds": 0.05,
            "wait_timeout_seconds": 20,
            "max_attempts": 2,
            **self.aws,
        }
        lines += ["", "[aws]", *(f"{k} = {json.dumps(v)}" for k, v in aws.items())]
        lines += [
            "",
            "[state]",
            f"path = {toml_str(str(self.state_path))}",
            "lock_timeout_seconds = 0.5",
        ]
        lines += [f"{k} = {json.dumps(v)}" for k, v in self.state.items()]
        return "\n".join(lines) + "\n"

    def write(self, resources: str, name: str = "main.toml") -> Path:
        """Write the settings file and ``name`` (the resources) into ``infra/``."""
        self.infra.mkdir(parents=True, exist_ok=True)
        (self.infra / "00-settings.toml").write_text(self.settings_toml())
        path = self.infra / name
        path.write_text(resources)
        return path

    def cli(
        self,
        *args: str,
        env: Env | None = None,
        input: str | None = None,
    ) -> Result:
        merged = {**self.env, **(env or {})}
        return run(list(args), self.root, merged, input)

    def plan(self, *extra: str, env: Env | None = None) -> Result:
        return self.cli("plan", "infra", *extra, env=env)

    def apply(self, *extra: str, env: Env | None = None) -> Result:
        return self.cli("apply", "infra", "--auto-approve", *extra, env=env)

    def read_state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text())
        return data


def cloud_env() -> dict[str, str | None]:
    return {
        "DD_API_KEY": DUMMY_DD_KEY,
        "DD_APP_KEY": DUMMY_DD_KEY,
        "AWS_ACCESS_KEY_ID": "sandbox",  # the sandbox maps it to account 123456789012
        "AWS_SECRET_ACCESS_KEY": "sandbox",
    }


@pytest.fixture
def make_cloud(tmp_path: Path) -> Iterator[SandboxFactory]:
    """Start sandboxes on tmp_path/cloud (or the given data_dir) with fast defaults.

    End-to-end runs prove a plan stays empty whatever order Datadog hands lists back in: the
    reordering fault is on here (it is off by default)."""
    with sandboxes(
        tmp_path / "cloud", port=0, provisioning_seconds=0.2, shuffle_lists=True
    ) as make:
        yield make


@pytest.fixture
def cloud(make_cloud: SandboxFactory) -> Sandbox:
    """A sandbox with list shuffling on."""
    return make_cloud()


@pytest.fixture
def ws(tmp_path: Path, cloud: Sandbox) -> Workspace:
    root = tmp_path / "work"
    root.mkdir()
    return Workspace(root=root, datadog_url=cloud.url, aws_url=cloud.url, env=cloud_env())


# -- the official Datadog client, against the same cloud ---------------------------------


def dd_accounts(url: str) -> list[dict[str, Any]]:
    """Every account config as the official client reads it: ``{"id", "attributes"}``."""
    with datadog_api(url, DUMMY_DD_KEY) as api:
        listed = api.list_aws_accounts()
    return [{"id": str(item.id), "attributes": item.attributes.to_dict()} for item in listed.data]


def dd_account(url: str, aws_account_id: str) -> dict[str, Any]:
    found = [a for a in dd_accounts(url) if a["attributes"]["aws_account_id"] == aws_account_id]
    assert len(found) == 1, found
    return found[0]


def dd_update(url: str, config_id: str, aws_account_id: str, **attrs: Any) -> dict[str, Any]:
    """An out-of-band PATCH through ``update_aws_account``, as a colleague in the UI would."""
    with datadog_api(url, DUMMY_DD_KEY) as api:
        updated = api.update_aws_account(config_id, update_request(aws_account_id, **attrs))
    result: dict[str, Any] = updated.data.attributes.to_dict()
    return result


def dd_create(url: str, aws_account_id: str, key: str = DUMMY_DD_KEY, **attrs: Any) -> str:
    """Create an account config out of band (in the organisation of ``key``); returns its
    id."""
    with datadog_api(url, key) as api:
        created = api.create_aws_account(create_request(aws_account_id, **attrs))
    return str(created.data.id)


def dd_delete(url: str, config_id: str) -> None:
    with datadog_api(url, DUMMY_DD_KEY) as api:
        api.delete_aws_account(config_id)


__all__ = ["SandboxFactory", "logs_client"]

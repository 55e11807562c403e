"""Fixtures for the GitOps end-to-end tests: the CLI in-process (``tests.cli_runner``), the
workflow's shell steps as real bash processes, a sandbox cloud the test can also change behind
the CLI's back, and small TOML building blocks.

Two ways to reach a cloud: ``--sandbox`` (the CLI's own embedded sandbox under
``state/sandbox/`` of its working directory), or ``Cloud``: a sandbox started in the test
process, named in the TOML by ``[datadog] api_url`` and ``[aws] endpoint_url``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from datadog_api_client.v2.model.aws_auth_config_keys import AWSAuthConfigKeys
from datadog_api_client.v2.model.aws_auth_config_role import AWSAuthConfigRole

from reconciler.sandbox import Sandbox, SandboxOptions
from tests.cli_runner import Result as Result  # re-exported for workflow_steps
from tests.cli_runner import base_env, invoke
from tests.clouds import create_request, datadog_api, logs_client, update_request
from tests.toml_blocks import account, logs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
VENV_BIN = Path(sys.executable).parent
REGION = "us-east-1"
CLI_TIMEOUT = 60.0

# The secret behind ${env:GITOPS_SECRET}: searched for in every file and output.
SECRET_ENV = "GITOPS_SECRET"
SECRET_VALUE = "gitops-secret-Qx7vT2pL9w"
LEGACY_SECRET = "legacy-secret-Jd5mR1aZ8u"  # for examples/datadog.toml
STATE_FILE = Path("state/reconciler.tfstate.json")

ROLE_ID = "111111111111"
KEYS_ID = "222222222222"

ROLE = account("role", ROLE_ID, account_tags='["env:test"]')

KEYS = account(
    "keys",
    KEYS_ID,
    auth_config='{ access_key_id = "AKIAGITOPS0000000001", '
    'secret_access_key = "${env:GITOPS_SECRET}" }',
)

LOGS = logs("vended", "vended")


def cli_env(home: Path) -> dict[str, str]:
    """The harness's clean environment (``base_env``) with dummy keys, the test secrets, this
    venv's ``reconciler`` first on PATH (for the workflow's bash steps) and a home of its own."""
    env = base_env()
    env.pop(SECRET_ENV, None)
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "HOME": str(home),
            # Rich wraps at 80 columns without a terminal; wide keeps messages on one line.
            "COLUMNS": "250",
            "DD_API_KEY": "gitops-dummy-api-key",
            "DD_APP_KEY": "gitops-dummy-app-key",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            SECRET_ENV: SECRET_VALUE,
            "LEGACY_AWS_SECRET": LEGACY_SECRET,
        }
    )
    return env


@dataclass
class Workdir:
    """A working directory the CLI runs in; the configuration is under ``infra/``."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)
    # Values that must never show in any output of the CLI.
    secrets: list[str] = field(default_factory=lambda: [SECRET_VALUE, LEGACY_SECRET])

    @property
    def infra(self) -> Path:
        return self.path / "infra"

    @property
    def state_file(self) -> Path:
        return self.path / STATE_FILE

    def state(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.state_file.read_text())
        return doc

    def state_bytes(self) -> bytes | None:
        return self.state_file.read_bytes() if self.state_file.exists() else None

    def run(self, *args: str, env: Mapping[str, str | None] | None = None) -> Result:
        """``env`` overrides the work directory's; a None value removes a variable."""
        result = invoke(args, cwd=self.path, env={**self.env, **(env or {})})
        self._no_secret(result, args)
        return result

    def _no_secret(self, result: Result, args: tuple[str, ...]) -> None:
        for secret in self.secrets:
            assert secret not in result.text, f"a secret value in the output of {args}"
        assert "Traceback" not in result.text, result.show()

    def ok(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        codes: tuple[int, ...] = (0,),
    ) -> Result:
        result = self.run(*args, env=env)
        assert result.code in codes, result.show()
        return result

    def bash(self, script: str, env: Mapping[str, str] | None = None) -> Result:
        """A workflow step: a real bash process (the process boundary is what it tests)."""
        merged = {**self.env, **(env or {})}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-c", script],
            cwd=self.path,
            env=merged,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT * 2,
            stdin=subprocess.DEVNULL,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        self._no_secret(result, (script,))
        return result


def settings_toml(url: str) -> str:
    return f"""# Where the sandbox cloud listens.
[datadog]
api_url = "{url}"

[aws]
endpoint_url = "{url}"
region = "{REGION}"
poll_interval_seconds = 0.1
"""


class Cloud:
    """A sandbox in the test process, and the official clients pointed at it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @property
    def url(self) -> str:
        return self.sandbox.url

    @contextmanager
    def datadog(self) -> Iterator[Any]:
        with datadog_api(self.url, "gitops-dummy-api-key") as api:
            yield api

    def logs(self, region: str = REGION) -> Any:
        return logs_client(self.url, region)

    def account(self, aws_account_id: str) -> dict[str, Any] | None:
        for record in self.sandbox.datadog_accounts():
            if record["attributes"]["aws_account_id"] == aws_account_id:
                return record
        return None

    def account_id(self, aws_account_id: str) -> str:
        record = self.account(aws_account_id)
        assert record is not None, f"no Datadog account {aws_account_id} in the sandbox"
        return str(record["id"])

    def create_account(
        self,
        aws_account_id: str,
        *,
        role_name: str | None = None,
        keys: tuple[str, str] | None = None,
    ) -> str:
        auth: Any = (
            AWSAuthConfigKeys(access_key_id=keys[0], secret_access_key=keys[1])
            if keys is not None
            else AWSAuthConfigRole(role_name=role_name or "DatadogIntegrationRole")
        )
        body = create_request(aws_account_id, auth_config=auth)
        with self.datadog() as api:
            created = api.create_aws_account(body)
        return str(created.data.id)

    def set_tags(self, aws_account_id: str, tags: list[str]) -> None:
        body = update_request(aws_account_id, account_tags=tags)
        with self.datadog() as api:
            api.update_aws_account(self.account_id(aws_account_id), body)

    def tags(self, aws_account_id: str) -> list[str]:
        record = self.account(aws_account_id)
        assert record is not None
        return sorted(record["attributes"].get("account_tags") or [])

    def snapshot(self) -> str:
        """Everything the cloud holds, to prove a refused run changed nothing."""
        return json.dumps(
            {"datadog": self.sandbox.datadog_accounts(), "logs": self.sandbox.logs_integrations()},
            sort_keys=True,
        )


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    options = SandboxOptions(data_dir=tmp_path / "cloud", port=0, provisioning_seconds=0.2)
    with Sandbox(options) as sandbox:
        yield Cloud(sandbox)


def _workdir(tmp_path: Path, url: str) -> Workdir:
    wd = Workdir(tmp_path / "work", cli_env(tmp_path))
    wd.infra.mkdir(parents=True)
    (wd.infra / "settings.toml").write_text(settings_toml(url))
    return wd


@pytest.fixture
def work(tmp_path: Path, cloud: Cloud) -> Workdir:
    """A working directory whose ``infra/settings.toml`` points at ``cloud``."""
    return _workdir(tmp_path, cloud.url)


def write_main(wd: Workdir, *tables: str) -> None:
    (wd.infra / "main.toml").write_text("".join(tables))


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ROLE and KEYS applied once: the cloud (``cloud/``) and the state (``work/state/``)
    that ``applied`` copies, so each test does not pay for its own first apply."""
    base = tmp_path_factory.mktemp("baseline")
    options = SandboxOptions(data_dir=base / "cloud", port=0, provisioning_seconds=0.2)
    with Sandbox(options) as sandbox:
        wd = _workdir(base, sandbox.url)
        write_main(wd, ROLE, KEYS)
        wd.ok("apply", "infra", "--auto-approve")
    return base


@pytest.fixture
def applied(tmp_path: Path, baseline: Path) -> Iterator[tuple[Workdir, Cloud]]:
    """A cloud and a state where ROLE and KEYS were just applied (a copy of ``baseline``)."""
    shutil.copytree(baseline / "cloud", tmp_path / "cloud")
    options = SandboxOptions(data_dir=tmp_path / "cloud", port=0, provisioning_seconds=0.2)
    with Sandbox(options) as sandbox:
        wd = _workdir(tmp_path, sandbox.url)
        shutil.copytree(baseline / "work" / "state", wd.path / "state")
        write_main(wd, ROLE, KEYS)
        yield wd, Cloud(sandbox)


@pytest.fixture
def sandbox_work(tmp_path: Path) -> Workdir:
    """A working directory with ``infra/`` holding a copy of the example TOML, for
    ``--sandbox`` runs (the embedded sandbox keeps its cloud under ``state/sandbox/``)."""
    wd = Workdir(tmp_path / "work", cli_env(tmp_path))
    wd.infra.mkdir(parents=True)
    for toml in sorted(EXAMPLES.glob("*.toml")):
        shutil.copy(toml, wd.infra / toml.name)
    return wd


@contextmanager
def embedded_cloud(wd: Workdir) -> Iterator[Cloud]:
    """Open the cloud of the CLI's embedded sandbox (between two CLI runs, never during)."""
    options = SandboxOptions(data_dir=wd.path / "state" / "sandbox", port=0)
    with Sandbox(options) as sandbox:
        yield Cloud(sandbox)


def plan_json(wd: Workdir, planfile: str = "plan.json") -> dict[str, Any]:
    result = wd.ok("show", planfile, "--format", "json")
    doc: dict[str, Any] = json.loads(result.out)
    return doc


def planned_actions(doc: dict[str, Any]) -> dict[str, str]:
    """address -> action, as the apply results table names them."""
    out: dict[str, str] = {}
    for rc in doc["resource_changes"]:
        actions = rc["change"]["actions"]
        action = "replace" if actions == ["delete", "create"] else actions[0]
        if "importing" in rc["change"]:
            action = "import" if action == "no-op" else f"import+{action}"
        if action != "no-op":
            out[rc["address"]] = action
    return out


def applied_actions(result: Result) -> dict[str, str]:
    """address -> action from the "Apply results" table (rows between box-drawing bars)."""
    out: dict[str, str] = {}
    for line in result.out.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if len(cells) >= 3 and cells[0] != "address" and cells[2] == "succeeded":
            out[cells[0]] = cells[1]
    return out


def refused_apply(
    wd: Workdir, cloud: Cloud, *args: str, env: dict[str, str] | None = None
) -> Result:
    """Run an apply that must be refused: exit 1, and neither the cloud nor the state moved."""
    cloud_before, state_before = cloud.snapshot(), wd.state_bytes()
    result = wd.run("apply", *args, env=env)
    assert result.code == 1, result.show()
    assert cloud.snapshot() == cloud_before, "a refused apply changed the cloud"
    assert wd.state_bytes() == state_before, "a refused apply changed the state"
    return result

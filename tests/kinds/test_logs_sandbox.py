"""aws_logs_integration end to end: plan and apply through the engine against the sandbox's
CloudWatch Logs endpoint, with the real boto3 client. Every apply must settle: the next plan
has nothing to do."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.applier import Callbacks, Outcome
from reconciler.applier import apply_plan as apply
from reconciler.config import load_config
from reconciler.engine import close_kinds, make_plan, open_kinds
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.base import ResourceKind
from reconciler.model import Plan
from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.state.local import LocalBackend

ROLE = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
VIEWER = "arn:aws:iam::123456789012:role/Analysts"
ADDRESS = "aws_logs_integration.vended"
REGISTRY: dict[str, type[ResourceKind]] = {AwsLogsIntegration.name: AwsLogsIntegration}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    for var in list(os.environ):
        if var.startswith("AWS_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "sandbox")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sandbox-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sb = Sandbox(SandboxOptions(data_dir=tmp_path / "data", provisioning_seconds=0.2)).start()
    yield sb
    sb.stop()


class World:
    def __init__(self, tmp: Path, sandbox: Sandbox) -> None:
        self.tmp = tmp
        self.sandbox = sandbox
        self.backend = LocalBackend(tmp / "state.json", lock_timeout=0.5)
        self.progress: list[str] = []

    def toml(self, body: str) -> str:
        return (
            f'[aws]\nregion = "eu-west-1"\nendpoint_url = "{self.sandbox.url}"\n'
            "max_attempts = 1\npoll_interval_seconds = 0.01\nwait_timeout_seconds = 5\n\n" + body
        )

    def run(self, body: str, *, do_apply: bool) -> tuple[Plan, list[str]]:
        path = self.tmp / "main.toml"
        path.write_text(self.toml(body))
        config = load_config(path, REGISTRY, env={})
        kinds = open_kinds(config.settings, REGISTRY)

        async def go() -> tuple[Plan, list[str]]:
            try:
                planned = await make_plan(config, self.backend, kinds)
                errors: list[str] = []
                if do_apply:
                    callbacks = Callbacks(progress=lambda _a, m: self.progress.append(m))
                    report = await apply(
                        planned.plan, config, planned.state, self.backend, kinds, callbacks
                    )
                    errors = [r.message for r in report.results if r.outcome is Outcome.FAILED]
                return planned.plan, errors
            finally:
                await close_kinds(kinds)

        return asyncio.run(go())

    def plan(self, body: str) -> Plan:
        return self.run(body, do_apply=False)[0]

    def apply(self, body: str) -> Plan:
        plan, errors = self.run(body, do_apply=True)
        assert errors == []
        return plan


def declared(retention: int = 30, force: bool = False) -> str:
    return (
        f'[aws_logs_integration.vended]\nintegration_name = "vended-logs"\n'
        f"force_delete = {'true' if force else 'false'}\n"
        "[aws_logs_integration.vended.opensearch]\n"
        f'data_source_role_arn = "{ROLE}"\n'
        f'dashboard_viewer_principals = ["{VIEWER}"]\n'
        f"retention_days = {retention}\n"
    )


def labels(plan: Plan) -> dict[str, str]:
    return {c.address: ("import+" if c.importing else "") + c.action.value for c in plan.changes}


def test_create_settle_replace_delete(tmp_path: Path, sandbox: Sandbox) -> None:
    w = World(tmp_path, sandbox)
    assert labels(w.plan(declared())) == {ADDRESS: "create"}
    w.apply(declared())
    assert any("still PROVISIONING" in m for m in w.progress)
    assert [r["integrationName"] for r in sandbox.logs_integrations()] == ["vended-logs"]
    assert not w.plan(declared()).has_changes()

    # A write-only change is seen against the state and replaces the integration.
    plan = w.plan(declared(retention=7))
    assert labels(plan) == {ADDRESS: "replace"}
    assert [c.path for c in plan.changes[0].changes] == ["opensearch.retention_days"]
    w.apply(declared(retention=7))
    assert not w.plan(declared(retention=7)).has_changes()
    assert len(sandbox.logs_integrations()) == 1

    w.apply("")
    assert sandbox.logs_integrations() == []
    assert not w.plan("").has_changes()


def test_unhealthy_integration_is_replaced(tmp_path: Path, sandbox: Sandbox) -> None:
    w = World(tmp_path, sandbox)
    w.apply(declared())
    sandbox.set_logs_fault("vended-logs", region="eu-west-1", not_found=["collection"])
    plan = w.plan(declared())
    assert labels(plan) == {ADDRESS: "replace"}
    assert "collection NOT_FOUND" in (plan.changes[0].reason or "")
    w.apply(declared())
    assert not w.plan(declared()).has_changes()


def test_dashboards_need_force_delete(tmp_path: Path, sandbox: Sandbox) -> None:
    w = World(tmp_path, sandbox)
    w.apply(declared())
    sandbox.set_logs_fault("vended-logs", region="eu-west-1", dashboards=True)
    _, errors = w.run("", do_apply=True)
    assert len(errors) == 1 and "set force_delete = true" in errors[0]
    assert len(sandbox.logs_integrations()) == 1


def test_force_delete_recorded_at_create_applies_after_the_table_is_gone(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    w = World(tmp_path, sandbox)
    w.apply(declared(force=True))
    sandbox.set_logs_fault("vended-logs", region="eu-west-1", dashboards=True)
    w.apply("")
    assert sandbox.logs_integrations() == []


def test_replace_uses_force_delete_from_the_configuration(tmp_path: Path, sandbox: Sandbox) -> None:
    w = World(tmp_path, sandbox)
    w.apply(declared())
    sandbox.set_logs_fault("vended-logs", region="eu-west-1", dashboards=True)
    w.apply(declared(retention=7, force=True))
    assert not w.plan(declared(retention=7, force=True)).has_changes()


def test_existing_integration_is_imported(tmp_path: Path, sandbox: Sandbox) -> None:
    w = World(tmp_path, sandbox)
    w.apply(declared())
    (tmp_path / "state.json").unlink()
    plan = w.plan(declared())
    assert labels(plan) == {ADDRESS: "import+no-op"}
    w.apply(declared())
    assert not w.plan(declared()).has_changes()

"""Shared set-up for the benchmarks: a sandbox in this process, the reconciler CLI as a child
process (what a user runs and waits for), and seeded clouds that are reused between runs.

The CLI child's CPU (user+sys) and peak RSS come from ``os.wait4``: they include the
interpreter's start-up, imports, config load, state read, refresh, planning and rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.state import LockHandle
from reconciler.state.base import LockInfo, Operation, State, StateBackend

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"]
ENV = {
    "DD_API_KEY": "bench",
    "DD_APP_KEY": "bench",
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def settings_toml(url: str, state: Path) -> str:
    return (
        f'[datadog]\napi_url = "{url}"\n\n'
        f'[aws]\nendpoint_url = "{url}"\nregion = "us-east-1"\npoll_interval_seconds = 0.05\n\n'
        f'[state]\npath = "{state}"\n'
    )


def many_accounts(n: int, logs: bool = True) -> str:
    out = []
    for i in range(n):
        out.append(
            f'[datadog_aws_account.a{i}]\naws_account_id = "{100000000000 + i}"\n'
            f'account_tags = ["env:bench", "n:{i}"]\n'
            'auth_config = { role_name = "DatadogIntegrationRole" }\n'
            f'aws_regions = {{ include_only = ["{REGIONS[i % 5]}", "{REGIONS[(i + 1) % 5]}"] }}\n'
        )
    for r in REGIONS if logs else []:
        name = r.replace("-", "_")
        out.append(
            f'[aws_logs_integration.{name}]\nintegration_name = "bench-{r}"\n'
            f'region = "{r}"\n[aws_logs_integration.{name}.opensearch]\n'
            'data_source_role_arn = "arn:aws:iam::123456789012:role/Logs"\n'
            'dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/Viewer"]\n'
            "retention_days = 7\n"
        )
    return "\n".join(out)


def int_options(description: str | None, **defaults: int) -> argparse.Namespace:
    """Parses the command line's ``--NAME N`` options, one per keyword (``_`` in a keyword is
    ``-`` on the command line), each a whole number defaulting to the keyword's value."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in defaults.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    return parser.parse_args()


def listen_to_sandbox(handler: logging.Handler) -> logging.Logger:
    """Hands the sandbox's one-line-per-request log records to ``handler`` (and nowhere else);
    returns the logger, for ``removeHandler``."""
    log = logging.getLogger("reconciler.sandbox")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def write_config(config_dir: Path, url: str, state: Path, body: str) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.toml").write_text(settings_toml(url, state))
    (config_dir / "many.toml").write_text(body)


class BufferedBackend:
    """Seeding only: keeps the state in memory and writes it once, at ``flush`` (no journal
    record per operation: a seed of 20,000 objects needs no crash safety)."""

    def __init__(self, inner: StateBackend) -> None:
        self.inner = inner
        self.state: State | None = None

    def describe(self) -> str:
        return self.inner.describe()

    def read(self) -> State | None:
        return self.inner.read()

    def write(self, state: State) -> None:
        self.state = state

    def append(self, state: State, op: Operation) -> None:
        self.state = state

    def fold(self) -> int:
        return 0

    def lock(
        self, operation: str, notify: Callable[[str], None] | None = None
    ) -> AbstractContextManager[LockHandle]:
        return self.inner.lock(operation, notify)

    def current_lock(self) -> LockInfo | None:
        return self.inner.current_lock()

    def force_unlock(self, lock_id: str) -> None:
        self.inner.force_unlock(lock_id)

    def flush(self) -> None:
        if self.state is not None:
            self.inner.write(self.state)


def apply_buffered(config_dir: Path) -> None:
    """Apply ``config_dir`` in this process, writing the state once at the end."""
    from reconciler.applier import apply_plan
    from reconciler.config import load_config
    from reconciler.engine import close_kinds, make_plan, open_kinds
    from reconciler.registry import KINDS
    from reconciler.state.local import LocalBackend

    config = load_config(config_dir, KINDS)
    backend = BufferedBackend(LocalBackend(Path(config.settings.state.path or "")))

    async def run() -> None:
        kinds = open_kinds(config.settings)
        try:
            planned = await make_plan(config, backend, kinds)
            report = await apply_plan(
                planned.plan, config, planned.state, backend, kinds, concurrency=16
            )
            assert not report.failed, [r for r in report.results if r.outcome.name != "OK"][:3]
        finally:
            await close_kinds(kinds)

    asyncio.run(run())
    backend.flush()


def seed(config_dir: Path, store: Any) -> None:
    """Create ``config_dir``'s cloud and state quickly: the Datadog accounts go straight into
    the sandbox's store (as its POST handler would make them, in one update), the plan then
    imports them, and the state is written once. The Logs integrations are created through
    the API. For benchmarks only: it uses private helpers of the kind, sandbox and applier."""
    import time as clock
    import uuid

    from reconciler.applier import _entry, apply_plan
    from reconciler.config import load_config
    from reconciler.engine import close_kinds, make_plan, open_kinds
    from reconciler.kinds.base import Observed
    from reconciler.kinds.datadog_requests import request_attributes
    from reconciler.registry import KINDS
    from reconciler.sandbox import datadog_model as model
    from reconciler.sandbox import datadog_validation as checks
    from reconciler.state.local import LocalBackend

    config = load_config(config_dir, KINDS)
    kinds = open_kinds(config.settings)
    dd = kinds["datadog_aws_account"]
    with store.update() as doc:
        accounts = doc["datadog"]["accounts"]
        for res in config.resources.values():
            if res.kind != "datadog_aws_account":
                continue
            attrs, _ = request_attributes(dd.desired_values(res.spec))
            full = model.merge(model.defaults(), checks.clean_attributes(attrs, creating=True))
            if "role_name" in full["auth_config"]:
                full["auth_config"]["external_id"] = model.new_external_id()
            now = clock.time_ns()
            rid = str(uuid.uuid4())
            accounts[rid] = {"id": rid, "attributes": full, "created_ns": now, "modified_ns": now}
    backend = BufferedBackend(LocalBackend(Path(config.settings.state.path or "")))

    async def run() -> None:
        try:
            planned = await make_plan(config, backend, kinds)
            creates = [c for c in planned.plan.changes if not c.importing]
            state = planned.state
            for c in planned.plan.changes:
                if c.importing:
                    assert not c.changes, c.changes
                    obj = Observed(
                        natural_key=c.natural_key,
                        remote_id=c.remote_id or "",
                        values=c.before or {},
                    )
                    state.resources[c.address] = _entry(c, obj, kinds[c.kind].rules)
            plan = planned.plan.model_copy(update={"changes": creates})
            report = await apply_plan(plan, config, state, backend, kinds)
            assert not report.failed, [r for r in report.results if r.outcome.name != "OK"][:3]
        finally:
            await close_kinds(kinds)

    asyncio.run(run())
    backend.flush()


@dataclass
class Run:
    wall: float
    cpu: float  # user + sys of the child
    rss_mib: float  # the child's peak resident set
    code: int
    stdout: str


def run_cli(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``reconciler ARGS`` in a child process; its own CPU and peak RSS."""
    exe = shutil.which("reconciler", path=str(Path(sys.executable).parent))
    return run_child([exe] if exe else [sys.executable, "-m", "reconciler"], args, cwd, env)


def run_python(args: list[str], cwd: Path | None = None) -> Run:
    """Run a Python script of this interpreter in a child process."""
    return run_child([sys.executable], args, cwd, None)


def run_child(cmd: list[str], args: list[str], cwd: Path | None, env: dict[str, str] | None) -> Run:
    full_env = {**os.environ, **ENV, **(env or {})}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(
            [*cmd, *args], cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=errfile
        )
        # Read, then reap with wait4 ourselves (for the child's rusage), not communicate().
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        errfile.seek(0)
        err = errfile.read()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mib=usage.ru_maxrss / 1024,
        code=proc.returncode,
        stdout=out.decode(errors="replace"),
    )


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

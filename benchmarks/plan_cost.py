"""What a plan costs: requests, seconds and peak memory, against the embedded sandbox.

Runs in-process (the engine's public functions, no subprocess), so the numbers are the
engine's own. Usage: ``python benchmarks/plan_cost.py [--accounts N] [--latency-ms MS]``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from harness import ROOT, int_options, listen_to_sandbox, many_accounts, settings_toml

from reconciler.applier import apply_plan as apply
from reconciler.config import load_config
from reconciler.engine import close_kinds, make_plan, open_kinds
from reconciler.registry import KINDS
from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.state.local import LocalBackend


class RequestCounter(logging.Handler):
    """Counts the sandbox's one-line-per-request log records, by API."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        match = re.search(r'"(GET|POST|PATCH|DELETE|PUT) (\S+)', line)
        if match:
            api = "datadog" if match.group(2).startswith("/api/") else "aws"
            self.counts[api] += 1


def measure(config_dir: Path, counter: RequestCounter, runs: int) -> dict[str, float]:
    config = load_config(config_dir, KINDS)
    backend = LocalBackend(Path(config.settings.state.path or ""))

    async def apply_all() -> None:
        kinds = open_kinds(config.settings)
        try:
            planned = await make_plan(config, backend, kinds)
            report = await apply(planned.plan, config, planned.state, backend, kinds)
            assert not report.failed, [r for r in report.results if r.outcome.value != "succeeded"]
        finally:
            await close_kinds(kinds)

    asyncio.run(apply_all())

    async def plan_once() -> int:
        kinds = open_kinds(config.settings)
        try:
            planned = await make_plan(config, backend, kinds)
            return len(planned.plan.actionable)
        finally:
            await close_kinds(kinds)

    seconds = []
    for _ in range(runs):
        counter.counts.clear()
        start = time.perf_counter()
        pending = asyncio.run(plan_once())
        seconds.append(time.perf_counter() - start)
        assert pending == 0, f"plan after apply is not empty: {pending} changes"
    requests = dict(counter.counts)
    tracemalloc.start()
    asyncio.run(plan_once())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "resources": len(config.resources),
        "datadog_requests": requests.get("datadog", 0),
        "aws_requests": requests.get("aws", 0),
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    args = int_options(__doc__, accounts=500, latency_ms=50, runs=5)
    os.environ.update(
        DD_API_KEY="bench",
        DD_APP_KEY="bench",
        AWS_ACCESS_KEY_ID="sandbox",
        AWS_SECRET_ACCESS_KEY="sandbox",
        LEGACY_AWS_SECRET="bench-secret",
    )
    counter = RequestCounter()
    listen_to_sandbox(counter)

    rows = []
    scenarios = [
        ("examples", 0, None),
        ("examples", args.latency_ms, None),
        (f"{args.accounts} accounts + 5 regions", 0, args.accounts),
        (f"{args.accounts} accounts + 5 regions", args.latency_ms, args.accounts),
    ]
    for name, latency, accounts in scenarios:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            options = SandboxOptions(
                data_dir=tmp / "cloud", port=0, latency_ms=latency, provisioning_seconds=0.1
            )
            with Sandbox(options) as sandbox:
                config_dir = tmp / "config"
                config_dir.mkdir()
                (config_dir / "settings.toml").write_text(
                    settings_toml(sandbox.url, tmp / "state.json")
                )
                if accounts is None:
                    for f in (ROOT / "examples").glob("*.toml"):
                        text = f.read_text()
                        text = re.sub(r"(?m)^\[(datadog|aws)\]\n(\w+ = .*\n)*", "", text)
                        (config_dir / f.name).write_text(text)
                else:
                    (config_dir / "many.toml").write_text(many_accounts(accounts))
                result = measure(config_dir, counter, args.runs)
                rows.append((name, latency, result))
            shutil.rmtree(tmp, ignore_errors=True)

    print(
        "| scenario | latency/request | resources | Datadog requests | AWS requests "
        "| median s | max s | peak MiB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, latency, r in rows:
        print(
            f"| {name} | {latency} ms | {r['resources']:.0f} | {r['datadog_requests']:.0f} | "
            f"{r['aws_requests']:.0f} | {r['median_s']:.3f} | {r['max_s']:.3f} | "
            f"{r['peak_mib']:.1f} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

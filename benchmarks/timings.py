"""Wall-clock measurements that tests must not make: each row is what a test once asserted
with a clock, now checked by behaviour in the test and measured here against a target.

Usage: ``python benchmarks/timings.py [--runs R]``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v2.api.aws_integration_api import AWSIntegrationApi

from reconciler.model import Action, FieldChange, Plan, ResourceChange
from reconciler.render.markdown import render_markdown
from reconciler.sandbox import Sandbox, SandboxOptions

DD_KEYS = {"DD-API-KEY": "bench", "DD-APPLICATION-KEY": "bench"}
NAMESPACES = "/api/v2/integration/aws/available_namespaces"


def many_updates(n: int) -> Plan:
    """``n`` updated accounts, one changed list and four unchanged fields each."""
    changes = []
    for i in range(n):
        base: dict[str, object] = {f"field_{j}": f"value-{j}" for j in range(4)}
        before = {**base, "account_tags": [f"env:{i}"]}
        after = {**base, "account_tags": [f"env:{i}", "team:x"]}
        changes.append(
            ResourceChange(
                address=f"datadog_aws_account.r{i:05d}",
                kind="datadog_aws_account",
                name=f"r{i:05d}",
                action=Action.UPDATE,
                natural_key=f"{i:012d}",
                remote_id=f"uuid-{i}",
                before=before,
                after=after,
                changes=[
                    FieldChange(
                        path="account_tags",
                        before=before["account_tags"],
                        after=after["account_tags"],
                    )
                ],
            )
        )
    return Plan(lineage="bench", serial=1, changes=changes)


@contextlib.contextmanager
def sandbox(**options: Any) -> Iterator[Sandbox]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(SandboxOptions(port=0, data_dir=Path(tmp), **options)) as started,
    ):
        yield started


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def markdown_5000(runs: int) -> list[float]:
    plan = many_updates(5000)
    return timed(lambda: render_markdown(plan, plan_digest="sha256:" + "0" * 64), runs)


def sandbox_latency(runs: int) -> tuple[list[float], list[float]]:
    """Seconds of an API request and of a control request, with latency_ms=300."""
    with sandbox(latency_ms=300) as sb, httpx.Client(base_url=sb.url) as http:
        http.get("/_sandbox/health")  # connect first: only the requests are timed
        api = timed(lambda: http.get(NAMESPACES, headers=DD_KEYS), runs)
        control = timed(lambda: http.get("/_sandbox/health"), runs)
    return api, control


def rate_limited_burst(runs: int) -> list[float]:
    """Three calls of the official client (retries on) against a limit of 2 per 1 s period:
    the third is refused and retried after X-RateLimit-Reset."""
    seconds = []
    for _ in range(runs):
        with sandbox(rate_limit=2, rate_period=1) as sb:
            cfg = Configuration(host=sb.url)  # type: ignore[no-untyped-call]
            cfg.api_key["apiKeyAuth"] = cfg.api_key["appKeyAuth"] = "bench"
            cfg.enable_retry = True
            with ApiClient(cfg) as client:
                api = AWSIntegrationApi(client)  # type: ignore[no-untyped-call]
                # Start just after a period boundary, so that the burst falls into one period.
                time.sleep(1 - time.time() % 1 + 0.02)
                start = time.perf_counter()
                for _ in range(3):
                    api.list_aws_accounts()
                seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    api, control = sandbox_latency(args.runs)
    rows = [
        ("markdown of 5000 changes", markdown_5000(args.runs), "under 10 s"),
        ("sandbox API request, latency_ms=300", api, "at least 0.3 s"),
        ("sandbox control request, latency_ms=300", control, "under 0.3 s"),
        ("3 calls against 2/s, client retries", rate_limited_burst(args.runs), "0.3 s to 5 s"),
    ]
    print("| what | median s | max s | target |")
    print("| --- | --- | --- | --- |")
    for name, seconds, target in rows:
        print(f"| {name} | {statistics.median(seconds):.3f} | {max(seconds):.3f} | {target} |")


if __name__ == "__main__":
    main()

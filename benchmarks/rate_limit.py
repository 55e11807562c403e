"""Apply under a Datadog rate limit: how much of the allowed rate the writes use.

Usage: ``python benchmarks/rate_limit.py [--limit 60] [--period 10] [--accounts 200]``

``reconciler apply --auto-approve`` of N new accounts runs as a child process against an
in-process sandbox that allows LIMIT Datadog requests per calendar-aligned PERIOD, as Datadog
does. From the sandbox's request log: the requests answered per period, for every period the
apply spans whole (the first and last are partial), as a share of LIMIT; and the 429s.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from harness import (
    int_options,
    listen_to_sandbox,
    load_average,
    many_accounts,
    run_cli,
    write_config,
)

from reconciler.sandbox import Sandbox, SandboxOptions


class Requests(logging.Handler):
    """Datadog requests from the sandbox's one-line-per-request log: (time, status)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[float, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        match = re.search(r'"(GET|POST|PATCH|DELETE) (/api/\S+)[^"]*" (\d{3})', line)
        if match:
            self.seen.append((record.created, int(match.group(3))))


def main() -> None:
    args = int_options(__doc__, limit=60, period=10, accounts=200)
    requests = Requests()
    listen_to_sandbox(requests)
    print(f"# {load_average()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        options = SandboxOptions(
            data_dir=tmp / "cloud", port=0, rate_limit=args.limit, rate_period=args.period
        )
        with Sandbox(options) as sandbox:
            body = many_accounts(args.accounts, logs=False)
            write_config(tmp / "config", sandbox.url, tmp / "state.json", body)
            start = time.perf_counter()
            run = run_cli(["apply", "--auto-approve", "--no-color", str(tmp / "config")])
            wall = time.perf_counter() - start
            created = len(sandbox.datadog_accounts())
    failed = run.code != 0 or created != args.accounts
    periods = Counter(int(t // args.period) for t, status in requests.seen if status < 400)
    refused = sum(1 for _, status in requests.seen if status == 429)
    whole = sorted(periods)[1:-1]
    used = [periods[p] / args.limit for p in whole]
    print(
        "| limit | accounts created | failed | 429s | whole periods | requests per whole "
        "period | share of the allowed rate | wall s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    share = f"{100 * sum(used) / len(used):.0f}%" if used else "n/a (too short)"
    print(
        f"| {args.limit} per {args.period} s | {created} | {'yes' if failed else 0} | {refused} "
        f"| {len(whole)} | {', '.join(str(periods[p]) for p in whole)} | {share} | {wall:.1f} |"
    )
    print(f"# {load_average()}")


if __name__ == "__main__":
    main()

"""A plan against slow APIs: ``reconciler plan`` (one list call per API and region) against a
Terraform-style refresh (one GET per resource, 10 at a time; ``refresh_baseline.py``), both as
child processes, in the same run, against one sandbox with added latency.

Usage: ``python benchmarks/plan_latency.py [--accounts 2000] [--latency-ms 50] [--runs 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from harness import Run, load_average, many_accounts, run_cli, run_python, write_config
from noop_plan import seeded

from reconciler.sandbox import Sandbox, SandboxOptions

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reconciler-bench"))
    args = parser.parse_args()
    home = seeded(args.cache, args.accounts)
    print(f"# {load_average()}")
    ours: list[Run] = []
    theirs: list[Run] = []
    options = SandboxOptions(data_dir=home / "cloud", port=0, latency_ms=args.latency_ms)
    with Sandbox(options) as sandbox:
        write_config(
            home / "config", sandbox.url, home / "state.json", many_accounts(args.accounts)
        )
        for _ in range(args.runs):  # interleaved, so both see the same load
            run = run_cli(["plan", "--no-color", str(home / "config")])
            assert run.code == 0 and "No changes" in run.stdout, run.stdout[-300:]
            ours.append(run)
            run = run_python([str(HERE / "refresh_baseline.py"), str(home / "config")])
            assert run.code == 0 and run.stdout.strip() == "0", run.stdout[-300:]
            theirs.append(run)
    wall_ours = statistics.median(r.wall for r in ours)
    wall_theirs = statistics.median(r.wall for r in theirs)
    print("| plan of | latency | refresh | median wall s | median CPU s | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, runs in (("list calls (reconciler plan)", ours), ("GET per resource", theirs)):
        print(
            f"| {args.accounts} accounts + 5 Logs | {args.latency_ms} ms | {name} | "
            f"{statistics.median(r.wall for r in runs):.2f} | "
            f"{statistics.median(r.cpu for r in runs):.2f} | {max(r.rss_mib for r in runs):.0f} |"
        )
    print(f"speed-up (wall): {wall_theirs / wall_ours:.1f}x")
    print(f"# {load_average()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

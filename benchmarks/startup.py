"""``reconciler --help``: wall and CPU time of the whole process, and what it imports.

Usage: ``python benchmarks/startup.py [--runs 10]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from harness import ENV, load_average, run_cli

HEAVY = ("boto3", "botocore", "httpx", "deepdiff", "pydantic", "asyncio", "rich.markdown")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"# {load_average()}")
    runs = [run_cli(["--help"]) for _ in range(args.runs)]
    assert all(r.code == 0 for r in runs)
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reconciler", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    ).stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in trace.splitlines()}
    loaded = [m for m in HEAVY if m in imported]
    print("| command | median wall s | min wall s | median CPU s | heavy modules imported |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| reconciler --help | {statistics.median(r.wall for r in runs):.3f} | "
        f"{min(r.wall for r in runs):.3f} | {statistics.median(r.cpu for r in runs):.3f} | "
        f"{', '.join(loaded) or 'none'} |"
    )
    print(f"# {load_average()}")


if __name__ == "__main__":
    main()

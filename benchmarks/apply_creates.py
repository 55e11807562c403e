"""``reconciler apply --auto-approve`` of N new Datadog accounts against a sandbox with added
latency: wall, CPU (user+sys of the CLI process) and bytes written to disk by it, against the
serial floor (Datadog writes go one at a time, so N x latency is the least an apply can take).

Usage: ``python benchmarks/apply_creates.py [--accounts 250 500 1000 2000] [--latency-ms 50]``

Each size gets a fresh cloud and state. The CLI child runs this checkout's code
(``PYTHONPATH``, or ``--code`` for another checkout, to compare). Bytes written are the
child's ``write_bytes`` from ``/proc/self/io`` (what the kernel wrote to disk for it,
in pages: every fsync of a short append costs at least one 4 KiB page); the sandbox runs in
this process, so its own writes are not counted. Whether a create costs more late in the run
than early: the median time between two POSTs the sandbox answered, over the first and the
last tenth of the run (from the sandbox's request log), and the sandbox's own CPU.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ENV, listen_to_sandbox, load_average, self_cpu, write_config

from reconciler.sandbox import Sandbox, SandboxOptions

ROOT = Path(__file__).resolve().parent.parent
# Runs the CLI in the child and leaves its /proc/self/io counters in a file when it exits.
CHILD = """
import atexit, runpy, shutil, sys
out = sys.argv.pop(1)
atexit.register(lambda: shutil.copyfile("/proc/self/io", out))
sys.argv[0] = "reconciler"
runpy.run_module("reconciler", run_name="__main__")
"""
APPLY = ["apply", "--auto-approve", "--no-color"]


class Posts(logging.Handler):
    """When the sandbox answered each Datadog POST (its one-line-per-request log)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if re.search(r'"POST /api/v2/integration/aws/accounts[^"]*" 20', record.getMessage()):
            self.times.append(record.created)

    def gaps_ms(self) -> tuple[float, float]:
        gaps = [b - a for a, b in zip(self.times, self.times[1:], strict=False)]
        tenth = max(1, len(gaps) // 10)
        return (
            statistics.median(gaps[:tenth]) * 1000,
            statistics.median(gaps[-tenth:]) * 1000,
        )


def accounts(n: int) -> str:
    return "\n".join(
        f'[datadog_aws_account.a{i}]\naws_account_id = "{200000000000 + i}"\n'
        f'account_tags = ["env:bench", "n:{i}"]\n'
        'auth_config = { role_name = "DatadogIntegrationRole" }\n'
        for i in range(n)
    )


def one_size(n: int, latency_ms: int, code: Path, root: Path) -> dict[str, float]:
    home = root / f"n{n}"
    options = SandboxOptions(data_dir=home / "cloud", port=0, latency_ms=latency_ms)
    posts = Posts()
    log = listen_to_sandbox(posts)
    sandbox_cpu = self_cpu()
    with Sandbox(options) as sandbox:
        state_dir = home / "state"
        write_config(home / "config", sandbox.url, state_dir / "state.json", accounts(n))
        io_file = home / "io.txt"
        env = {**os.environ, **ENV, "PYTHONPATH": str(code), "NO_COLOR": "1"}
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            proc = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(io_file), *APPLY, str(home / "config")],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=home,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            code_ = os.waitstatus_to_exitcode(status)
            if code_ != 0:
                out.seek(0)
                sys.stderr.write(out.read().decode(errors="replace")[-3000:])
                raise SystemExit(f"apply of {n} exited {code_}")
        made = len(sandbox.datadog_accounts())
        assert made == n, (made, n)
        recorded = json.loads((state_dir / "state.json").read_text())["resources"]
        assert len(recorded) == n, len(recorded)
    sandbox_cpu = self_cpu() - sandbox_cpu
    log.removeHandler(posts)
    io = dict(line.split(": ") for line in io_file.read_text().splitlines())
    sizes = sum(p.stat().st_size for p in state_dir.iterdir())
    early, late = posts.gaps_ms()
    return {
        "early_ms": early,
        "late_ms": late,
        "sandbox_cpu": sandbox_cpu,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "written": int(io["write_bytes"]),
        "state_dir": sizes,
        "floor": n * latency_ms / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose CLI is run")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="reconciler-apply-"))
    print(f"# {load_average()}; code from {args.code}")
    print(
        "| new accounts | latency | serial floor s | wall s | wall / floor | CPU s "
        "| written to disk MiB | per create KiB | state dir at the end KiB "
        "| POST to POST ms, first / last tenth | sandbox CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    try:
        for n in args.accounts:
            r = one_size(n, args.latency_ms, args.code, root)
            print(
                f"| {n:,} | {args.latency_ms} ms | {r['floor']:.0f} | {r['wall']:.1f} | "
                f"{r['wall'] / r['floor']:.2f}x | {r['cpu']:.1f} | "
                f"{r['written'] / 2**20:.1f} | {r['written'] / n / 1024:.1f} | "
                f"{r['state_dir'] / 1024:.0f} | {r['early_ms']:.0f} / {r['late_ms']:.0f} | "
                f"{r['sandbox_cpu']:.1f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"# {load_average()}")


if __name__ == "__main__":
    main()

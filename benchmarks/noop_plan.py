"""A no-change plan at scale, as a user waits for it: ``reconciler plan`` in a child process.

Usage: ``python benchmarks/noop_plan.py [--accounts 1000 10000 20000] [--runs R] [--cache DIR]
[--changed K] [--trees DIR ...] [--instructions]``

For each size, a cloud of N Datadog accounts + 5 Logs integrations and its state are made once
(``harness.seed``) and kept in ``--cache`` for later runs.
Each measured run is the whole ``reconciler plan`` process: interpreter start-up, imports,
config load, state read, refresh (against the in-process sandbox, no added latency), planning
and rendering. CPU is the child's user+sys; RSS its peak resident set. ``--changed K``: the
configuration changes the tags of K accounts, so the plan shows K updates among the settled
rest (what a pull request changing a few accounts plans). ``--trees A B``: instead of the
installed reconciler, ``python -m reconciler`` from each checkout in turn, run by run (to
compare two versions on a machine whose speed drifts). ``--instructions``: each run under
valgrind's cachegrind (no cache simulation, about 50 times slower), reporting the instructions
the child executed: a count the machine's speed does not move, for comparing versions when the
machine drifts too much for CPU seconds to tell.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import (
    ENV,
    Run,
    load_average,
    many_accounts,
    run_child,
    run_cli,
    write_config,
)

from reconciler.sandbox import Sandbox, SandboxOptions


def seeded(cache: Path, n: int) -> Path:
    """The cache directory for N accounts, created and applied if it is not there yet."""
    from harness import seed

    home = cache / f"noop-{n}"
    if (home / "seeded").exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(ENV)
    with Sandbox(SandboxOptions(data_dir=home / "cloud", port=0)) as sandbox:
        write_config(home / "config", sandbox.url, home / "state.json", many_accounts(n))
        seed(home / "config", sandbox.store)
        sandbox.store.close()
    (home / "seeded").touch()
    return home


def changed_tags(body: str, k: int) -> str:
    """``many_accounts`` text with one more tag on each of the first ``k`` accounts."""
    for i in range(k):
        body = body.replace(f'"n:{i}"]\n', f'"n:{i}", "changed"]\n', 1)
    return body


def instructions(cmd: list[str], args: list[str], env: dict[str, str] | None) -> tuple[int, str]:
    """(instructions executed, stdout) of one run under cachegrind."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={tmp}/out",
                *cmd,
                *args,
            ],
            env={**os.environ, **ENV, **(env or {})},
            capture_output=True,
            text=True,
        )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    assert found, done.stderr[-2000:]
    return int(found.group(1).replace(",", "")), done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1000, 10000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reconciler-bench"))
    parser.add_argument("--changed", type=int, default=0)
    parser.add_argument("--trees", type=Path, nargs="+", default=[])
    parser.add_argument("--instructions", action="store_true")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind on PATH")
    expected = f"{args.changed} to change" if args.changed else "No changes"
    # None: the installed reconciler; a tree: ``python -m reconciler`` with PYTHONPATH set to it.
    trees: list[Path | None] = list(args.trees) or [None]
    print(f"# {load_average()}")
    if args.instructions:
        print("| tree | accounts | median instructions (billions) | max |")
        print("| --- | --- | --- | --- |")
    else:
        print("| tree | accounts | median CPU s | max CPU s | median wall s | peak RSS MiB |")
        print("| --- | --- | --- | --- | --- | --- |")
    for n in args.accounts:
        home = seeded(args.cache, n)
        runs: dict[Path | None, list[Run]] = {tree: [] for tree in trees}
        counts: dict[Path | None, list[int]] = {tree: [] for tree in trees}
        with Sandbox(SandboxOptions(data_dir=home / "cloud", port=0)) as sandbox:
            body = changed_tags(many_accounts(n), args.changed)
            write_config(home / "config", sandbox.url, home / "state.json", body)
            for _ in range(args.runs):  # the trees in turn: the machine's drift hits each alike
                for tree in trees:
                    plan = ["plan", "--no-color", str(home / "config")]
                    if args.instructions:
                        module = [sys.executable, "-m", "reconciler"]
                        env = None if tree is None else {"PYTHONPATH": str(tree)}
                        count, stdout = instructions(module, plan, env)
                        assert expected in stdout, stdout[-500:]
                        counts[tree].append(count)
                        continue
                    if tree is None:
                        run = run_cli(plan)
                    else:
                        module = [sys.executable, "-m", "reconciler"]
                        run = run_child(module, plan, None, {"PYTHONPATH": str(tree)})
                    assert run.code == 0 and expected in run.stdout, run.stdout[-500:]
                    runs[tree].append(run)
        for tree, found in counts.items():
            if found:
                print(
                    f"| {tree or 'installed'} | {n} | {statistics.median(found) / 1e9:.2f} | "
                    f"{max(found) / 1e9:.2f} |"
                )
        for tree, done in runs.items():
            if not done:
                continue
            cpu = [r.cpu for r in done]
            print(
                f"| {tree or 'installed'} | {n} | {statistics.median(cpu):.2f} | {max(cpu):.2f} | "
                f"{statistics.median(r.wall for r in done):.2f} | "
                f"{max(r.rss_mib for r in done):.0f} |",
                flush=True,
            )
    print(f"# {load_average()}")


if __name__ == "__main__":
    main()

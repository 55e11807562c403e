"""Kill ``reconciler apply`` at many points and rerun it: does every run recover on its own?

For each point: a fresh cloud and state, ``apply --auto-approve`` started as a real process
against the sandbox (with latency, so the apply takes a while), killed with SIGKILL (or sent
SIGTERM) after a delay spread over the apply's length, then a plain ``apply`` rerun (no
``force-unlock``, no hand edits). Counted per point and in total:

- lost: a declared object missing from the cloud after the rerun;
- duplicated: an object made twice (two Datadog configs for one AWS account, two Logs
  integrations in one region), or a cloud object the state does not record;
- manual steps: reruns that did not succeed by themselves (a held lock, an error);
- settled: the plan after the rerun is empty.

    python benchmarks/kill_apply.py [--points 20] [--accounts 30] [--latency-ms 40]

Not a test: it prints its figures (and exits 1 if anything was lost, duplicated or needed a
hand).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reconciler.sandbox import Sandbox, SandboxOptions
from reconciler.state.local import LocalBackend

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def configuration(url: str, accounts: int, state: Path) -> str:
    lines = [
        "[datadog]",
        f'api_url = "{url}"',
        "[aws]",
        f'endpoint_url = "{url}"',
        'region = "us-east-1"',
        "poll_interval_seconds = 0.05",
        "[state]",
        f"path = {json.dumps(str(state))}",
        "lock_timeout_seconds = 5",
    ]
    for i in range(accounts):
        lines += [
            f"[datadog_aws_account.a{i:03d}]",
            f'aws_account_id = "{400000000000 + i}"',
            'auth_config = { role_name = "DatadogIntegrationRole" }',
        ]
    for region in REGIONS:
        name = region.replace("-", "_")
        lines += [
            f"[aws_logs_integration.{name}]",
            f'integration_name = "logs-{region}"',
            f'region = "{region}"',
            f"[aws_logs_integration.{name}.opensearch]",
            'data_source_role_arn = "arn:aws:iam::123456789012:role/LogsToOpenSearch"',
            'dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/Analysts"]',
            "retention_days = 7",
        ]
    return "\n".join(lines) + "\n"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "AWS_"))}
    env.update(
        {
            "DD_API_KEY": "bench",
            "DD_APP_KEY": "bench",
            "AWS_ACCESS_KEY_ID": "sandbox",
            "AWS_SECRET_ACCESS_KEY": "sandbox",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "NO_COLOR": "1",
            # This checkout's code, whatever the interpreter has installed.
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
    )
    return env


def reconciler(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_point(
    work: Path, sandbox: Sandbox, delay: float, sig: signal.Signals, accounts_declared: int
) -> dict[str, object]:
    proc = reconciler(["apply", "infra", "--auto-approve"], work)
    time.sleep(delay)
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    state_file = work / "state" / "reconciler.tfstate.json"
    at_kill = LocalBackend(state_file).read()  # the state with its journal replayed
    recorded_at_kill = len(at_kill.resources) if at_kill is not None else 0
    manual = 0
    for _ in range(3):  # a rerun that needs a hand counts once per attempt
        rerun = reconciler(["apply", "infra", "--auto-approve"], work)
        _, err = rerun.communicate(timeout=300)
        if rerun.returncode == 0:
            break
        manual += 1
        print(f"    rerun failed ({rerun.returncode}): {err.strip().splitlines()[-1:]}")
    check = reconciler(["plan", "infra", "--detailed-exitcode"], work)
    check.communicate(timeout=120)
    accounts = [a["attributes"]["aws_account_id"] for a in sandbox.datadog_accounts()]
    integrations = [(i["region"], i["integrationName"]) for i in sandbox.logs_integrations()]
    state = json.loads(state_file.read_text())["resources"] if state_file.exists() else {}
    declared_accounts = {f"{400000000000 + i}" for i in range(accounts_declared)}
    declared_logs = {(r, f"logs-{r}") for r in REGIONS}
    recorded_keys = {entry["natural_key"] for entry in state.values()}
    lost = len(declared_accounts - set(accounts)) + len(declared_logs - set(integrations))
    duplicated = (len(accounts) - len(set(accounts))) + (len(integrations) - len(set(integrations)))
    unrecorded = len(set(accounts) - recorded_keys) + len(
        {f"{r}/{n}" for r, n in integrations} - recorded_keys
    )
    return {
        "delay_s": round(delay, 2),
        "signal": sig.name,
        "recorded_at_kill": recorded_at_kill,
        "lost": lost,
        "duplicated": duplicated + unrecorded,
        "manual_steps": manual,
        "settled": check.returncode == 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=40)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="reconciler-kill-"))
    results: list[dict[str, object]] = []
    length = 0.0
    try:
        # The length of one whole apply, to spread the kill points over it.
        for point in range(args.points + 1):
            data = root / f"cloud{point}"
            work = root / f"work{point}"
            (work / "infra").mkdir(parents=True)
            options = SandboxOptions(
                data_dir=data, latency_ms=args.latency_ms, provisioning_seconds=0.3
            )
            with Sandbox(options) as sandbox:
                state = work / "state" / "reconciler.tfstate.json"
                (work / "infra" / "main.toml").write_text(
                    configuration(sandbox.url, args.accounts, state)
                )
                if point == 0:
                    started = time.monotonic()
                    full = reconciler(["apply", "infra", "--auto-approve"], work)
                    full.communicate(timeout=600)
                    length = time.monotonic() - started
                    print(f"one whole apply: {length:.1f} s (exit {full.returncode})")
                    continue
                delay = 0.6 + (length - 0.6) * (point - 0.5) / args.points
                sig = signal.SIGKILL if point % 4 else signal.SIGTERM
                result = one_point(work, sandbox, delay, sig, args.accounts)
                results.append(result)
                print(f"  point {point:2d}: {result}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    totals = {
        k: sum(int(str(r[k])) for r in results) for k in ("lost", "duplicated", "manual_steps")
    }
    settled = sum(1 for r in results if r["settled"])
    print(
        f"{len(results)} kill points: lost {totals['lost']}, duplicated {totals['duplicated']}, "
        f"manual steps {totals['manual_steps']}, settled {settled}/{len(results)}"
    )
    return 0 if not any(totals.values()) and settled == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

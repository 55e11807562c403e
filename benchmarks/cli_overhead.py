"""What one in-process CLI command costs in CPU, and the fixed costs inside it: the numbers
behind the test suite's time, since end-to-end tests run the CLI in-process
(``tests.cli_runner.invoke``) a few hundred times.

Usage: ``python benchmarks/cli_overhead.py [--runs R]`` (from the repository root). Prints a
markdown table of CPU seconds per call (``time.process_time``: every thread of this process,
the sandbox's included).
"""

from __future__ import annotations

import argparse
import ssl
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import certifi
import typer.main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.cli_runner

from reconciler import cli  # noqa: E402
from reconciler.sandbox import Sandbox, SandboxOptions  # noqa: E402
from tests.cli_runner import invoke  # noqa: E402

ACCOUNT = """[datadog]
api_url = "{url}"

[aws]
endpoint_url = "{url}"
region = "us-east-1"

[datadog_aws_account.prod]
aws_account_id = "123456789012"
auth_config = {{ role_name = "DatadogIntegrationRole" }}
"""
ENV = {
    "DD_API_KEY": "bench",
    "DD_APP_KEY": "bench",
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
}


def cpu_per_call(fn: Callable[[], object], runs: int) -> float:
    fn()  # imports and first-time caches are not what is measured
    start = time.process_time()
    for _ in range(runs):
        fn()
    return (time.process_time() - start) / runs


def boto3_client() -> object:
    session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b")
    return session.client("logs", region_name="us-east-1", endpoint_url="http://127.0.0.1:9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with Sandbox(SandboxOptions(data_dir=tmp / "cloud", port=0)) as sandbox:
            (tmp / "main.toml").write_text(ACCOUNT.format(url=sandbox.url))

            def plan() -> None:
                result = invoke(["plan", "main.toml"], cwd=tmp, env=ENV)
                assert result.code == 0, result.show()

            plan_cpu = cpu_per_call(plan, args.runs)
    rows = [
        ("`plan` of one account, in-process, against the sandbox", plan_cpu),
        (
            "typer builds the click command (once per process: `cli._command`)",
            cpu_per_call(lambda: typer.main.get_command(cli.app), args.runs),
        ),
        (
            "a boto3 session and a logs client (every command that reads AWS)",
            cpu_per_call(boto3_client, args.runs),
        ),
        (
            "an SSL context from a CA bundle file (every httpx client)",
            cpu_per_call(lambda: ssl.create_default_context(cafile=certifi.where()), args.runs),
        ),
    ]
    print("| what | CPU s per call |")
    print("| --- | --- |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()

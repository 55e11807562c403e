"""The ``aws logs`` command line, pointed at the sandbox the two documented ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reconciler.sandbox import Sandbox
from tests.clouds import put_integration
from tests.sandbox.conftest import logs_client

AWS = Path(sys.executable).parent / "aws"


def aws_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="sandbox",
        AWS_SECRET_ACCESS_KEY="sandbox-secret",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
        AWS_MAX_ATTEMPTS="1",
        **extra,
    )
    return env


def aws_logs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``aws logs ARGS`` as a process, its output captured."""
    return subprocess.run(
        [str(AWS), "logs", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_aws_cli_lists_and_deletes(sandbox: Sandbox, tmp_path: Path) -> None:
    put_integration(
        logs_client(sandbox.url, region="eu-west-1"),
        "from-boto3",
        dataSourceRoleArn="arn:aws:iam::123456789012:role/r",
        dashboardViewerPrincipals=["arn:aws:iam::123456789012:role/v"],
        retentionDays=14,
    )
    listed = aws_logs(
        aws_env(tmp_path), "list-integrations", "--endpoint-url", sandbox.url, "--output", "json"
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["integrationSummaries"] == [
        {
            "integrationName": "from-boto3",
            "integrationType": "OPENSEARCH",
            "integrationStatus": "ACTIVE",
        }
    ]
    # The service-specific endpoint variable, and the error path.
    env = aws_env(tmp_path, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=sandbox.url)
    deleted = aws_logs(env, "delete-integration", "--integration-name", "from-boto3")
    assert deleted.returncode == 0, deleted.stderr
    again = aws_logs(env, "get-integration", "--integration-name", "from-boto3")
    assert again.returncode != 0
    assert "ResourceNotFoundException" in again.stderr


def test_aws_cli_sts_identity_and_assume_role(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.register_roles("222233334444", {"Reconciler": "ext-cli"})
    env = aws_env(tmp_path, AWS_ENDPOINT_URL_STS=sandbox.url)

    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AWS), "sts", *args, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    me = aws("get-caller-identity")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["Arn"] == "arn:aws:iam::123456789012:user/sandbox"
    role = ["--role-arn", "arn:aws:iam::222233334444:role/Reconciler", "--role-session-name", "cli"]
    assumed = aws("assume-role", *role, "--external-id", "ext-cli")
    assert assumed.returncode == 0, assumed.stderr
    answer = json.loads(assumed.stdout)
    assert answer["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::222233334444:assumed-role/Reconciler/cli"
    )
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA222233334444")
    refused = aws("assume-role", *role)
    assert refused.returncode != 0
    assert "(AccessDenied)" in refused.stderr
    assert "is not authorized to perform: sts:AssumeRole" in refused.stderr

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from reconciler.sandbox import Sandbox, SandboxOptions

SandboxFactory = Callable[..., Sandbox]


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[SandboxFactory]:
    """Start sandboxes with the given options; each gets tmp_path/data unless told otherwise."""
    started: list[Sandbox] = []

    def make(**overrides: Any) -> Sandbox:
        overrides.setdefault("data_dir", tmp_path / "data")
        sb = Sandbox(SandboxOptions(**overrides)).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox()


def logs_client(
    url: str, region: str = "us-east-1", access_key: str = "sandbox", attempts: int = 1
) -> Any:
    return boto3.client(
        "logs",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key="sandbox-secret",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=2,
            read_timeout=5,
        ),
    )

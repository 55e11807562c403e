"""moto's S3 server over HTTP, one per test module, and a fresh bucket per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest

from tests.clouds import moto_s3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_s3() as url:
        yield url


@pytest.fixture
def fake_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    empty = tmp_path_factory.mktemp("aws") / "none"
    empty.write_text("")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3(endpoint: str, fake_credentials: None) -> S3Client:
    # Own session per client: S3 clients sharing the default session share weakly held
    # handlers, and one collected client can break another's calls (ReferenceError).
    return boto3.session.Session().client("s3", region_name="us-east-1", endpoint_url=endpoint)


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name

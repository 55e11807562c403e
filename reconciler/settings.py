"""Provider and backend settings: the ``[datadog]``, ``[aws]`` and ``[state]`` tables.

These say where to connect, never what to manage. Credentials are not kept here: Datadog keys
come from ``DD_API_KEY`` / ``DD_APP_KEY`` and AWS uses boto3's own credential chain, both read
by the kinds when they first talk to an API (so ``validate`` needs no credentials).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.aws_names import check_region
from reconciler.printable import printable

DATADOG_SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "datadoghq.eu",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)


def check_url(value: str | None) -> str | None:
    """An http(s) URL with a host: where API keys are sent, a typo must not go unnoticed."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise PydanticCustomError("url", "expected an http:// or https:// URL with a host")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DatadogSettings(_Strict):
    site: str | None = None  # None: DD_SITE, else datadoghq.com
    api_url: str | None = None  # overrides the site; env DD_HOST
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str | None) -> str | None:
        if v is not None and v not in DATADOG_SITES:
            known = ", ".join(DATADOG_SITES)
            raise ValueError(
                f"unknown Datadog site {printable(repr(v), 80)}; expected one of {known}"
            )
        return v

    @field_validator("api_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v)


class AwsSettings(_Strict):
    region: str | None = None  # default region for aws_* kinds; else AWS_REGION / profile
    endpoint_url: str | None = None  # else AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL
    profile: str | None = None
    max_attempts: int = Field(5, ge=1, le=20)
    timeout_seconds: float = Field(60.0, gt=0)  # one request, whole (not per read)
    wait_timeout_seconds: float = Field(1800.0, gt=0)  # create: wait until ACTIVE
    poll_interval_seconds: float = Field(10.0, gt=0)

    @field_validator("region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        return None if v is None else check_region(v)

    @field_validator("endpoint_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return check_url(v)


class StateSettings(_Strict):
    backend: Literal["local", "s3"] = "local"
    path: str | None = None  # local: default state/reconciler.tfstate.json
    bucket: str | None = None  # s3
    key: str | None = None  # s3
    region: str | None = None  # s3
    endpoint_url: str | None = None  # s3
    lock_timeout_seconds: float = Field(10.0, ge=0)  # how long to wait for a held lock
    # The lock's lease: its holder renews it every quarter lease; a lock left unrenewed for a
    # whole lease (as the waiter measures it) is taken over. Not a limit on a run's length.
    # The lease: at least 10 s, so one slow renewal (S3 timeouts) never hands a live lock over.
    lock_ttl_seconds: float = Field(60.0, ge=10)


class Settings(_Strict):
    datadog: DatadogSettings = DatadogSettings()
    aws: AwsSettings = AwsSettings()
    state: StateSettings = StateSettings()

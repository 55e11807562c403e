"""Fault injection: deterministic under a seed, in the shape each real API uses."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ConnectionClosedError
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException
from datadog_api_client.v2.api.aws_integration_api import AWSIntegrationApi

from reconciler.errors import ConfigError
from reconciler.sandbox import SandboxOptions
from tests.sandbox.conftest import SandboxFactory, logs_client

KEYS = {"DD-API-KEY": "k", "DD-APPLICATION-KEY": "a"}
SIGNED = {
    "X-Amz-Target": "Logs_20140328.ListIntegrations",
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/logs/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


def outcomes(url: str, count: int = 40) -> list[str]:
    """Alternate Datadog and Logs requests; one fresh connection each."""
    seen = []
    http = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=5)
    for i in range(count):
        try:
            if i % 2 == 0:
                r = http.get(f"{url}/api/v2/integration/aws/available_namespaces", headers=KEYS)
                seen.append(f"dd:{r.status_code}")
            else:
                r = http.post(url + "/", headers=SIGNED, content=b"{}")
                kind = r.json().get("__type", "ok")
                seen.append(f"logs:{r.status_code}:{kind}")
        except httpx.RemoteProtocolError:
            seen.append("dropped")
    http.close()
    return seen


def test_same_seed_same_faults_other_seed_other_faults(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    rates = {"error_rate": 0.2, "throttle_rate": 0.2, "drop_rate": 0.1}
    runs = []
    for n, seed in enumerate((7, 7, 8)):
        sb = make_sandbox(seed=seed, **rates, data_dir=tmp_path / f"run{n}")
        runs.append(outcomes(sb.url))
        sb.stop()
    first, again, other = runs
    assert first == again
    assert first != other
    kinds = set(first)
    assert {"dd:200", "logs:200:ok", "dropped"} <= kinds
    assert kinds & {"dd:500", "dd:503"}
    assert "dd:429" in kinds
    assert "logs:400:ThrottlingException" in kinds
    assert "logs:500:ServiceUnavailableException" in kinds


def test_boto3_sees_each_fault_as_the_real_service_would(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    down = logs_client(make_sandbox(error_rate=1.0, data_dir=tmp_path / "down").url)
    with pytest.raises(down.exceptions.ServiceUnavailableException) as unavailable:
        down.list_integrations()
    assert unavailable.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    busy = logs_client(make_sandbox(throttle_rate=1.0, data_dir=tmp_path / "busy").url)
    with pytest.raises(busy.exceptions.ThrottlingException) as throttled:
        busy.list_integrations()
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    flaky = logs_client(make_sandbox(drop_rate=1.0, data_dir=tmp_path / "flaky").url)
    with pytest.raises(ConnectionClosedError):
        flaky.list_integrations()


def test_datadog_5xx_and_injected_429_carry_json_api_errors(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    for rate, statuses in (("error_rate", {500, 503}), ("throttle_rate", {429})):
        sb = make_sandbox(**{rate: 1.0}, data_dir=tmp_path / rate)
        cfg = Configuration(host=sb.url)  # type: ignore[no-untyped-call]
        cfg.api_key["apiKeyAuth"], cfg.api_key["appKeyAuth"] = "k", "a"
        with ApiClient(cfg) as c, pytest.raises(ApiException) as exc:
            AWSIntegrationApi(c).list_aws_accounts()  # type: ignore[no-untyped-call]
        assert exc.value.status in statuses
        assert exc.value.body["errors"][0]["status"] == str(exc.value.status)
        assert exc.value.headers["X-RateLimit-Name"]


def test_latency_is_added_to_api_requests_only(
    make_sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The delay the sandbox asks for is recorded, not waited for and not timed: the stdlib's
    # sleep is replaced for this test. benchmarks/timings.py measures the real delay.
    slept: list[float] = []
    sb = make_sandbox(latency_ms=300)
    with httpx.Client(base_url=sb.url) as http:
        monkeypatch.setattr(time, "sleep", slept.append)
        r = http.get("/api/v2/integration/aws/available_namespaces", headers=KEYS)
        assert r.status_code == 200
        assert slept == [0.3]
        # sandbox controls are never slowed down or faulted
        assert http.get("/_sandbox/health").json() == {"ok": True}
        assert slept == [0.3]
        r = http.post("/", headers=SIGNED, content=b"{}")
        assert r.status_code == 200
        assert slept == [0.3, 0.3]


@pytest.mark.parametrize(
    ("field", "value"),
    [("error_rate", 1.5), ("drop_rate", -0.1), ("rate_limit", 0), ("rate_period", 0)],
)
def test_bad_options_name_the_field(field: str, value: float) -> None:
    with pytest.raises(ConfigError) as exc:
        SandboxOptions(**{field: value})  # type: ignore[arg-type]
    assert exc.value.field == field


def test_rates_must_not_add_up_past_one() -> None:
    with pytest.raises(ConfigError, match="must not exceed 1"):
        SandboxOptions(error_rate=0.6, throttle_rate=0.6)

"""Settings of one sandbox server: where it listens, where it keeps its cloud, what goes wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ConfigError

DEFAULT_DATA_DIR = Path("state/sandbox")


@dataclass(frozen=True)
class SandboxOptions:
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 0  # 0: the OS picks a free port
    latency_ms: int = 0  # added to every API request
    error_rate: float = 0.0  # share of API requests answered with a 5xx
    throttle_rate: float = 0.0  # share answered with Datadog 429 / AWS ThrottlingException
    drop_rate: float = 0.0  # share whose connection is closed without a response
    rate_limit: int | None = None  # Datadog requests allowed per period; None: unlimited
    rate_period: int = 10  # seconds, calendar-aligned like Datadog's
    provisioning_seconds: float = 0.0  # Logs integrations stay PROVISIONING this long
    seed: int = 0  # same seed + same request sequence = same faults
    # Fault option: hand some Datadog lists back in an order of their own, as users report
    # the real API has done (terraform-provider-datadog #2903, #2912). No recording shows
    # it, so it is off unless a test (or `sandbox serve --shuffle-lists`) turns it on.
    shuffle_lists: bool = False

    def __post_init__(self) -> None:
        for name in ("error_rate", "throttle_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"expected a rate between 0 and 1, got {value}", field=name)
        if self.error_rate + self.throttle_rate + self.drop_rate > 1.0:
            raise ConfigError(
                "error_rate + throttle_rate + drop_rate must not exceed 1", field="error_rate"
            )
        if self.latency_ms < 0:
            raise ConfigError(f"expected 0 or more, got {self.latency_ms}", field="latency_ms")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ConfigError(f"expected 1 or more, got {self.rate_limit}", field="rate_limit")
        if self.rate_period < 1:
            raise ConfigError(f"expected 1 or more, got {self.rate_period}", field="rate_period")
        if self.provisioning_seconds < 0:
            raise ConfigError(
                f"expected 0 or more, got {self.provisioning_seconds}",
                field="provisioning_seconds",
            )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"expected a port 0..65535, got {self.port}", field="port")

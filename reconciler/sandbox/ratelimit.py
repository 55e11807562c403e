"""Datadog-style rate limiting: a count per calendar-aligned period, reported in headers."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

LIMIT_NAME = "integration_aws"
# Reported as the limit when none is enforced, so the headers are always present.
NOMINAL_LIMIT = 1000


@dataclass(frozen=True)
class Window:
    limit: int
    period: int
    remaining: int
    reset: int  # whole seconds until the next period starts
    exceeded: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Period": str(self.period),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Name": LIMIT_NAME,
        }


class RateLimiter:
    def __init__(self, limit: int | None, period: int) -> None:
        self._limit = limit
        self._period = period
        self._window = -1
        self._count = 0
        self._lock = threading.Lock()

    def _reset_in(self, now: float) -> int:
        return max(1, math.ceil((self._window + 1) * self._period - now))

    def take(self) -> Window:
        """Count one request."""
        now = time.time()
        with self._lock:
            window = int(now // self._period)
            if window != self._window:
                self._window, self._count = window, 0
            self._count += 1
            limit = self._limit if self._limit is not None else NOMINAL_LIMIT
            exceeded = self._limit is not None and self._count > self._limit
            return Window(
                limit, self._period, max(0, limit - self._count), self._reset_in(now), exceeded
            )

    def exhausted(self) -> Window:
        """The headers of an injected 429: nothing left in this period."""
        now = time.time()
        with self._lock:
            if int(now // self._period) != self._window:
                self._window, self._count = int(now // self._period), 0
            limit = self._limit if self._limit is not None else NOMINAL_LIMIT
            return Window(limit, self._period, 0, self._reset_in(now), True)


class RateLimits:
    """One limiter per Datadog organisation, as the real API counts each org on its own."""

    def __init__(self, limit: int | None, period: int) -> None:
        self._limit = limit
        self._period = period
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def of(self, org: str) -> RateLimiter:
        with self._lock:
            limiter = self._limiters.get(org)
            if limiter is None:
                limiter = self._limiters[org] = RateLimiter(self._limit, self._period)
            return limiter

"""Deterministic fault injection.

The n-th API request the server sees draws its fate from a generator seeded with (seed, n),
so the same seed and the same request sequence give the same faults at the same places, no
matter how threads interleave or how long each request takes.
"""

from __future__ import annotations

import enum
import random
import threading


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"  # close the connection without a response
    ERROR = "error"  # 5xx
    THROTTLE = "throttle"  # Datadog 429, AWS ThrottlingException


class FaultPlan:
    def __init__(self, *, seed: int, error_rate: float, throttle_rate: float, drop_rate: float):
        self._seed = seed
        self._error = error_rate
        self._throttle = throttle_rate
        self._drop = drop_rate
        self._count = 0
        self._lock = threading.Lock()

    def next(self) -> tuple[Fault, random.Random]:
        """The fate of the next request, and a generator for its details (which 5xx)."""
        with self._lock:
            index = self._count
            self._count += 1
        rng = random.Random(f"{self._seed}:{index}")
        draw = rng.random()
        if draw < self._drop:
            return Fault.DROP, rng
        if draw < self._drop + self._error:
            return Fault.ERROR, rng
        if draw < self._drop + self._error + self._throttle:
            return Fault.THROTTLE, rng
        return Fault.NONE, rng

"""When the next Datadog request may go, from the server's own ``X-RateLimit-*`` headers.

Datadog counts requests per period (``X-RateLimit-Period`` seconds) and says with every answer
how many are left (``X-RateLimit-Remaining``) and in how many whole seconds the period ends
(``X-RateLimit-Reset``). A whole second is coarse: waiting ``Reset`` after the last request of
a period overshoots into the next one by up to a second. Every answer bounds the end of the
period on our own clock, though: it is after ``sent + Reset - 1`` and no later than
``received + Reset``. Answers of one period narrow those bounds, so after a few of them the
next period's start is known to a fraction of a second. Requests then go until ``Remaining``
is 0 and wait exactly until the upper bound, which is never before the period ends: no 429 on
our side, and little of the next period lost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass
class _Period:
    ends_after: float  # the period ends after this instant (our monotonic clock)...
    ends_by: float  # ...and no later than this one
    remaining: int | None  # requests left in it, as last reported


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers[name])
    except (KeyError, ValueError):
        return None
    # "inf", "1e400" and "nan" are floats too: not a count or a delay anyone can use.
    return value if math.isfinite(value) and value >= 0 else None


class RatePacer:
    def __init__(self) -> None:
        self._period: _Period | None = None

    def observe(
        self, headers: Mapping[str, str], sent: float, received: float, *, refused: bool = False
    ) -> None:
        """Learn from one answer's headers (``refused``: it was a 429, so nothing is left)."""
        reset = _number(headers, "X-RateLimit-Reset")
        if reset is None:
            return
        left = _number(headers, "X-RateLimit-Remaining")
        remaining = 0 if refused else (None if left is None else int(left))
        after, by = sent + reset - 1.0, received + reset
        p = self._period
        if p is not None and max(p.ends_after, after) < min(p.ends_by, by):
            # The same period: narrow its end, keep the lowest count left.
            p.ends_after, p.ends_by = max(p.ends_after, after), min(p.ends_by, by)
            if remaining is not None:
                p.remaining = remaining if p.remaining is None else min(p.remaining, remaining)
        else:  # the first answer, or one from a later period
            self._period = _Period(after, by, remaining)

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request (0: go now)."""
        p = self._period
        if p is None or p.remaining is None or p.remaining > 0:
            return 0.0
        if now >= p.ends_by:
            self._period = None
            return 0.0
        return p.ends_by - now

    def waited(self) -> None:
        """The caller slept out ``delay``: the period it waited for is over."""
        self._period = None

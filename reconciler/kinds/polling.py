"""Waiting for an asynchronous API: read until a check is satisfied, within a total timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

R = TypeVar("R")
T = TypeVar("T")


async def poll(
    read: Callable[[], Awaitable[R]],
    check: Callable[[R], T | str],
    timed_out: Callable[[float, str], Exception],
    waiting: Callable[[float, str], None],
    *,
    timeout: float,
    interval: float,
) -> T:
    """``read`` until ``check`` returns something other than a string (the result); a
    string is the state still waited on, reported through ``waiting(elapsed, state)``. Past
    ``timeout`` seconds, ``timed_out(timeout, state)`` is raised. Never sleeps past the
    timeout."""
    start = time.monotonic()
    while True:
        answer = await read()
        elapsed = time.monotonic() - start
        state = check(answer)
        if not isinstance(state, str):
            return state
        if elapsed >= timeout:
            raise timed_out(timeout, state)
        waiting(elapsed, state)
        await asyncio.sleep(max(0.0, min(interval, timeout - elapsed)))

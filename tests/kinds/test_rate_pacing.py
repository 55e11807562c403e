"""Datadog requests are paced by the server's X-RateLimit-* headers, to a fraction of a second."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reconciler.clients.datadog_http import DatadogClient
from reconciler.clients.rate_pacing import RatePacer
from reconciler.settings import DatadogSettings


def _headers(remaining: int, reset: int) -> dict[str, str]:
    return {"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}


def test_answers_of_one_period_narrow_its_end() -> None:
    pacer = RatePacer()
    pacer.observe(_headers(2, 3), sent=0.0, received=0.1)  # ends in (2.0, 3.1]
    assert pacer.delay(0.2) == 0.0  # requests left: go
    pacer.observe(_headers(1, 3), sent=0.4, received=0.5)  # (2.4, 3.5]
    pacer.observe(_headers(0, 2), sent=1.2, received=1.3)  # (2.2, 3.3]: still (2.4, 3.1]
    assert pacer.delay(1.5) == pytest.approx(1.6)  # until 3.1, not 1.3 + 2 whole seconds
    pacer.observe(_headers(0, 1), sent=2.05, received=2.1)  # (2.05, 3.1]: no better
    assert pacer.delay(2.2) == pytest.approx(0.9)


def test_an_answer_of_the_next_period_starts_afresh() -> None:
    pacer = RatePacer()
    pacer.observe(_headers(0, 1), sent=0.0, received=0.1)
    assert pacer.delay(0.1) == pytest.approx(1.0)
    pacer.observe(_headers(59, 10), sent=1.2, received=1.3)
    assert pacer.delay(1.3) == 0.0


def test_a_429_means_nothing_is_left_and_no_header_means_no_pacing() -> None:
    pacer = RatePacer()
    pacer.observe({"X-RateLimit-Reset": "2"}, sent=5.0, received=5.0, refused=True)
    assert pacer.delay(5.0) == 2.0
    pacer.waited()
    assert pacer.delay(5.0) == 0.0
    pacer.observe({}, sent=6.0, received=6.0, refused=True)
    assert pacer.delay(6.0) == 0.0


def test_client_waits_for_the_next_period_instead_of_sending_into_a_429() -> None:
    now = [100.0]
    sleeps: list[float] = []
    answers = [
        httpx.Response(200, headers=_headers(1, 2), json={"n": 1}),
        httpx.Response(200, headers=_headers(0, 2), json={"n": 2}),
        httpx.Response(200, headers=_headers(59, 10), json={"n": 3}),
    ]
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(now[0])
        now[0] += 0.25  # each exchange takes a quarter of a second
        return answers.pop(0)

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    client = DatadogClient(
        DatadogSettings(api_url="https://dd.test"),
        env={"DD_API_KEY": "k", "DD_APP_KEY": "a"},
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        clock=lambda: now[0],
    )

    async def run() -> list[object]:
        try:
            return [await client.request("POST", "/api/v2/x") for _ in range(3)]
        finally:
            await client.aclose()

    assert asyncio.run(run()) == [{"n": 1}, {"n": 2}, {"n": 3}]
    # The period ends by 100.25 + 2 (the first answer's bound): the third request waits
    # exactly until then, not 2 whole seconds after the second answer (100.5 + 2).
    assert sleeps == [pytest.approx(1.75)]
    assert sent[2] == pytest.approx(102.25)


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-1"])
def test_a_header_that_is_no_usable_number_is_ignored(value: str) -> None:
    # int(float("inf")) raises OverflowError: it would have left the client as a traceback.
    pacer = RatePacer()
    pacer.observe({"X-RateLimit-Remaining": value, "X-RateLimit-Reset": "2"}, 0.0, 0.1)
    pacer.observe({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": value}, 0.2, 0.3)
    assert pacer.delay(0.4) == 0.0

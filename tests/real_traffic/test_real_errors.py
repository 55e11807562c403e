"""Every error the real API has answered with reads, for users, as the API's own words: title,
detail and every meta entry, on one bounded line."""

from __future__ import annotations

import httpx
import pytest

from reconciler.clients.datadog_http import error_text
from tests.real_traffic.recordings import Exchange, exchanges, needs_recordings

pytestmark = needs_recordings

ERRORS = [e for e in exchanges() if e.response["status"] >= 400]


def test_the_recordings_hold_every_kind_of_error() -> None:
    assert {e.response["status"] for e in ERRORS} >= {400, 404, 409}


@pytest.mark.parametrize("exchange", ERRORS, ids=[e.label for e in ERRORS])
def test_recorded_error_maps_to_the_message_users_see(exchange: Exchange) -> None:
    body = exchange.response["body"]
    response = httpx.Response(exchange.response["status"], json=body)
    text = error_text(response)
    assert "\n" not in text and len(text) <= 2000
    for item in body["errors"]:
        # "title: detail", then every meta entry (which field, what was wrong).
        assert f"{item['title']}: {item['detail']}" in text
        for key, value in (item.get("meta") or {}).items():
            assert f"{key}: {value}" in text

"""The forms in which an API might echo a secret back in an error body."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus


def echoed_forms(secret: str) -> list[str]:
    """``secret`` as is, JSON- and repr-escaped, base64 (standard, and URL-safe unpadded),
    URL-encoded (both ways), and its first 12 characters (an echo cut short)."""
    raw = secret.encode()
    return [
        secret,
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        quote(secret, safe=""),
        quote_plus(secret),
        secret[:12],
    ]

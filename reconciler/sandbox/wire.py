"""What a handler answers: status, headers, body. The HTTP plumbing turns it into bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import random

    from reconciler.sandbox.faults import Fault


@dataclass
class Request:
    method: str
    path: str  # without the query string, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


def json_reply(status: int, payload: Any, content_type: str) -> Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Reply(status, body, {"Content-Type": content_type})


class Api(Protocol):
    """One emulated API behind the sandbox's socket. The server asks each registered API in
    turn whether a request is its own; the one that claims it answers, after the server has
    applied latency and drawn the request's fault (a dropped connection never reaches it)."""

    def claims(self, req: Request) -> bool: ...

    def handle(self, req: Request, fault: Fault, rng: random.Random) -> Reply: ...

"""Errors of the sandbox's AWS APIs (CloudWatch Logs, STS): a code, a message and an HTTP
status, each API writing them in its own wire format; and the faults they share."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox.faults import Fault
from reconciler.sandbox.wire import Reply


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    @property
    def kind(self) -> str:
        """Who is at fault, as the query protocol's ``<Type>`` says it."""
        return "Receiver" if self.status >= 500 else "Sender"


def answer(
    fault: Fault,
    dispatch: Callable[[], Reply],
    error_reply: Callable[[AwsError], Reply],
    *,
    unavailable: AwsError,
    throttled: AwsError,
) -> Reply:
    """The reply to one request: the injected fault's error (a 5xx, throttling), else what
    ``dispatch`` answers; an ``AwsError`` raised on the way is written by ``error_reply``."""
    try:
        if fault is Fault.ERROR:
            raise unavailable
        if fault is Fault.THROTTLE:
            raise throttled
        return dispatch()
    except AwsError as exc:
        return error_reply(exc)

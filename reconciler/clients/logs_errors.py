"""CloudWatch Logs failures as the user reads them: ``LogsApiError`` (keeping the AWS error code),
boto3/botocore exceptions translated, API text echoed only as a redacted, bounded excerpt."""

from __future__ import annotations

from reconciler import printable
from reconciler.errors import ApiError, ConfigError
from reconciler.redact import excerpt

SERVICE = "AWS CloudWatch Logs"

# Codes meaning "the request was not processed, try again later".
THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
)


class LogsApiError(ApiError):
    """An ``ApiError`` that keeps the AWS error code, so callers can tell "not found" apart."""

    def __init__(self, message: str, *, code: str | None, status: int | None = None) -> None:
        retryable = code in THROTTLING_CODES or (status is not None and status >= 500)
        super().__init__(message, service=SERVICE, status=status, retryable=retryable)
        self.code = code
        self.detail = message  # without the service prefix


def _one_line(text: str) -> str:
    return " ".join(text.split())


def bad_answer(operation: str, region: str, status: int, detail: str) -> LogsApiError:
    """The error for an answer that cannot be trusted (a 2xx that does not parse)."""
    return LogsApiError(f"{excerpt(detail)} ({operation} in {region})", code=None, status=status)


def translate(
    exc: Exception,
    operation: str,
    region: str,
    profile: str | None,
    *,
    deadline: float | None = None,
) -> Exception:
    """The ``ReconcilerError`` for a boto3/botocore failure; anything else is returned as is
    (a bug here, not a user problem)."""
    from botocore import exceptions as bx

    where = f"({operation} in {region})"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = printable.printable(str(error.get("Code") or "UnknownError"), 100)
        message = excerpt(str(error.get("Message") or ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"{code}: {message} {where}" if message else f"{code} {where}"
        if code == "LimitExceededException" and operation == "PutIntegration":
            text += (
                "; this is a quota (CloudWatch Logs allows one integration per account and "
                "region): import or delete the existing integration"
            )
        return LogsApiError(text, code=code, status=status)
    if isinstance(exc, bx.NoCredentialsError):
        return ConfigError(
            "no AWS credentials found: set AWS_PROFILE or [aws].profile, or the "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables " + where
        )
    if isinstance(exc, bx.PartialCredentialsError | bx.ProfileNotFound):
        # These messages name the profile or the missing variable, never a credential value.
        return ConfigError(
            f"{_one_line(str(exc))} {where}", field="aws.profile" if profile else None
        )
    url = printable.printable(str(getattr(exc, "kwargs", {}).get("endpoint_url", "the endpoint")))
    if isinstance(exc, bx.ReadTimeoutError):
        within = f" within {deadline:g}s ([aws] timeout_seconds)" if deadline else " in time"
        return LogsApiError(f"no complete answer from {url}{within} {where}", code=None)
    if isinstance(exc, bx.ConnectionClosedError):
        return LogsApiError(
            f"the connection to {url} closed before a complete answer {where}", code=None
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        return LogsApiError(f"cannot reach {url} {where}", code=None)
    if isinstance(exc, bx.ParamValidationError):
        return ConfigError(f"invalid request: {excerpt(str(exc))} {where}")
    if isinstance(exc, bx.BotoCoreError):
        return LogsApiError(f"{excerpt(str(exc))} {where}", code=None)
    return exc


def outcome_unknown(exc: LogsApiError) -> bool:
    """The request may have been carried out: a 5xx, no (complete) answer, or a 2xx that
    could not be read."""
    return exc.status is None or exc.status >= 500 or 200 <= exc.status < 300

"""boto3 access to the four CloudWatch Logs integration operations.

One boto3 client per region, built on first use (boto3 is imported then, not when this module
is), from boto3's usual credential chain and ``[aws].profile``. The endpoint is
``[aws].endpoint_url`` if set, else whatever boto3 resolves (it honours
``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`` and ``AWS_ENDPOINT_URL``; note ``AWS_ENDPOINT_URL_LOGS`` is
ignored). boto3 is synchronous, so every call runs in a worker thread: listing several regions
at once runs them side by side. Every failure leaves here as a ``ReconcilerError``.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from reconciler.errors import ApiError, ConfigError, ReconcilerError
from reconciler.settings import AwsSettings

if TYPE_CHECKING:
    from mypy_boto3_logs.client import CloudWatchLogsClient

SERVICE = "AWS CloudWatch Logs"
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 20.0

# Codes meaning "the request was not processed, try again later".
THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
)

T = TypeVar("T")

# (region, total_max_attempts) -> a boto3 "logs" client. Tests pass one wrapping a Stubber.
ClientFactory = Callable[[str, int], "CloudWatchLogsClient"]


class LogsApiError(ApiError):
    """An ``ApiError`` that keeps the AWS error code, so callers can tell "not found" apart."""

    def __init__(self, message: str, *, code: str | None, status: int | None = None) -> None:
        retryable = code in THROTTLING_CODES or (status is not None and status >= 500)
        super().__init__(message, service=SERVICE, status=status, retryable=retryable)
        self.code = code
        self.detail = message  # without the service prefix


def _one_line(text: str) -> str:
    return " ".join(text.split())


def translate(exc: Exception, operation: str, region: str, profile: str | None) -> Exception:
    """The ``ReconcilerError`` for a boto3/botocore failure; anything else is returned as is
    (a bug here, not a user problem)."""
    from botocore import exceptions as bx

    where = f"({operation} in {region})"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "UnknownError"
        message = _one_line(error.get("Message") or "")
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
    if isinstance(exc, bx.ReadTimeoutError):
        url = exc.kwargs.get("endpoint_url", "the endpoint")
        return LogsApiError(
            f"no answer from {url} within {READ_TIMEOUT_SECONDS:g}s {where}", code=None
        )
    if isinstance(
        exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError
    ):
        url = exc.kwargs.get("endpoint_url", "the endpoint")
        return LogsApiError(f"cannot reach {url} {where}", code=None)
    if isinstance(exc, bx.ParamValidationError):
        return ConfigError(f"invalid request: {_one_line(str(exc))} {where}")
    if isinstance(exc, bx.BotoCoreError):
        return LogsApiError(f"{_one_line(str(exc))} {where}", code=None)
    return exc


class LogsClient:
    def __init__(
        self,
        aws: AwsSettings,
        *,
        factory: ClientFactory | None = None,
        put_backoff_seconds: float = 1.0,
    ) -> None:
        self._aws = aws
        self._factory = factory
        self._put_backoff = put_backoff_seconds
        self._clients: dict[tuple[str, int], CloudWatchLogsClient] = {}
        self._session: Any = None
        # boto3 sessions are not thread-safe; clients are. Build clients under this lock.
        self._lock = threading.Lock()

    # -- clients ---------------------------------------------------------------------------
    def _client(self, region: str, attempts: int) -> CloudWatchLogsClient:
        with self._lock:
            client = self._clients.get((region, attempts))
            if client is None:
                build = self._factory or self._boto_client
                client = self._clients[(region, attempts)] = build(region, attempts)
            return client

    def _boto_client(self, region: str, attempts: int) -> CloudWatchLogsClient:
        import boto3
        from botocore.config import Config

        if self._session is None:
            self._session = boto3.session.Session(profile_name=self._aws.profile)
        config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        )
        return cast(
            "CloudWatchLogsClient",
            self._session.client(
                "logs", region_name=region, endpoint_url=self._aws.endpoint_url, config=config
            ),
        )

    async def _run(self, operation: str, region: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except ReconcilerError:
            raise
        except Exception as exc:
            translated = translate(exc, operation, region, self._aws.profile)
            if translated is exc:
                raise
            raise translated from None

    # -- operations ------------------------------------------------------------------------
    async def list_integrations(self, region: str) -> list[dict[str, Any]]:
        # Not paginated: no nextToken in the API, and at most one integration per region.
        def call() -> list[dict[str, Any]]:
            client = self._client(region, self._aws.max_attempts)
            response = cast(dict[str, Any], client.list_integrations())
            # A response of {} has no integrationSummaries key at all.
            return list(response.get("integrationSummaries", []))

        return await self._run("ListIntegrations", region, call)

    async def get_integration(self, region: str, name: str) -> dict[str, Any] | None:
        """The GetIntegration response (without ResponseMetadata), or None if not found."""

        def call() -> dict[str, Any]:
            client = self._client(region, self._aws.max_attempts)
            return _body(client.get_integration(integrationName=name))

        try:
            return await self._run("GetIntegration", region, call)
        except LogsApiError as exc:
            # ResourceNotFoundException comes as HTTP 400, not 404.
            if exc.code == "ResourceNotFoundException":
                return None
            raise

    async def put_integration(
        self, region: str, name: str, integration_type: str, resource_config: dict[str, Any]
    ) -> dict[str, Any]:
        # PutIntegration is not idempotent (a second Put for an existing integration fails),
        # and its LimitExceededException means "quota reached", which botocore's standard
        # mode wrongly retries as throttling. So Put goes through a client without SDK
        # retries, and only throttling (request certainly not processed) is retried here.
        # A 5xx or timeout is not retried: the integration may exist; the next plan shows it.
        def call() -> dict[str, Any]:
            client = self._client(region, 1)
            return _body(
                client.put_integration(
                    integrationName=name,
                    integrationType=cast(Any, integration_type),
                    resourceConfig=cast(Any, resource_config),
                )
            )

        attempt = 1
        while True:
            try:
                return await self._run("PutIntegration", region, call)
            except LogsApiError as exc:
                if exc.code not in THROTTLING_CODES or attempt >= self._aws.max_attempts:
                    raise
            delay = min(self._put_backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            await asyncio.sleep(random.uniform(0, delay))
            attempt += 1

    async def delete_integration(self, region: str, name: str, *, force: bool) -> bool:
        """True if deleted, False if it was already gone."""

        def call() -> None:
            client = self._client(region, self._aws.max_attempts)
            if force:
                client.delete_integration(integrationName=name, force=True)
            else:
                # Without force the key is left out, as the API's default is false.
                client.delete_integration(integrationName=name)

        try:
            await self._run("DeleteIntegration", region, call)
        except LogsApiError as exc:
            if exc.code == "ResourceNotFoundException":
                return False
            raise
        return True

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()


def _body(response: object) -> dict[str, Any]:
    body = dict(cast(dict[str, Any], response))
    body.pop("ResponseMetadata", None)
    return body

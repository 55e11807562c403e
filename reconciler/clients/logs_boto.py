"""boto3 access to the four CloudWatch Logs integration operations.

One boto3 client per region, built on first use (boto3 is imported then, not when this module
is), from boto3's usual credential chain and ``[aws].profile``. The endpoint is
``[aws].endpoint_url`` if set, else whatever boto3 resolves (it honours
``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`` and ``AWS_ENDPOINT_URL``; note ``AWS_ENDPOINT_URL_LOGS`` is
ignored). boto3 is synchronous, so every call runs in a worker thread of this client's own
bounded pool (never asyncio's default one, which other work shares): listing several regions,
or writing in several, runs them side by side. Every failure leaves here as a
``ReconcilerError``.

Requests go through ``logs_transport`` (a total deadline per request, ``[aws].timeout_seconds``,
and the raw 2xx body checked before botocore parses it); parsed answers are checked again
against ``logs_models``. AWS credentials are registered with ``reconciler.redact`` when a client
is built and at every request, and API error text is echoed only as a bounded, redacted
excerpt.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, cast

from reconciler import redact
from reconciler.clients import logs_models
from reconciler.clients.logs_errors import (
    SERVICE,
    THROTTLING_CODES,
    LogsApiError,
    bad_answer,
    outcome_unknown,
    translate,
)
from reconciler.errors import ReconcilerError
from reconciler.settings import AwsSettings

if TYPE_CHECKING:
    from mypy_boto3_logs.client import CloudWatchLogsClient

    from reconciler.clients.aws_roles import AssumedRole

CONNECT_TIMEOUT_SECONDS = 10.0  # within [aws].timeout_seconds, the deadline of a request
MAX_BACKOFF_SECONDS = 20.0
# Threads for boto3 calls: a list per region in use at once, or a few writes in flight. Calls
# mostly wait on the network, so this is not tied to the number of cores.
WORKERS = 8

T = TypeVar("T")

# (region, total_max_attempts) -> a boto3 "logs" client. Tests pass one wrapping a Stubber.
ClientFactory = Callable[[str, int], "CloudWatchLogsClient"]
OnRetry = Callable[[str], None]


__all__ = ["SERVICE", "THROTTLING_CODES", "LogsApiError", "LogsClient", "translate"]


class LogsClient:
    def __init__(
        self,
        aws: AwsSettings,
        *,
        factory: ClientFactory | None = None,
        put_backoff_seconds: float = 1.0,
        role: AssumedRole | None = None,
        connection: str | None = None,
        own_profile: str | None = None,
    ) -> None:
        self._aws = aws
        self._role = role  # assumed (from the session's credentials) before the first call
        self._connection = connection  # a named [aws.accounts] connection, for messages
        self._own_profile = own_profile  # that account's profile: it must give credentials
        self._factory = factory
        self._put_backoff = put_backoff_seconds
        self._clients: dict[tuple[str, int], CloudWatchLogsClient] = {}
        self._session: Any = None
        # Why the session could not be made (a role that cannot be assumed, a profile without
        # credentials of its own): every later region fails with it, without asking STS again.
        self._session_error: ReconcilerError | None = None
        # boto3 sessions are not thread-safe; clients are. Build clients under this lock.
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        # Not the build lock: the event loop takes this one, and must never wait for a build.
        self._executor_lock = threading.Lock()

    # -- clients ---------------------------------------------------------------------------
    def _client(self, region: str, attempts: int) -> CloudWatchLogsClient:
        # A built client is used without the lock, so calls in a region whose client exists
        # never wait for another region's client being built.
        client = self._clients.get((region, attempts))
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get((region, attempts))  # built while this thread waited?
            if client is None:
                build = self._factory or self._boto_client
                client = self._clients[(region, attempts)] = build(region, attempts)
            return client

    def _boto_client(self, region: str, attempts: int) -> CloudWatchLogsClient:
        from botocore.config import Config

        from reconciler.clients.aws_roles import assume, check_profile
        from reconciler.clients.boto_sessions import BUILD_LOCK, new_session
        from reconciler.clients.logs_transport import DeadlineTransport

        deadline = self._aws.timeout_seconds
        config = Config(
            retries={"mode": "standard", "total_max_attempts": attempts},
            connect_timeout=min(CONNECT_TIMEOUT_SECONDS, deadline),
            read_timeout=deadline,
        )
        if self._session_error is not None:
            raise self._session_error
        if self._session is None:
            session = new_session(self._aws.profile)
            try:
                if self._own_profile is not None and self._connection is not None:
                    check_profile(session, self._connection, self._own_profile)
                if self._role is not None:
                    assume(session, self._role, region, self._aws)
            except ReconcilerError as exc:
                self._session_error = exc
                raise
            self._session = session
        with BUILD_LOCK:  # several accounts' clients share the botocore loader
            client = self._session.client(
                "logs", region_name=region, endpoint_url=self._aws.endpoint_url, config=config
            )
        credentials = self._session.get_credentials()
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            redact.register(frozen.secret_key)
            redact.register(frozen.token)
        DeadlineTransport(
            deadline=deadline,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            # [profile] ca_bundle / AWS_CA_BUNDLE, as botocore's own transport would use it.
            ca_bundle=self._session._session.get_config_variable("ca_bundle"),
            credentials=credentials,
            bad_answer=lambda operation, status, detail: bad_answer(
                operation, region, status, detail
            ),
        ).register(client.meta.events)
        return cast("CloudWatchLogsClient", client)

    def _pool(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="reconciler-logs")
            return self._executor

    async def _run(self, operation: str, region: str, call: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        # As asyncio.to_thread does: the call sees this task's context variables.
        in_context = functools.partial(contextvars.copy_context().run, call)
        try:
            return await loop.run_in_executor(self._pool(), in_context)
        except ReconcilerError:
            raise
        except Exception as exc:
            where = region if self._connection is None else f"{region}, account {self._connection}"
            translated = translate(
                exc, operation, where, self._aws.profile, deadline=self._aws.timeout_seconds
            )
            if translated is exc:
                raise
            raise translated from None

    # -- operations ------------------------------------------------------------------------
    async def list_integrations(self, region: str) -> list[dict[str, Any]]:
        """The integration summaries, every one checked: none dropped, no name twice."""

        # Not paginated: no nextToken in the API, and at most one integration per region.
        def call() -> list[dict[str, Any]]:
            client = self._client(region, self._aws.max_attempts)
            body = _checked("ListIntegrations", region, client.list_integrations())
            # A response of {} has no integrationSummaries key at all: "none".
            summaries: list[dict[str, Any]] = body.get("integrationSummaries", [])
            return summaries

        summaries = await self._run("ListIntegrations", region, call)
        seen: set[str] = set()
        for summary in summaries:
            name = summary["integrationName"]
            if name in seen:
                raise bad_answer(
                    "ListIntegrations", region, 200, f"integration {name} is listed twice"
                )
            seen.add(name)
        return summaries

    async def get_integration(self, region: str, name: str) -> dict[str, Any] | None:
        """The GetIntegration response (without ResponseMetadata), or None if not found."""

        def call() -> dict[str, Any]:
            client = self._client(region, self._aws.max_attempts)
            return _checked("GetIntegration", region, client.get_integration(integrationName=name))

        try:
            body = await self._run("GetIntegration", region, call)
        except LogsApiError as exc:
            # ResourceNotFoundException comes as HTTP 400, not 404.
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        if body["integrationName"] != name:
            raise bad_answer(
                "GetIntegration", region, 200, f"asked for {name}, answered another integration"
            )
        return body

    async def put_integration(
        self,
        region: str,
        name: str,
        integration_type: str,
        resource_config: dict[str, Any],
        *,
        on_retry: OnRetry | None = None,
    ) -> dict[str, Any]:
        """Create the integration; returns the PutIntegration answer, or the GetIntegration
        answer of the integration it adopted when the Put's outcome was unknown.

        PutIntegration is not idempotent (a second Put for an existing integration fails),
        and its LimitExceededException means "quota reached", which botocore's standard mode
        wrongly retries as throttling. So Put goes through a client without SDK retries and
        its outcome is resolved here, never guessed:
        - throttling: the request was not processed; sent again after a backoff;
        - a 5xx, a missed deadline, a dropped connection or a 2xx that does not parse: the
          integration may or may not exist. GetIntegration decides: it exists -> adopted
          (the caller waits until ACTIVE as after any Put); it does not -> sent again;
        - a Put sent again that is refused after such an unknown outcome: the first one may
          have been made and not been visible yet, so GetIntegration is asked once more.
        At most [aws].max_attempts Puts, with exponential backoff and full jitter."""

        def call() -> dict[str, Any]:
            client = self._client(region, 1)
            return _checked(
                "PutIntegration",
                region,
                client.put_integration(
                    integrationName=name,
                    integrationType=cast(Any, integration_type),
                    resourceConfig=cast(Any, resource_config),
                ),
            )

        attempts = self._aws.max_attempts
        unknown: LogsApiError | None = None  # the last Put whose outcome was unknown
        attempt = 1
        while True:
            try:
                return await self._run("PutIntegration", region, call)
            except LogsApiError as exc:
                if exc.code in THROTTLING_CODES:
                    reason = exc.code
                elif outcome_unknown(exc):
                    unknown = exc
                    existing = await self._resolve(region, name, exc)
                    if existing is not None:
                        _note(
                            on_retry,
                            f"{name}: PutIntegration's answer was lost ({exc.detail}); "
                            "the integration exists: adopting it",
                        )
                        return existing
                    reason = f"{exc.detail}; GetIntegration finds no integration {name}"
                else:
                    if unknown is not None:
                        existing = await self._resolve(region, name, exc)
                        if existing is not None:
                            _note(on_retry, f"{name}: made by an earlier attempt; adopting it")
                            return existing
                    raise
                if attempt >= attempts:
                    raise LogsApiError(
                        f"PutIntegration for {name} failed {attempt} times; last: {reason}",
                        code=exc.code,
                        status=exc.status,
                    ) from None
            delay = min(self._put_backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            delay = random.uniform(0, delay)
            _note(on_retry, f"{name}: PutIntegration: {reason}; sending again in {delay:.1f}s")
            await asyncio.sleep(delay)
            attempt += 1

    async def _resolve(
        self, region: str, name: str, put_error: LogsApiError
    ) -> dict[str, Any] | None:
        """GetIntegration after a Put whose outcome is unknown; if it cannot tell either,
        one error saying so (nothing is guessed)."""
        try:
            return await self.get_integration(region, name)
        except ReconcilerError as exc:
            detail = exc.detail if isinstance(exc, LogsApiError) else str(exc)
            raise LogsApiError(
                f"PutIntegration for {name} may or may not have created it ({put_error.detail}), "
                f"and GetIntegration could not tell ({detail}); run plan again: it shows the "
                "integration if it exists",
                code=None,
            ) from None

    async def delete_integration(self, region: str, name: str, *, force: bool) -> bool:
        """True if deleted, False if it was already gone."""

        def call() -> None:
            client = self._client(region, self._aws.max_attempts)
            if force:
                response = client.delete_integration(integrationName=name, force=True)
            else:
                # Without force the key is left out, as the API's default is false.
                response = client.delete_integration(integrationName=name)
            _checked("DeleteIntegration", region, response)

        try:
            await self._run("DeleteIntegration", region, call)
        except LogsApiError as exc:
            if exc.code == "ResourceNotFoundException":
                return False
            raise
        return True

    def close(self) -> None:
        with self._executor_lock:
            executor, self._executor = self._executor, None
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        if executor is not None:
            executor.shutdown(wait=True)  # no call in flight uses a closed client
        for client in clients:
            client.close()


def _checked(operation: str, region: str, response: object) -> dict[str, Any]:
    """botocore's parsed answer (without ResponseMetadata), checked against the model.
    The raw body was checked already by the transport; a Stubber's answer was not."""
    if not isinstance(response, dict):
        raise bad_answer(operation, region, 200, "unexpected answer: not an object")
    body = dict(response)
    body.pop("ResponseMetadata", None)
    try:
        logs_models.validate(logs_models.RESPONSES[operation], body)
    except logs_models.BadAnswer as exc:
        raise bad_answer(operation, region, 200, str(exc)) from None
    return body


def _note(on_retry: OnRetry | None, message: str) -> None:
    if on_retry is not None:
        on_retry(message)

"""The ``aws_logs_integration`` kind: a CloudWatch Logs integration with OpenSearch Service.

API facts that shape this module:
- There is no update operation (PutIntegration "can't modify an existing integration"), so
  every change is a replacement: delete, wait until gone, create (CloudFormation's
  ``delete_then_create``). At most one integration exists per account and region, so
  create-before-destroy is impossible.
- GetIntegration returns none of the configuration except the application actually in use.
  dataSourceRoleArn, dashboardViewerPrincipals, retentionDays and kmsKeyArn are write-only:
  the planner compares them against the state's last-applied record.
- Creation is asynchronous (PROVISIONING for "a few minutes") and there is no waiter, so
  create polls GetIntegration. Deletion has no DELETING status; delete polls until not found.
- ResourceNotFoundException is HTTP 400, not 404.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from reconciler.clients.aws_roles import assumed_role
from reconciler.clients.logs_boto import SERVICE, LogsApiError, LogsClient
from reconciler.errors import ApiError, ConfigError, ReconcilerError
from reconciler.kinds import aws_accounts, connections, polling
from reconciler.kinds.aws_names import ALL_REGIONS, REGION, region_hint
from reconciler.kinds.base import DiffRules, Observed, Progress, ResourceSpec
from reconciler.kinds.logs_spec import AwsLogsIntegrationSpec, resource_config
from reconciler.kinds.logs_status import (
    PENDING_APPLICATION_NOTE,
    UNNAMED_APPLICATION_NOTE,
    component_problems,
    details_of,
    health,
    notes,
)
from reconciler.printable import printable
from reconciler.settings import Settings

_T = TypeVar("_T")

RULES = DiffRules(
    # No update operation: any change at all forces a replacement.
    replace_paths=("*",),
    # Sent in PutIntegration, never returned by GetIntegration.
    write_only_paths=(
        "opensearch.data_source_role_arn",
        "opensearch.dashboard_viewer_principals",
        "opensearch.retention_days",
        "opensearch.kms_key_arn",
    ),
    # When the TOML leaves it out, the service creates or reuses an application.
    computed_paths=("opensearch.application_arn",),
    set_paths=("opensearch.dashboard_viewer_principals",),
)

# Delete errors that may mean "vended dashboards exist and force was not given"; the API does
# not document which one it returns.
DASHBOARDS_EXIST_CODES = frozenset({"ValidationException", "InvalidParameterException"})


def _spec(spec: ResourceSpec) -> AwsLogsIntegrationSpec:
    if not isinstance(spec, AwsLogsIntegrationSpec):
        raise TypeError(f"expected an aws_logs_integration spec, got {type(spec).__name__}")
    return spec


class AwsLogsIntegration:
    name: ClassVar[str] = "aws_logs_integration"
    spec: ClassVar[type[ResourceSpec]] = AwsLogsIntegrationSpec
    rules: ClassVar[DiffRules] = RULES
    write_concurrency: ClassVar[int] = 4  # one integration per account and region, each apart
    one_per_scope: ClassVar[bool] = True

    def __init__(
        self,
        settings: Settings,
        *,
        client: LogsClient | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._environ = os.environ if environ is None else environ
        # One client per AWS account connection (None: the default one). Building one
        # imports nothing from boto3; that happens on its first call. A client given here
        # serves the default connection.
        self._clients: dict[str | None, LogsClient] = {} if client is None else {None: client}

    def _label(self, account: str | None) -> str | None:
        return aws_accounts.label(self._settings.aws, account)

    def _at(self, scope: str) -> tuple[LogsClient, str]:
        """The client and region of a scope ("eu-west-1", "prod@210987654321:eu-west-1")."""
        label, region = connections.split(scope)
        account = aws_accounts.reached(self._settings.aws, label, "aws_logs_integration")
        client = self._clients.get(account)
        if client is None:
            aws = self._settings.aws
            role = None if account is None else assumed_role(aws, account)
            own = None if account is None else aws.accounts[account].profile
            client = LogsClient(
                aws.for_account(account), role=role, connection=account, own_profile=own
            )
            self._clients[account] = client
        return client, region

    # -- pure ------------------------------------------------------------------------------
    def default_region(self, account: str | None = None) -> str | None:
        """The account's region, else [aws].region, else AWS_REGION, else AWS_DEFAULT_REGION."""
        named = None if account is None else self._settings.aws.accounts[account].region
        for source, value in (
            (f"[aws.accounts.{account}].region", named),
            ("[aws].region", self._settings.aws.region),
            ("AWS_REGION", self._environ.get("AWS_REGION")),
            ("AWS_DEFAULT_REGION", self._environ.get("AWS_DEFAULT_REGION")),
        ):
            if value:
                if not REGION.fullmatch(value) or value not in ALL_REGIONS:
                    shown = printable(value, 80)
                    raise ConfigError(
                        f"{source} is '{shown}', which is not an AWS region"
                        f"{region_hint(value, ALL_REGIONS)}",
                        field="region",
                    )
                return value
        return None

    def account(self, spec: ResourceSpec) -> str | None:
        """The spec's AWS account connection, checked against [aws.accounts]."""
        declared = self._settings.aws.accounts
        return connections.check(_spec(spec).account, declared, "aws.accounts", "account")

    def region(self, spec: ResourceSpec) -> str:
        s = _spec(spec)
        account = self.account(s)
        region = s.region or self.default_region(account)
        if region is None:
            where = "[aws].region" if account is None else f"[aws.accounts.{account}].region"
            raise ConfigError(
                f"no region for integration {s.integration_name}: set region here, "
                f"{where}, or AWS_REGION",
                field="region",
            )
        return region

    def natural_key(self, spec: ResourceSpec) -> str:
        s = _spec(spec)
        label = self._label(self.account(s))
        return connections.qualify(label, f"{self.region(s)}/{s.integration_name}")

    def scope(self, natural_key: str) -> str:
        # Names may contain "/", regions and connection names never do: the first "/" ends
        # the scope.
        return natural_key.split("/", 1)[0]

    def desired_values(self, spec: ResourceSpec) -> dict[str, Any]:
        s = _spec(spec)
        o = s.opensearch
        return {
            "integration_name": s.integration_name,
            "integration_type": s.integration_type,
            "opensearch": {
                "data_source_role_arn": o.data_source_role_arn,
                "dashboard_viewer_principals": list(o.dashboard_viewer_principals),
                "retention_days": o.retention_days,
                "kms_key_arn": o.kms_key_arn,
                "application_arn": o.application_arn,
            },
        }

    def options(self, spec: ResourceSpec) -> dict[str, Any]:
        return {"force_delete": _spec(spec).force_delete}

    def normalise(self, raw: dict[str, Any], scope: str) -> Observed:
        name = raw.get("integrationName")
        if not isinstance(name, str) or not name:
            raise ApiError(
                f"GetIntegration in {scope} returned no integrationName", service=SERVICE
            )
        kind_of = raw.get("integrationType")
        if not isinstance(kind_of, str) or not kind_of:
            # It forces a replacement when it differs: an answer without it is unreadable.
            raise ApiError(
                f"GetIntegration for {printable(name, 80)} in {scope} returned no integrationType",
                service=SERVICE,
            )
        details = details_of(raw) or {}
        application = details.get("application")
        app_arn = application.get("applicationArn") if isinstance(application, dict) else None
        values = {
            "integration_name": name,
            "integration_type": kind_of,
            # The only configuration member GetIntegration reports back: the application
            # in use (server-chosen when the TOML leaves application_arn out).
            "opensearch": {"application_arn": app_arn},
        }
        status = raw.get("integrationStatus")
        # While provisioning, the application shows up only once it exists: a pinned
        # application_arn is compared then, not planned as a replacement before. An ACTIVE
        # integration should name it; one that does not is not read as "no application"
        # either (a replacement planned from a missing field would delete the integration and
        # its dashboards): the comparison waits, and the plan says so. (A status this version
        # does not know is left as it is too, and already has its note; FAILED is replaced
        # anyway; an answer without a status defers nothing.)
        pending = app_arn is None and isinstance(status, str) and status != "FAILED"
        found = notes(raw)
        if pending and status == "PROVISIONING":
            found = (*found, PENDING_APPLICATION_NOTE)
        elif pending and status == "ACTIVE":
            found = (*found, UNNAMED_APPLICATION_NOTE)
        return Observed(
            natural_key=f"{scope}/{name}",
            remote_id=name,
            values=values,
            health=health(raw),
            notes=found,
            unreported=("opensearch.application_arn",) if pending else (),
        )

    def spec_table(self, observed: Observed) -> dict[str, Any]:
        # The write-only members (data_source_role_arn, dashboard_viewer_principals,
        # retention_days, kms_key_arn) cannot be read back, and are left out: the table does
        # not validate, so `import` stops and names the missing field. Placeholders would be
        # worse: the state would record them as applied, and correcting them in the TOML
        # afterwards would replace the integration. Declaring the table and running plan
        # imports it instead.
        values = observed.values
        opensearch: dict[str, Any] = {}
        app_arn = values.get("opensearch", {}).get("application_arn")
        if app_arn:
            opensearch["application_arn"] = app_arn
        label, region = connections.split(self.scope(observed.natural_key))
        account = connections.unlabel(label)[0]
        table: dict[str, Any] = {
            "integration_name": values["integration_name"],
            **({"account": account} if account else {}),
            "region": region,
        }
        if values.get("integration_type"):
            table["integration_type"] = values["integration_type"]
        table["opensearch"] = opensearch
        return table

    # -- reads -----------------------------------------------------------------------------
    def default_scopes(self, used: Collection[str]) -> list[str]:
        # The default region of every account the configuration or state uses (of the
        # default account when none is used): never an account it does not name.
        declared = {None, *self._settings.aws.accounts}
        if used:
            accounts = {connections.unlabel(connections.split(s)[0])[0] for s in used}
        else:
            # Import: every named account, and the default one only when none is named
            # (named accounts are often all a CI role may reach).
            accounts = declared - {None} or {None}
        found = []
        # An account the configuration no longer declares has no default region; listing
        # its scopes in use (from the state) says what is wrong.
        for account in accounts & declared:
            region = self.default_region(account)
            if region:
                found.append(connections.qualify(self._label(account), region))
        return found

    async def list(self, scope: str) -> list[Observed]:
        client, region = self._at(scope)
        # The client checked every summary (a name each, no name twice): none is dropped.
        summaries = await client.list_integrations(region)
        names = [s["integrationName"] for s in summaries]
        raws = await asyncio.gather(*(client.get_integration(region, n) for n in names))
        missing = [n for n, raw in zip(names, raws, strict=True) if raw is None]
        if missing:
            # Listed, then not found: deleted in between, or a Get that lags behind. Either
            # way the listing cannot be trusted as it is; "absent" would plan a create.
            raise ApiError(
                f"ListIntegrations in {scope} named {printable(missing[0], 80)}, which "
                "GetIntegration did not find; run plan again",
                service=SERVICE,
            )
        return [self.normalise(raw, scope) for raw in raws if raw is not None]

    async def check_live(self, specs: Mapping[str, ResourceSpec]) -> Sequence[tuple[str, str, str]]:
        return []  # nothing the live API lists that the model does not already check

    async def get(self, natural_key: str, remote_id: str) -> Observed | None:
        scope = self.scope(natural_key)
        client, region = self._at(scope)
        raw = await client.get_integration(region, remote_id)
        return None if raw is None else self.normalise(raw, scope)

    # -- writes ----------------------------------------------------------------------------
    async def create(self, spec: ResourceSpec, progress: Progress) -> Observed:
        s = _spec(spec)
        scope = self.scope(self.natural_key(s))
        client, region = self._at(scope)
        config = {"openSearchResourceConfig": resource_config(s.opensearch)}
        # A Put whose outcome is unknown is resolved by the client (adopt or send again).
        await client.put_integration(
            region, s.integration_name, s.integration_type, config, on_retry=progress
        )
        progress(f"{s.integration_name}: created in {scope}, waiting until ACTIVE")
        return await self._wait_active(scope, s.integration_name, progress)

    async def update(self, spec: ResourceSpec, observed: Observed, progress: Progress) -> Observed:
        raise ReconcilerError(
            "aws_logs_integration cannot be updated in place (the API has no update "
            "operation); every change must be planned as a replacement"
        )

    async def delete(
        self, natural_key: str, remote_id: str, options: dict[str, Any], progress: Progress
    ) -> None:
        scope = self.scope(natural_key)
        client, region = self._at(scope)
        force = options.get("force_delete") is True
        try:
            existed = await client.delete_integration(region, remote_id, force=force)
        except LogsApiError as exc:
            if force or exc.code not in DASHBOARDS_EXIST_CODES:
                raise
            raise LogsApiError(
                f"{exc.detail}; if the integration has vended dashboards, set "
                "force_delete = true (this deletes the dashboards and their data)",
                code=exc.code,
                status=exc.status,
            ) from None
        if not existed:
            progress(f"{remote_id}: already gone from {scope}")
            return
        await self._wait_gone(scope, remote_id, progress)

    async def aclose(self) -> None:
        # close() waits for calls still in flight (a failure or an interrupt elsewhere): in a
        # thread, so the event loop goes on meanwhile.
        for client in self._clients.values():
            await asyncio.to_thread(client.close)

    # -- waits -----------------------------------------------------------------------------
    async def _wait_active(self, scope: str, name: str, progress: Progress) -> Observed:
        def check(raw: dict[str, Any] | None) -> Observed | str:
            if raw is None:
                # GetIntegration can lag behind PutIntegration for a moment.
                return "not visible yet"
            status = str(raw.get("integrationStatus"))
            if status == "ACTIVE":
                observed = self.normalise(raw, scope)
                if observed.health:
                    progress(f"{name}: ACTIVE but unhealthy: {observed.health}")
                return observed
            if status == "FAILED":
                problems = component_problems(details_of(raw))
                detail = f" ({'; '.join(problems)})" if problems else ""
                raise ApiError(
                    f"integration {name} in {scope} FAILED while being created{detail}; "
                    "the next plan replaces it",
                    service=SERVICE,
                )
            return status

        def timed_out(timeout: float, status: str) -> str:
            return (
                f"integration {name} in {scope} is not ACTIVE after the "
                f"{timeout:g}s wait timeout ([aws].wait_timeout_seconds; still {status}); "
                "it may still finish: run plan again later"
            )

        return await self._poll(scope, name, progress, check, timed_out)

    async def _wait_gone(self, scope: str, name: str, progress: Progress) -> None:
        def check(raw: dict[str, Any] | None) -> str | None:
            return None if raw is None else "being deleted"

        def timed_out(timeout: float, state: str) -> str:
            return (
                f"integration {name} in {scope} still exists {timeout:g}s after "
                "DeleteIntegration ([aws].wait_timeout_seconds)"
            )

        await self._poll(scope, name, progress, check, timed_out)

    async def _poll(
        self,
        scope: str,
        name: str,
        progress: Progress,
        check: Callable[[dict[str, Any] | None], _T | str],
        timed_out: Callable[[float, str], str],
    ) -> _T:
        client, region = self._at(scope)
        aws = self._settings.aws
        return await polling.poll(
            lambda: client.get_integration(region, name),
            check,
            lambda timeout, state: ApiError(timed_out(timeout, state), service=SERVICE),
            lambda elapsed, state: progress(f"{name}: still {state} ({elapsed:.0f}s)"),
            timeout=aws.wait_timeout_seconds,
            interval=aws.poll_interval_seconds,
        )

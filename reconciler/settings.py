"""Provider and backend settings: the ``[datadog]``, ``[aws]`` and ``[state]`` tables.

These say where to connect, never what to manage. Credentials are not kept here: Datadog keys
come from ``DD_API_KEY`` / ``DD_APP_KEY`` (a named organisation's from the variables its
``api_key`` / ``app_key`` references name) and AWS uses boto3's own credential chain, all read
by the kinds when they first talk to an API (so ``validate`` needs no credentials).

Named connections: ``[aws.accounts.<name>]`` (a profile, or a role assumed through STS from
the base credentials) and ``[datadog.orgs.<name>]`` (a site and its own key pair). A resource
names one with ``account = "<name>"`` / ``org = "<name>"``; without one it uses the
default connection, ``[aws]`` / ``[datadog]`` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from reconciler.kinds.arns import check_role_arn
from reconciler.kinds.aws_names import check_region
from reconciler.printable import printable
from reconciler.secrets import ENV_REF

DATADOG_SITES = (
    "datadoghq.com",
    "us3.datadoghq.com",
    "us5.datadoghq.com",
    "ap1.datadoghq.com",
    "ap2.datadoghq.com",
    "uk1.datadoghq.com",
    "datadoghq.eu",
    "ddog-gov.com",
    "us2.ddog-gov.com",
)


def check_url(value: str | None) -> str | None:
    """An http(s) URL with a host: where API keys are sent, a typo must not go unnoticed."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise PydanticCustomError("url", "expected an http:// or https:// URL with a host")
    return value


# A connection's name: it is written into natural keys ("<name>:<id>"), so no ":" or "/".
CONNECTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")
# STS: RoleSessionName [\w+=,.@-]{2,64}; ExternalId [\w+=,.@:/-]{2,1224} (ASCII only here).
SESSION_NAME = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
# The default organisation's variables: a named one reading them would send those keys away.
DEFAULT_ORG_VARIABLES = frozenset(
    {"DD_API_KEY", "DD_APP_KEY", "DD_APPLICATION_KEY", "DD_SITE", "DD_HOST"}
)
EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")


def _check_site(v: str | None) -> str | None:
    if v is not None and v not in DATADOG_SITES:
        known = ", ".join(DATADOG_SITES)
        raise ValueError(f"unknown Datadog site {printable(repr(v), 80)}; expected one of {known}")
    return v


def _check_names(names: Mapping[str, object], table: str) -> None:
    for name in names:
        if not CONNECTION_NAME.fullmatch(name):
            raise PydanticCustomError(
                "connection_name",
                "{table}.{name}: a connection name is a letter, then letters, digits, '_' or '-' "
                "(at most 63)",
                {"table": table, "name": printable(repr(name), 80)},
            )


def _check_connections(
    named: Mapping[str, object], table: str, owned: Iterable[tuple[str, str]], refusal: str
) -> None:
    """The connection names of ``table`` checked, and the first thing two of them both claim
    (from (connection, thing) pairs) refused with ``refusal``, which may name ``{first}``,
    ``{name}`` and ``{what}``."""
    _check_names(named, table)
    owner: dict[str, str] = {}
    for name, what in owned:
        first = owner.setdefault(what, name)
        if first != name:
            raise PydanticCustomError(
                "shared_connection", refusal, {"first": first, "name": name, "what": what}
            )


def _optional(check: Callable[[str], str]) -> AfterValidator:
    return AfterValidator(lambda v: None if v is None else check(v))


Site = Annotated[str | None, AfterValidator(_check_site)]
Url = Annotated[str | None, AfterValidator(check_url)]
Region = Annotated[str | None, _optional(check_region)]
RoleArn = Annotated[str | None, _optional(check_role_arn)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DatadogOrg(_Strict):
    """``[datadog.orgs.<name>]``: another Datadog organisation, with its own key pair."""

    site: Site = Field(None, description="Its Datadog site; default datadoghq.com.")
    api_url: Url = Field(None, description="Overrides the site (a proxy, a test server).")
    api_key: str = Field(description="Its API key, as ${env:NAME}: read when first needed.")
    app_key: str = Field(description="Its application key, as ${env:NAME}.")

    @field_validator("api_key", "app_key")
    @classmethod
    def _reference(cls, v: str) -> str:
        match = ENV_REF.match(v)
        if not match:
            raise PydanticCustomError(
                "secret_literal",
                "keys must be written as ${env:NAME} (the variable that holds the key), "
                "never as the key itself",
            )
        name = match.group(1)
        if name in DEFAULT_ORG_VARIABLES or name.startswith("AWS_"):
            # The default organisation's keys would be sent to this one's site.
            raise PydanticCustomError(
                "shared_key",
                "{name} belongs to the default connection ([datadog]); give this organisation "
                "variables of its own",
                {"name": name},
            )
        return v

    @model_validator(mode="after")
    def _two_keys(self) -> DatadogOrg:
        if self.api_key == self.app_key:
            raise ValueError("api_key and app_key name the same variable")
        return self

    def key_variables(self) -> tuple[str, str]:
        """The environment variables holding (API key, application key)."""
        api, app = ENV_REF.match(self.api_key), ENV_REF.match(self.app_key)
        assert api is not None and app is not None  # checked when the table was read
        return api.group(1), app.group(1)


class DatadogSettings(_Strict):
    site: Site = None  # None: DD_SITE, else datadoghq.com
    api_url: Url = None  # overrides the site; env DD_HOST
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    orgs: dict[str, DatadogOrg] = {}

    @field_validator("orgs")
    @classmethod
    def _org_names(cls, v: dict[str, DatadogOrg]) -> dict[str, DatadogOrg]:
        # One org's keys would be sent to the other's site, as the other.
        _check_connections(
            v,
            "datadog.orgs",
            ((name, var) for name, org in v.items() for var in org.key_variables()),
            "datadog.orgs.{first} and datadog.orgs.{name} both read {what}: each "
            "organisation needs variables of its own",
        )
        return v

    def for_org(self, name: str | None) -> DatadogSettings:
        """The settings a client of this organisation uses (None: the default one)."""
        if name is None:
            return self
        org = self.orgs[name]
        return self.model_copy(update={"site": org.site, "api_url": org.api_url, "orgs": {}})


class AwsAccount(_Strict):
    """``[aws.accounts.<name>]``: another AWS account, through a profile or an assumed role."""

    profile: str | None = Field(
        None,
        description="A profile of the AWS config files (its credentials, or the source "
        "credentials of role_arn).",
    )
    role_arn: RoleArn = Field(
        None,
        description="A role to assume through STS, from the profile or else the base "
        "credentials ([aws]).",
    )
    external_id: str | None = Field(None, description="The ExternalId the role's trust requires.")
    session_name: str | None = Field(None, description="RoleSessionName; default reconciler.")
    region: Region = Field(None, description="Default region of this account's resources.")

    @property
    def role_account(self) -> str | None:
        """The AWS account of ``role_arn`` (known from the ARN, without calling AWS)."""
        return self.role_arn.split(":")[4] if self.role_arn else None

    @field_validator("session_name")
    @classmethod
    def _session(cls, v: str | None) -> str | None:
        if v is not None and not SESSION_NAME.fullmatch(v):
            raise ValueError("2 to 64 of letters, digits and _ + = , . @ -")
        return v

    @field_validator("external_id")
    @classmethod
    def _external(cls, v: str | None) -> str | None:
        if v is not None and not EXTERNAL_ID.fullmatch(v):
            raise ValueError("2 to 1224 of letters, digits and _ + = , . @ : / -")
        return v

    @model_validator(mode="after")
    def _how(self) -> AwsAccount:
        if self.profile is None and self.role_arn is None:
            raise ValueError("set profile, role_arn, or both (role_arn assumed from the profile)")
        if self.role_arn is None and (self.external_id or self.session_name):
            raise ValueError("external_id and session_name apply to role_arn, which is not set")
        return self


class AwsSettings(_Strict):
    region: Region = None  # default region for aws_* kinds; else AWS_REGION / profile
    endpoint_url: Url = None  # else AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / AWS_ENDPOINT_URL
    profile: str | None = None
    max_attempts: int = Field(5, ge=1, le=20)
    timeout_seconds: float = Field(60.0, gt=0)  # one request, whole (not per read)
    wait_timeout_seconds: float = Field(1800.0, gt=0)  # create: wait until ACTIVE
    poll_interval_seconds: float = Field(10.0, gt=0)
    sts_endpoint_url: Url = None  # for role_arn; else AWS_ENDPOINT_URL_STS, regional
    accounts: dict[str, AwsAccount] = {}

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, v: dict[str, AwsAccount]) -> dict[str, AwsAccount]:
        # Two connections to one account: one integration could be declared twice, and the
        # one-per-region quota could not be checked before apply.
        _check_connections(
            v,
            "aws.accounts",
            ((name, a.role_account) for name, a in v.items() if a.role_account),
            "aws.accounts.{first} and aws.accounts.{name} both assume a role in AWS "
            "account {what}: use one connection per account",
        )
        return v

    def for_account(self, name: str | None) -> AwsSettings:
        """The settings a client of this account uses (None: the default one). A role is
        assumed from the account's profile, else from the base credentials ([aws].profile or
        boto3's chain)."""
        if name is None:
            return self
        account = self.accounts[name]
        return self.model_copy(
            update={
                "profile": account.profile or self.profile,
                "region": account.region or self.region,
                "accounts": {},
            }
        )


class StateSettings(_Strict):
    backend: Literal["local", "s3"] = "local"
    path: str | None = None  # local: default state/reconciler.tfstate.json
    bucket: str | None = None  # s3
    key: str | None = None  # s3
    region: str | None = None  # s3 (S3-compatible stores name their own: not checked)
    endpoint_url: Url = None  # s3
    lock_timeout_seconds: float = Field(10.0, ge=0)  # how long to wait for a held lock
    # The lock's lease: its holder renews it every quarter lease; a lock left unrenewed for a
    # whole lease (as the waiter measures it) is taken over. Not a limit on a run's length.
    # The lease: at least 10 s, so one slow renewal (S3 timeouts) never hands a live lock over.
    lock_ttl_seconds: float = Field(60.0, ge=10)


class Settings(_Strict):
    datadog: DatadogSettings = DatadogSettings()
    aws: AwsSettings = AwsSettings()
    state: StateSettings = StateSettings()

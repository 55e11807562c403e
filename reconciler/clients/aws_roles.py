"""Credentials of an ``[aws.accounts.<name>]`` connection that names a ``role_arn``: the role is
assumed through STS from the source credentials (the account's profile, else the base ones),
and renewed by botocore before it expires (its own assume-role provider does the same for a
``role_arn`` profile). boto3 is imported only when a client is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler import redact
from reconciler.errors import ApiError, ConfigError
from reconciler.printable import printable
from reconciler.redact import excerpt
from reconciler.settings import AwsSettings

DEFAULT_SESSION_NAME = "reconciler"
SERVICE = "AWS STS"
# Where boto3 looks when a profile has no credentials of its own: the machine's or the
# environment's, i.e. another account than the one the profile names.
FALLBACK_METHODS = frozenset({"env", "iam-role", "container-role", "boto-config"})


def check_profile(session: Any, connection: str, profile: str) -> None:
    """A named account's profile must give credentials of its own: boto3 would otherwise
    fall back to the machine's (an instance or container role), another account, and the
    account's objects would be made there."""
    credentials = session.get_credentials()
    method = getattr(credentials, "method", None)
    if credentials is None or method in FALLBACK_METHODS:
        found = "none" if credentials is None else f"only the machine's ({method})"
        raise ConfigError(
            f"[aws.accounts.{connection}]: the profile {printable(profile, 80)} gives no "
            f"credentials of its own ({found}); give it credentials (keys, SSO, a role) in "
            "the AWS config files",
            field=f"aws.accounts.{connection}.profile",
        )


@dataclass(frozen=True)
class AssumedRole:
    connection: str
    role_arn: str
    external_id: str | None
    session_name: str
    endpoint_url: str | None  # None: botocore's own (AWS_ENDPOINT_URL_STS, regional STS)


def assumed_role(aws: AwsSettings, connection: str) -> AssumedRole | None:
    """The role a named account's clients assume; None for a profile-only account."""
    account = aws.accounts[connection]
    if account.role_arn is None:
        return None
    return AssumedRole(
        connection=connection,
        role_arn=account.role_arn,
        external_id=account.external_id,
        session_name=account.session_name or DEFAULT_SESSION_NAME,
        endpoint_url=aws.sts_endpoint_url,
    )


def assume(session: Any, role: AssumedRole, region: str, aws: AwsSettings) -> None:
    """Give the boto3 ``session`` the role's credentials (renewed as they near expiry). The
    first set is fetched now, so a role that cannot be assumed fails here, with one message
    naming the connection and the role, not in the middle of a Logs call."""
    from botocore.config import Config
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
    from botocore.exceptions import BotoCoreError, ClientError

    from reconciler.clients.boto_sessions import BUILD_LOCK

    source = session.get_credentials()
    if source is None:
        raise ConfigError(
            f"[aws.accounts.{role.connection}]: no AWS credentials to assume {role.role_arn} "
            "from: configure the base credentials ([aws]), or the account's profile"
        )

    # Its own retries and timeouts (not those of the Logs client that first needed it).
    config = Config(
        retries={"mode": "standard", "total_max_attempts": aws.max_attempts},
        connect_timeout=min(10.0, aws.timeout_seconds),
        read_timeout=aws.timeout_seconds,
    )

    def sts_client(service: str, **kwargs: Any) -> Any:
        with BUILD_LOCK:
            return session._session.create_client(
                service, region_name=region, endpoint_url=role.endpoint_url, config=config, **kwargs
            )

    extra: dict[str, Any] = {"RoleSessionName": role.session_name}
    if role.external_id is not None:
        extra["ExternalId"] = role.external_id
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=sts_client,
        source_credentials=source,
        role_arn=role.role_arn,
        extra_args=extra,
    )
    credentials = DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role"
    )
    try:
        frozen = credentials.get_frozen_credentials()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = printable(str(error.get("Code") or "error"), 80)
        detail = excerpt(str(error.get("Message") or ""))
        raise ApiError(
            f"AWS account {role.connection}: cannot assume {role.role_arn}: {code}: {detail}",
            service=SERVICE,
        ) from None
    except BotoCoreError as exc:
        detail = excerpt(str(exc))
        raise ApiError(
            f"AWS account {role.connection}: cannot assume {role.role_arn}: {detail}",
            service=SERVICE,
        ) from None
    redact.register(frozen.secret_key)
    redact.register(frozen.token)
    # botocore has no public setter; its own assume-role provider ends up in this attribute
    # too, and every client made from the session afterwards signs with these credentials.
    session._session._credentials = credentials

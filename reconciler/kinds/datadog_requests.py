"""What the ``datadog_aws_account`` kind sends: request bodies, paths, and the values a create
fills in. Pure functions of the desired values."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from reconciler import paths
from reconciler.kinds.datadog_spec import AuthConfig, DatadogAwsAccountSpec
from reconciler.secrets import EnvSecret

ACCOUNTS = "/api/v2/integration/aws/accounts"
AUTH_METHOD = "method"  # derived key inside auth_config; see datadog_aws_account's docstring


def auth_method(auth: dict[str, Any]) -> str | None:
    if "role_name" in auth:
        return "role"
    if "access_key_id" in auth:
        return "keys"
    return None


# Settings left to Datadog when the TOML does not write them (not compared), but sent with
# their documented default on create: no recording shows what a create that leaves them out
# gets (in 2024-08 such an account had no extended_collection at all).
CREATION_DEFAULTS: dict[tuple[str, str], Any] = {
    ("resources_config", "extended_collection"): True,
}


def creation_values(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (desired) with the ``CREATION_DEFAULTS`` the TOML left out filled in."""
    out: dict[str, Any] = paths.copy_json(values)
    for (block, key), default in CREATION_DEFAULTS.items():
        out.setdefault(block, {}).setdefault(key, default)
    return out


def secret_env_name(aws_account_id: str, org: str | None = None) -> str:
    """The variable ``import`` names for a key pair's secret (the organisation's name in it,
    so one AWS account in two organisations gets two)."""
    if org is None:
        return f"DD_AWS_SECRET_{aws_account_id}"
    return f"DD_AWS_SECRET_{org.upper().replace('-', '_')}_{aws_account_id}"


def account_path(remote_id: str) -> str:
    # The id comes from the state file; quoting keeps it one path segment whatever it holds.
    return f"{ACCOUNTS}/{quote(remote_id, safe='')}"


def request_attributes(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Desired values as the API takes them: the derived method dropped, the secret in clear.
    Also returns the secret values, so error messages can redact them."""
    attributes = {k: v for k, v in values.items() if k != "auth_config"}
    auth = {k: v for k, v in values["auth_config"].items() if k != AUTH_METHOD}
    secrets: list[str] = []
    secret = auth.get("secret_access_key")
    if isinstance(secret, EnvSecret):
        plain = secret.value.get_secret_value()
        auth["secret_access_key"] = plain
        secrets.append(plain)
    attributes["auth_config"] = auth
    return attributes, secrets


def envelope(attributes: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "account", "attributes": attributes}}


@functools.cache
def defaults() -> dict[str, Any]:
    """The values of a spec that sets only what is required (shared: never mutate it)."""
    minimal = DatadogAwsAccountSpec(
        aws_account_id="000000000000", auth_config=AuthConfig(role_name="placeholder")
    )
    return minimal.model_dump(
        mode="json", exclude={"lifecycle", "auth_config", "aws_account_id"}, exclude_none=True
    )

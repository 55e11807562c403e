"""Who is calling the sandbox's AWS: account from the access key, region from the SigV4 scope.

The sandbox checks no signature. Any access key maps to a 12-digit account: the sandbox's own
keys (and the usual placeholders) to ``DEFAULT_ACCOUNT_ID``, a key that is itself 12 digits to
that account, a temporary key from the sandbox's AssumeRole (``ASIA`` + the role's account +
16 random characters) to the role's account, any other key to a stable account derived from it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

DEFAULT_ACCOUNT_ID = "123456789012"
SANDBOX_ACCESS_KEY_ID = "sandbox"
SANDBOX_SECRET_ACCESS_KEY = "sandbox"
DEFAULT_KEYS = frozenset({SANDBOX_ACCESS_KEY_ID, "testing", "AKIAIOSFODNN7EXAMPLE"})

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]*/([^/]+)/([^/]+)/aws4_request")
TEMPORARY_KEY = re.compile(r"ASIA([0-9]{12})[A-Z2-7]{16}")


@dataclass(frozen=True)
class Credential:
    """The credential scope of a SigV4 request."""

    access_key_id: str
    region: str
    service: str

    @property
    def account(self) -> str:
        return account_for(self.access_key_id)


def new_temporary_key(account: str) -> str:
    """An access key ID that ``account_for`` attributes to ``account``."""
    return f"ASIA{account}{base64.b32encode(secrets.token_bytes(10)).decode()}"


def is_temporary(access_key_id: str) -> bool:
    return TEMPORARY_KEY.fullmatch(access_key_id) is not None


def account_for(access_key_id: str) -> str:
    if access_key_id in DEFAULT_KEYS:
        return DEFAULT_ACCOUNT_ID
    temporary = TEMPORARY_KEY.fullmatch(access_key_id)
    if temporary is not None:
        return temporary.group(1)
    if re.fullmatch(r"[0-9]{12}", access_key_id):
        return access_key_id
    digest = int(hashlib.sha256(access_key_id.encode()).hexdigest(), 16)
    return f"{digest % 10**12:012d}"


def credential(authorization: str) -> Credential | None:
    """The credential scope of a SigV4 Authorization header; None when it is not one."""
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return None
    return Credential(match.group(1), match.group(2), match.group(3))


def caller(authorization: str) -> tuple[str, str] | None:
    """(account, region) from a SigV4 Authorization header; None when it is not one."""
    scope = credential(authorization)
    return None if scope is None else (scope.account, scope.region)


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"

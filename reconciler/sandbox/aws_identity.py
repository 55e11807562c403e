"""Who is calling the sandbox's AWS: account from the access key, region from the SigV4 scope.

The sandbox checks no signature. Any access key maps to a 12-digit account: the sandbox's own
keys (and the usual placeholders) to ``DEFAULT_ACCOUNT_ID``, a key that is itself 12 digits to
that account, any other key to a stable account derived from it.
"""

from __future__ import annotations

import hashlib
import re

DEFAULT_ACCOUNT_ID = "123456789012"
SANDBOX_ACCESS_KEY_ID = "sandbox"
SANDBOX_SECRET_ACCESS_KEY = "sandbox"
DEFAULT_KEYS = frozenset({SANDBOX_ACCESS_KEY_ID, "testing", "AKIAIOSFODNN7EXAMPLE"})

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]*/([^/]+)/[^/]+/aws4_request")


def account_for(access_key_id: str) -> str:
    if access_key_id in DEFAULT_KEYS:
        return DEFAULT_ACCOUNT_ID
    if re.fullmatch(r"[0-9]{12}", access_key_id):
        return access_key_id
    digest = int(hashlib.sha256(access_key_id.encode()).hexdigest(), 16)
    return f"{digest % 10**12:012d}"


def caller(authorization: str) -> tuple[str, str] | None:
    """(account, region) from a SigV4 Authorization header; None when it is not one."""
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return None
    return account_for(match.group(1)), match.group(2)


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"

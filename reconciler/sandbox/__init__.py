"""A local stand-in for both cloud APIs: Datadog's AWS integration and CloudWatch Logs
integrations, on one loopback HTTP server that the official clients cannot tell apart from
the real services."""

from reconciler.sandbox.admin import SandboxControlError
from reconciler.sandbox.aws_identity import (
    DEFAULT_ACCOUNT_ID,
    SANDBOX_ACCESS_KEY_ID,
    SANDBOX_SECRET_ACCESS_KEY,
)
from reconciler.sandbox.options import DEFAULT_DATA_DIR, SandboxOptions
from reconciler.sandbox.runner import Sandbox

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_DATA_DIR",
    "SANDBOX_ACCESS_KEY_ID",
    "SANDBOX_SECRET_ACCESS_KEY",
    "Sandbox",
    "SandboxControlError",
    "SandboxOptions",
]

"""A local stand-in for both cloud APIs: Datadog's AWS integration and CloudWatch Logs
integrations, on one loopback HTTP server that the official clients cannot tell apart from
the real services."""

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.aws_identity import (
    DEFAULT_ACCOUNT_ID,
    SANDBOX_ACCESS_KEY_ID,
    SANDBOX_SECRET_ACCESS_KEY,
)
from reconciler.sandbox.options import DEFAULT_DATA_DIR, SandboxOptions

if TYPE_CHECKING:
    from reconciler.sandbox.admin import SandboxControlError
    from reconciler.sandbox.runner import Sandbox


def __getattr__(name: str) -> Any:
    # The server and its store (http.server, threads) are imported on first use, so the CLI,
    # which mounts `reconciler sandbox` for every command, does not load them for --help.
    if name == "Sandbox":
        from reconciler.sandbox.runner import Sandbox

        return Sandbox
    if name == "SandboxControlError":
        from reconciler.sandbox.admin import SandboxControlError

        return SandboxControlError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_DATA_DIR",
    "SANDBOX_ACCESS_KEY_ID",
    "SANDBOX_SECRET_ACCESS_KEY",
    "Sandbox",
    "SandboxControlError",
    "SandboxOptions",
]

"""State backends: where the record of what this tool last did is kept."""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import ConfigError
from reconciler.settings import StateSettings
from reconciler.state.base import StateBackend
from reconciler.state.local import LocalBackend
from reconciler.state.lock import LockHandle

DEFAULT_STATE_PATH = Path("state") / "reconciler.tfstate.json"


def backend_for(settings: StateSettings, default_path: Path) -> StateBackend:
    """The backend ``[state]`` asks for. A relative ``path`` is taken as given (relative to
    the working directory); ``default_path`` is used when ``[state]`` names none."""
    if settings.backend == "local":
        path = Path(settings.path) if settings.path else default_path
        return LocalBackend(
            path,
            lock_timeout=settings.lock_timeout_seconds,
            lock_ttl=settings.lock_ttl_seconds,
        )
    missing = [k for k in ("bucket", "key") if not getattr(settings, k)]
    if missing:
        raise ConfigError("required for the s3 backend", field="state." + missing[0])
    from reconciler.state.s3 import S3Backend  # boto3 only when S3 is asked for

    assert settings.bucket is not None and settings.key is not None
    return S3Backend(
        settings.bucket,
        settings.key,
        region=settings.region,
        endpoint_url=settings.endpoint_url,
        lock_timeout=settings.lock_timeout_seconds,
        lock_ttl=settings.lock_ttl_seconds,
    )


__all__ = ["DEFAULT_STATE_PATH", "LocalBackend", "LockHandle", "StateBackend", "backend_for"]

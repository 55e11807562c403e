"""What one CLI command works with: the loaded configuration, the kinds, the state backend,
and, in ``--sandbox`` mode, the embedded sandbox every client is pointed at.

Imports of the engine, the kinds and the sandbox are deferred to the functions that need
them, so ``reconciler --help`` stays fast.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from reconciler.interrupts import Interrupted, StopRequest, handled, raising

if TYPE_CHECKING:
    from reconciler.desired import Config
    from reconciler.kinds.base import ResourceKind
    from reconciler.settings import Settings
    from reconciler.state import LockHandle
    from reconciler.state.base import StateBackend

SANDBOX_DIR = Path("state/sandbox")

T = TypeVar("T")


@contextmanager
def sandbox_env(enabled: bool) -> Iterator[str | None]:
    """Start the embedded sandbox and point every client at it (process-local env).

    The sandbox's own dummy credentials replace any real ones for the length of the command,
    so real keys are never even sent to the local server."""
    if not enabled:
        yield None
        return
    from reconciler.sandbox import Sandbox, SandboxOptions

    options = SandboxOptions(data_dir=SANDBOX_DIR, provisioning_seconds=1.0)
    overrides = {
        "DD_API_KEY": "sandbox-api-key",
        "DD_APP_KEY": "sandbox-app-key",
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
    }
    # Restored whole afterwards: sandbox_settings also sets each named organisation's keys.
    saved = dict(os.environ)
    with Sandbox(options) as sandbox:
        os.environ.update(overrides)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        try:
            yield sandbox.url
        finally:
            for k in set(os.environ) - set(saved):
                del os.environ[k]
            os.environ.update(saved)


def sandbox_settings(settings: Settings, sandbox_url: str) -> Settings:
    """Every connection pointed at the sandbox, with the sandbox's credentials: a named AWS
    account assumes a role in its own sandbox account (a profile-only one, in an account
    derived from its name: no profile is read); a named organisation gets its own keys, set
    in the variables its key references name (restored by ``sandbox_env``)."""
    from reconciler.sandbox.aws_identity import account_for
    from reconciler.sandbox.orgs import sandbox_keys

    accounts = {
        name: account.model_copy(
            update={
                "profile": None,
                "role_arn": account.role_arn
                or f"arn:aws:iam::{account_for('profile-' + name)}:role/sandbox-profile",
            }
        )
        for name, account in settings.aws.accounts.items()
    }
    orgs = {}
    for name, org in settings.datadog.orgs.items():
        for variable, key in zip(org.key_variables(), sandbox_keys(name), strict=True):
            os.environ[variable] = key
        orgs[name] = org.model_copy(update={"api_url": sandbox_url})
    return settings.model_copy(
        update={
            "datadog": settings.datadog.model_copy(update={"api_url": sandbox_url, "orgs": orgs}),
            "aws": settings.aws.model_copy(
                update={
                    "endpoint_url": sandbox_url,
                    "sts_endpoint_url": sandbox_url,
                    "profile": None,
                    "poll_interval_seconds": 0.25,
                    "region": settings.aws.region or "us-east-1",
                    "accounts": accounts,
                }
            ),
        }
    )


def state_backend(config: Config | None, sandbox: bool) -> StateBackend:
    """The configured backend; in sandbox mode always the local one under state/sandbox/."""
    from reconciler.settings import StateSettings
    from reconciler.state import DEFAULT_STATE_PATH, backend_for

    if sandbox or config is None:
        return backend_for(StateSettings(), SANDBOX_DIR / DEFAULT_STATE_PATH.name)
    return backend_for(config.settings.state, DEFAULT_STATE_PATH)


def load(
    path: Path,
    *,
    settings_only: bool = False,
    secrets_optional: bool = False,
    explain: str | None = None,
) -> Config:
    from reconciler.config import load_config
    from reconciler.registry import KINDS

    return load_config(
        path,
        KINDS,
        settings_only=settings_only,
        secrets_optional=secrets_optional,
        explain=explain,
    )


class Session:
    def __init__(
        self,
        path: Path,
        sandbox_url: str | None,
        *,
        secrets_optional: bool = False,
        explain: str | None = None,
    ) -> None:
        from reconciler.engine import check_natural_keys, open_kinds

        # (load_config pauses the collector itself.)
        config = load(path, secrets_optional=secrets_optional, explain=explain)
        if sandbox_url is not None:
            config = config.model_copy(
                update={"settings": sandbox_settings(config.settings, sandbox_url)}
            )
        self.config: Config = config
        self.kinds: dict[str, ResourceKind] = open_kinds(config.settings)
        self.keys: dict[str, str] = check_natural_keys(config, self.kinds)  # by address
        self.backend: StateBackend = state_backend(config, sandbox_url is not None)
        self.stop = StopRequest()  # set by the first SIGINT/SIGTERM/SIGHUP during run()
        self.notice: Callable[[str], None] = _note  # what the first signal prints

    def stop_if_asked(self) -> None:
        """Before a step that cannot be taken back (the writes, a state commit): a signal
        received so far ends the command here."""
        if self.stop.signum is not None:
            raise Interrupted(self.stop.signum)

    @contextmanager
    def locked(self, operation: str) -> Iterator[LockHandle]:
        """Hold the state lock. Waiting for it blocks the event loop, whose signal handlers
        cannot run meanwhile: a signal during the wait ends it with ``Interrupted``."""
        from reconciler.console import note

        with ExitStack() as stack:
            with raising(self.stop):
                held = stack.enter_context(self.backend.lock(operation, notify=note))
            yield held

    def run(self, work: Callable[[Session], Awaitable[T]]) -> T:
        """Run ``work`` on an event loop, closing the kinds' clients afterwards. A second
        signal cancels it: ``Interrupted`` (its ``with`` blocks, the state lock's among them,
        have been left by then)."""
        import asyncio  # here, not at the top: --help never needs it

        from reconciler import gc_pace
        from reconciler.engine import close_kinds

        async def main() -> T:
            with handled(self.stop, self.notice):
                try:
                    return await work(self)
                finally:
                    await close_kinds(self.kinds)

        try:
            # State, live objects and the plan: as large as the configuration.
            with gc_pace.relaxed(len(self.config.resources) >= gc_pace.LARGE):
                result = asyncio.run(main())
        except asyncio.CancelledError:
            raise Interrupted(self.stop.signum or signal.SIGINT) from None
        if self.stop.requested:
            # The first signal let the work finish what it had started (apply records it);
            # the command still ends as interrupted, for every command alike: a plan does
            # not write its file, an import does not say it is done.
            raise Interrupted(self.stop.signum or signal.SIGINT)
        return result


def _note(text: str) -> None:
    from reconciler.console import note

    note(text)

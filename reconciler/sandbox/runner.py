"""``Sandbox``: the server on a background thread, plus inspection helpers for tests."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

from reconciler.errors import ReconcilerError
from reconciler.sandbox import admin
from reconciler.sandbox.aws_identity import DEFAULT_ACCOUNT_ID
from reconciler.sandbox.options import SandboxOptions
from reconciler.sandbox.orgs import DEFAULT_ORG
from reconciler.sandbox.server import App, SandboxHTTPServer
from reconciler.sandbox.store import Store
from reconciler.sandbox.wire import Api


class Sandbox:
    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._store = Store(self.options.data_dir)
        try:
            server = SandboxHTTPServer(App(self.options, self._store))
        except OSError as exc:
            raise ReconcilerError(
                f"cannot listen on {self.options.host}:{self.options.port}: {exc.strerror}",
                field="port",
            ) from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI's ``serve``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise ReconcilerError("the sandbox is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    @property
    def store(self) -> Store:
        if self._store is None:
            raise ReconcilerError("the sandbox is not running")
        return self._store

    def datadog_accounts(self, org: str = DEFAULT_ORG) -> list[dict[str, Any]]:
        """One organisation's stored account configs (see ``admin.datadog_accounts``)."""
        return admin.datadog_accounts(self.store, org)

    def logs_integrations(self) -> list[dict[str, Any]]:
        """Stored integrations with their sandbox controls (failed, notFound, dashboards)."""
        with self.store.view() as doc:
            records = doc["logs"]["integrations"]
            return copy.deepcopy([records[k] for k in sorted(records)])

    def register_api(self, api: Api) -> None:
        """Serve one more emulated API (it claims its own requests; see ``wire.Api``)."""
        if self._server is None:
            raise ReconcilerError("the sandbox is not running")
        self._server.app.apis.append(api)

    def refuse_writes(self, aws_account_ids: Iterable[str], org: str = DEFAULT_ORG) -> list[str]:
        """Datadog answers 400 to writes of these AWS accounts in ``org`` (see ``admin``); []
        lifts it."""
        return admin.refuse_writes(self.store, aws_account_ids, org)

    def register_roles(self, account_id: str, roles: Mapping[str, str | None]) -> dict[str, Any]:
        """Only these roles (name -> required external ID or None) of the AWS account can be
        assumed (see ``admin``); {} makes any role assumable again."""
        return admin.register_roles(self.store, account_id, roles)

    def retire_namespaces(self, namespaces: Iterable[str]) -> list[str]:
        """Take names out of the Datadog namespace catalogue (see ``admin``); [] restores it."""
        return admin.retire_namespaces(self.store, namespaces)

    def set_logs_fault(
        self,
        integration_name: str,
        *,
        region: str,
        account_id: str = DEFAULT_ACCOUNT_ID,
        failed: bool | None = None,
        not_found: Iterable[str] | None = None,
        dashboards: bool | None = None,
    ) -> dict[str, Any]:
        return admin.set_logs_fault(
            self.store,
            integration_name,
            region=region,
            account_id=account_id,
            failed=failed,
            not_found=not_found,
            dashboards=dashboards,
        )

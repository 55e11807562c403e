"""The Datadog client of one organisation: the default one ([datadog], DD_API_KEY /
DD_APP_KEY) or a named one ([datadog.orgs.<name>], its own site and key variables)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from reconciler.kinds import connections
from reconciler.settings import DatadogSettings

if TYPE_CHECKING:
    import httpx

    from reconciler.clients.datadog_http import DatadogClient


def client(
    settings: DatadogSettings, org: str | None, transport: httpx.AsyncBaseTransport | None
) -> DatadogClient:
    # Imported here: httpx is slow to import and `validate` never talks to the API.
    from reconciler.clients.datadog_http import DatadogClient

    if org is None:
        return DatadogClient(settings, transport=transport)
    if org not in settings.orgs:
        raise connections.undeclared(
            "datadog_aws_account", "Datadog organisation", "datadog.orgs", org
        )
    # Only the org's own key variables: DD_HOST / DD_SITE belong to the default organisation
    # and must never send this one's keys elsewhere.
    variables = settings.orgs[org].key_variables()
    env = {v: os.environ[v] for v in variables if v in os.environ}
    return DatadogClient(
        settings.for_org(org), env=env, key_variables=variables, transport=transport, org=org
    )

"""The registry of resource kinds: one line per kind."""

from __future__ import annotations

from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.base import ResourceKind
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount

KINDS: dict[str, type[ResourceKind]] = {
    DatadogAwsAccount.name: DatadogAwsAccount,
    AwsLogsIntegration.name: AwsLogsIntegration,
}

"""A ``datadog_aws_account`` spec checked against a catalogue of the names Datadog accepts.

Validation (at load) checks names against the catalogue shipped with reconciler. When the
engine has read the live catalogue (``DatadogAwsAccount.catalogue``, once per plan), this pure
check finds the names the live Datadog no longer accepts, so they are plan errors instead of
400s at apply. Each problem is (field path, message), the path as the loader writes it.
"""

from __future__ import annotations

from reconciler.kinds.datadog_catalogue import Catalogue
from reconciler.kinds.datadog_fields import unknown_name
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec


def catalogue_problems(spec: DatadogAwsAccountSpec, catalogue: Catalogue) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []

    def namespace(path: str, value: str) -> None:
        if value not in catalogue.namespaces:
            problems.append(
                (path, unknown_name("a namespace", value, catalogue.namespaces, catalogue))
            )

    def source(path: str, value: str) -> None:
        if value not in catalogue.log_sources:
            problems.append(
                (path, unknown_name("a log source", value, catalogue.log_sources, catalogue))
            )

    metrics = spec.metrics_config
    filters = metrics.namespace_filters
    # Only what the TOML wrote: the default list is reconciler's to keep current, not a
    # mistake at the resource's line (and every account would fail if Datadog dropped one).
    written = "metrics_config" in spec.model_fields_set and (
        "namespace_filters" in metrics.model_fields_set
    )
    for member in ("exclude_only", "include_only") if written else ():
        for i, name in enumerate(getattr(filters, member) or ()):
            namespace(f"metrics_config.namespace_filters.{member}[{i}]", name)
    for i, tag_filter in enumerate(metrics.tag_filters):
        namespace(f"metrics_config.tag_filters[{i}].namespace", tag_filter.namespace)
    for i, name_filter in enumerate(metrics.metric_name_filters):
        namespace(f"metrics_config.metric_name_filters[{i}].namespace", name_filter.namespace)
    forwarder = spec.logs_config.lambda_forwarder
    for i, name in enumerate(forwarder.sources):
        source(f"logs_config.lambda_forwarder.sources[{i}]", name)
    for i, log_filter in enumerate(forwarder.log_source_config.tag_filters):
        source(
            f"logs_config.lambda_forwarder.log_source_config.tag_filters[{i}].source",
            log_filter.source,
        )
    return problems

"""The Datadog AWS account config as the sandbox keeps it: defaults, PATCH merge, list order,
timestamps, and the response shape. Pure functions over plain dicts.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

# What every recorded real create (2024-10-28, 2025-08-06) filled in when the request left
# namespace_filters out; Datadog's documentation also names AWS/Usage.
DEFAULT_EXCLUDED_NAMESPACES = ["AWS/SQS", "AWS/ElasticMapReduce"]

# oneOf blocks: a PATCH that sends one replaces it whole instead of merging into it.
ONE_OF_PATHS = frozenset(
    {"aws_regions", "metrics_config.namespace_filters", "traces_config.xray_services"}
)

# Lists the real API hands back in an order of its own (notes section 7).
SHUFFLED_PATHS = (
    ("account_tags",),
    ("aws_regions", "include_only"),
    ("logs_config", "lambda_forwarder", "lambdas"),
    ("logs_config", "lambda_forwarder", "sources"),
    ("metrics_config", "namespace_filters", "include_only"),
    ("metrics_config", "namespace_filters", "exclude_only"),
)

Attrs = dict[str, Any]


def defaults() -> Attrs:
    return {
        "account_tags": [],
        "aws_partition": "aws",
        "aws_regions": {"include_all": True},
        "logs_config": {
            "lambda_forwarder": {
                "lambdas": [],
                "sources": [],
                "log_source_config": {"tag_filters": []},
            }
        },
        "metrics_config": {
            "enabled": True,
            "automute_enabled": True,
            "collect_cloudwatch_alarms": False,
            "collect_custom_metrics": False,
            "namespace_filters": {"exclude_only": list(DEFAULT_EXCLUDED_NAMESPACES)},
            "tag_filters": [],
        },
        "resources_config": {
            "cloud_security_posture_management_collection": False,
            "extended_collection": True,
        },
        "traces_config": {"xray_services": {"include_only": []}},
    }


def permute(values: list[Any]) -> list[Any]:
    """A stable order derived from the contents, never the order they were sent in."""

    def key(v: Any) -> str:
        return hashlib.sha256(repr(v).encode()).hexdigest()

    out = sorted(values, key=key)
    if out == values and len(set(map(repr, values))) > 1:
        out = out[1:] + out[:1]
    return out


def shuffle(attrs: Attrs) -> Attrs:
    for path in SHUFFLED_PATHS:
        node: Any = attrs
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(path[-1]), list):
            node[path[-1]] = permute(node[path[-1]])
    return attrs


def merge(old: Attrs, new: Attrs, prefix: str = "") -> Attrs:
    """PATCH: a deep merge where sent lists and oneOf blocks replace what was there."""
    out = copy.deepcopy(old)
    for key, value in new.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(out.get(key), dict) and path not in ONE_OF_PATHS:
            out[key] = merge(out[key], value, f"{path}.")
        else:
            out[key] = copy.deepcopy(value)
    return out


def auth_kind(attrs: Attrs) -> str:
    return "role" if "role_name" in attrs.get("auth_config", {}) else "keys"


def new_external_id() -> str:
    return secrets.token_hex(16)


def timestamp(ns: int, *, nanoseconds: bool) -> str:
    """Create/PATCH responses carry nanoseconds, GET and list microseconds (notes section 3),
    with trailing zeros trimmed as Go's RFC 3339 formatting does: recorded answers hold
    ``...40.24818Z`` (five digits) and a whole second would have no fraction at all."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    digits = (f"{frac:09d}" if nanoseconds else f"{frac // 1000:06d}").rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


def render(record: dict[str, Any], *, nanoseconds: bool, created: bool = False) -> dict[str, Any]:
    """The API's view of a record. ``created``: the answer to the POST that made it, which
    echoes an empty account_tags as null (recorded 2026-02-02 and 2026-05-21; GETs say [])."""
    attrs = copy.deepcopy(record["attributes"])
    if created and attrs.get("account_tags") == []:
        attrs["account_tags"] = None
    attrs["created_at"] = timestamp(record["created_ns"], nanoseconds=nanoseconds)
    attrs["modified_at"] = timestamp(record["modified_ns"], nanoseconds=nanoseconds)
    return {"id": record["id"], "type": "account", "attributes": attrs}

"""Checks on the account config a client sends, as the real Datadog API makes them.

A ``BadRequest`` carries the JSON:API error object the real API sends (notes section 2); the
handlers turn it into a 400. What passes comes back cleaned: unknown keys dropped and the
write-only ``secret_access_key`` removed.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.sandbox.datadog_catalog import NAMESPACES

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
ACCOUNT_ID = re.compile(r"[0-9]{12}")  # checked with fullmatch: no trailing newline

Attrs = dict[str, Any]


class BadRequest(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("detail", ""))
        self.error = error


def invalid(path: str, problem: str) -> BadRequest:
    return BadRequest(
        {
            "status": "400",
            "title": "Bad Request",
            "detail": "invalid value",
            "meta": {path: problem},
        }
    )


def generic(detail: str) -> BadRequest:
    # The recorded "Generic Error" objects carry no status member.
    return BadRequest({"title": "Generic Error", "detail": detail})


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(path, "expected a boolean")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, "expected a string")
    return value


def _strs(value: Any, path: str, *, nullable: bool = False) -> list[str] | None:
    if value is None and nullable:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(path, "expected a list of strings")
    return list(value)


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(path, "expected an object")
    return value


def _one_of(value: Any, path: str, choices: dict[str, str]) -> dict[str, Any]:
    block = _obj(value, path)
    present = [k for k in choices if k in block]
    if len(present) != 1:
        raise invalid(path, f"expected exactly one of {', '.join(choices)}")
    key = present[0]
    if choices[key] == "bool":
        return {key: _bool(block[key], f"{path}.{key}")}
    return {key: _strs(block[key], f"{path}.{key}")}


def _namespaces(block: dict[str, Any], path: str) -> dict[str, Any]:
    for key, names in block.items():
        unknown = [n for n in names if n not in NAMESPACES]
        if unknown:
            raise invalid(f"{path}.{key}", f"invalid namespaces: [{' '.join(unknown)}]")
    return block


def _tag_filters(value: Any, path: str, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid(path, "expected a list")
    out = []
    for i, item in enumerate(value):
        entry = _obj(item, f"{path}[{i}]")
        clean: dict[str, Any] = {}
        if key in entry:
            clean[key] = _str(entry[key], f"{path}[{i}].{key}")
        if "tags" in entry:
            clean["tags"] = _strs(entry["tags"], f"{path}[{i}].tags", nullable=True)
        out.append(clean)
    return out


def _metric_name_filters(value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid(path, "expected a list")
    out = []
    for i, item in enumerate(value):
        entry = _obj(item, f"{path}[{i}]")
        rest = {k: v for k, v in entry.items() if k != "namespace"}
        clean = _one_of(rest, f"{path}[{i}]", {"include_only": "strs", "exclude_only": "strs"})
        clean["namespace"] = _str(entry.get("namespace"), f"{path}[{i}].namespace")
        out.append(clean)
    return out


def _auth(value: Any) -> dict[str, Any]:
    block = _obj(value, "auth_config")
    if ("role_name" in block) == ("access_key_id" in block):
        raise invalid("auth_config", "expected exactly one of role_name, access_key_id")
    if "role_name" in block:
        role = _str(block["role_name"], "auth_config.role_name")
        if not 1 <= len(role) <= 576:
            raise invalid("auth_config.role_name", "expected 1 to 576 characters")
        clean = {"role_name": role}
        if block.get("external_id") is not None:
            clean["external_id"] = _str(block["external_id"], "auth_config.external_id")
        return clean
    clean = {"access_key_id": _str(block["access_key_id"], "auth_config.access_key_id")}
    secret = block.get("secret_access_key")
    # secret_access_key is write-only: checked, then dropped. Never echo it.
    if secret is not None and (not isinstance(secret, str) or not secret):
        raise invalid("auth_config.secret_access_key", "expected a non-empty string")
    return clean


def clean_attributes(raw: Any, *, creating: bool) -> Attrs:
    """The sent attributes, checked; unknown keys dropped, the secret removed."""
    attrs = _obj(raw, "attributes")
    out: Attrs = {}
    if "aws_account_id" not in attrs:
        raise invalid("aws_account_id", "missing required attribute")
    account_id = _str(attrs["aws_account_id"], "aws_account_id")
    if not ACCOUNT_ID.fullmatch(account_id):
        raise invalid("aws_account_id", f"invalid AWS account ID: {account_id}")
    out["aws_account_id"] = account_id
    if "aws_partition" in attrs:
        partition = attrs["aws_partition"]
        if partition not in PARTITIONS:
            raise invalid("aws_partition", f"invalid partition: {partition}")
        out["aws_partition"] = partition
    if "auth_config" in attrs:
        out["auth_config"] = _auth(attrs["auth_config"])
    elif creating:
        raise invalid("auth_config", "missing required attribute")
    if "account_tags" in attrs:
        out["account_tags"] = _strs(attrs["account_tags"], "account_tags", nullable=True) or []
    if "aws_regions" in attrs:
        out["aws_regions"] = _one_of(
            attrs["aws_regions"], "aws_regions", {"include_all": "bool", "include_only": "strs"}
        )
    if "logs_config" in attrs:
        out["logs_config"] = _logs_config(attrs["logs_config"])
    if "metrics_config" in attrs:
        out["metrics_config"] = _metrics_config(attrs["metrics_config"])
    if "resources_config" in attrs:
        block = _obj(attrs["resources_config"], "resources_config")
        out["resources_config"] = {
            k: _bool(block[k], f"resources_config.{k}")
            for k in ("cloud_security_posture_management_collection", "extended_collection")
            if k in block
        }
    if "traces_config" in attrs:
        block = _obj(attrs["traces_config"], "traces_config")
        out["traces_config"] = {}
        if "xray_services" in block:
            xray = block["xray_services"]
            out["traces_config"]["xray_services"] = (
                {"include_only": []}
                if xray is None
                else _one_of(
                    xray,
                    "traces_config.xray_services",
                    {"include_all": "bool", "include_only": "strs"},
                )
            )
    return out


def _logs_config(value: Any) -> dict[str, Any]:
    block = _obj(value, "logs_config")
    if "lambda_forwarder" not in block:
        return {}
    path = "logs_config.lambda_forwarder"
    fwd = _obj(block["lambda_forwarder"], path)
    out: dict[str, Any] = {}
    for key in ("lambdas", "sources"):
        if key in fwd:
            out[key] = _strs(fwd[key], f"{path}.{key}")
    if "log_source_config" in fwd:
        src = _obj(fwd["log_source_config"], f"{path}.log_source_config")
        out["log_source_config"] = {}
        if "tag_filters" in src:
            out["log_source_config"]["tag_filters"] = _tag_filters(
                src["tag_filters"], f"{path}.log_source_config.tag_filters", "source"
            )
    return {"lambda_forwarder": out}


def _metrics_config(value: Any) -> dict[str, Any]:
    block = _obj(value, "metrics_config")
    out: dict[str, Any] = {}
    for key in (
        "enabled",
        "automute_enabled",
        "collect_cloudwatch_alarms",
        "collect_custom_metrics",
    ):
        if key in block:
            out[key] = _bool(block[key], f"metrics_config.{key}")
    if "namespace_filters" in block:
        path = "metrics_config.namespace_filters"
        chosen = _one_of(
            block["namespace_filters"], path, {"exclude_only": "strs", "include_only": "strs"}
        )
        out["namespace_filters"] = _namespaces(chosen, path)
    if "tag_filters" in block:
        out["tag_filters"] = _tag_filters(
            block["tag_filters"], "metrics_config.tag_filters", "namespace"
        )
    if "metric_name_filters" in block:
        out["metric_name_filters"] = _metric_name_filters(
            block["metric_name_filters"], "metrics_config.metric_name_filters"
        )
    return out

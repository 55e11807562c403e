"""The CloudWatch Logs integration as the sandbox keeps it: request checks and read-back shape.

Shape constraints (required, length, pattern, enum, range) fail as ValidationException with
the service's usual "N validation error(s) detected" wording; values that are well formed but
unusable (not an ARN, a union with the wrong member count) fail as InvalidParameterException.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from reconciler.sandbox.aws_errors import AwsError
from reconciler.sandbox.aws_identity import partition_for

NAME = re.compile(r"[\.\-_/#A-Za-z0-9]+")
TYPES = ("OPENSEARCH",)
STATUSES = ("PROVISIONING", "ACTIVE", "FAILED")
SUB_RESOURCES = (
    "dataSource",
    "application",
    "collection",
    "workspace",
    "encryptionPolicy",
    "networkPolicy",
    "accessPolicy",
    "lifecyclePolicy",
)


class LogsError(AwsError):
    pass


def _validation(problems: list[str]) -> LogsError:
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return LogsError(
        "ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems)
    )


def _check_name(value: Any, member: str, problems: list[str], *, required: bool) -> None:
    if value is None:
        if required:
            problems.append(
                f"Value null at '{member}' failed to satisfy constraint: Member must not be null"
            )
        return
    if not isinstance(value, str):
        problems.append(
            f"Value at '{member}' failed to satisfy constraint: Member must be a string"
        )
        return
    if not 1 <= len(value) <= 50:
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            "Member must have length less than or equal to 50 and greater than or equal to 1"
        )
    if not NAME.fullmatch(value):
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {NAME.pattern}"
        )


def _check_enum(value: Any, member: str, allowed: tuple[str, ...], problems: list[str]) -> None:
    if value is not None and value not in allowed:
        problems.append(
            f"Value '{value}' at '{member}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def check_name(body: dict[str, Any]) -> str:
    problems: list[str] = []
    _check_name(body.get("integrationName"), "integrationName", problems, required=True)
    if problems:
        raise _validation(problems)
    return str(body["integrationName"])


def check_list(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    problems: list[str] = []
    _check_name(
        body.get("integrationNamePrefix"), "integrationNamePrefix", problems, required=False
    )
    _check_enum(body.get("integrationType"), "integrationType", TYPES, problems)
    _check_enum(body.get("integrationStatus"), "integrationStatus", STATUSES, problems)
    if problems:
        raise _validation(problems)
    return (
        body.get("integrationNamePrefix"),
        body.get("integrationType"),
        body.get("integrationStatus"),
    )


def check_put(body: dict[str, Any]) -> dict[str, Any]:
    """The openSearchResourceConfig of a valid PutIntegration request."""
    problems: list[str] = []
    _check_name(body.get("integrationName"), "integrationName", problems, required=True)
    if body.get("integrationType") is None:
        problems.append(
            "Value null at 'integrationType' failed to satisfy constraint: Member must not be null"
        )
    _check_enum(body.get("integrationType"), "integrationType", TYPES, problems)
    resource = body.get("resourceConfig")
    if resource is None:
        problems.append(
            "Value null at 'resourceConfig' failed to satisfy constraint: Member must not be null"
        )
    if problems:
        raise _validation(problems)
    if not isinstance(resource, dict) or list(resource) != ["openSearchResourceConfig"]:
        raise LogsError(
            "InvalidParameterException",
            "resourceConfig must have exactly one member set: openSearchResourceConfig",
        )
    config = resource["openSearchResourceConfig"]
    if not isinstance(config, dict):
        raise LogsError("InvalidParameterException", "openSearchResourceConfig must be a structure")
    member = "resourceConfig.openSearchResourceConfig"
    for key in ("dataSourceRoleArn", "dashboardViewerPrincipals", "retentionDays"):
        if config.get(key) is None:
            problems.append(
                f"Value null at '{member}.{key}' failed to satisfy constraint: "
                "Member must not be null"
            )
    days = config.get("retentionDays")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 30
    ):
        problems.append(
            f"Value '{days}' at '{member}.retentionDays' failed to satisfy constraint: "
            "Member must have value less than or equal to 30 and greater than or equal to 1"
        )
    if problems:
        raise _validation(problems)
    principals = config["dashboardViewerPrincipals"]
    arns = {k: config.get(k) for k in ("dataSourceRoleArn", "kmsKeyArn", "applicationArn")}
    if not isinstance(principals, list):
        raise LogsError("InvalidParameterException", "dashboardViewerPrincipals must be a list")
    for i, arn in enumerate(principals):
        arns[f"dashboardViewerPrincipals[{i}]"] = arn
    for key, arn in arns.items():
        if arn is not None and (not isinstance(arn, str) or not arn.startswith("arn:")):
            raise LogsError("InvalidParameterException", f"{key} is not a valid ARN: {arn}")
    return config


def new_record(name: str, account: str, region: str, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "integrationName": name,
        "integrationType": "OPENSEARCH",
        "accountId": account,
        "region": region,
        "applicationArn": config.get("applicationArn"),
        "createdAt": time.time(),
        # Sandbox controls (set_logs_fault / POST /_sandbox/logs/fault).
        "failed": False,
        "notFound": [],
        "dashboards": False,
    }


def status(record: dict[str, Any], provisioning_seconds: float) -> str:
    if time.time() - record["createdAt"] < provisioning_seconds:
        return "PROVISIONING"
    return "FAILED" if record["failed"] else "ACTIVE"


def summary(record: dict[str, Any], provisioning_seconds: float) -> dict[str, Any]:
    return {
        "integrationName": record["integrationName"],
        "integrationType": record["integrationType"],
        "integrationStatus": status(record, provisioning_seconds),
    }


def details(record: dict[str, Any], provisioning_seconds: float) -> dict[str, Any]:
    account, region, name = record["accountId"], record["region"], record["integrationName"]
    partition = partition_for(region)
    short = hashlib.sha256(f"{account}/{region}/{name}".encode()).hexdigest()[:20]
    app_arn = (
        record["applicationArn"]
        or f"arn:{partition}:opensearch:{region}:{account}:application/{short[:10]}"
    )
    app_id = app_arn.rsplit("/", 1)[-1] if "/" in app_arn else short[:10]
    app_id = "".join(c for c in app_id if NAME.fullmatch(c)) or short[:10]
    base = f"logs-{short[:8]}"
    failed = status(record, provisioning_seconds) == "FAILED"

    def state(part: str) -> dict[str, str]:
        if part in record["notFound"]:
            return {"status": "NOT_FOUND", "statusMessage": f"The {part} no longer exists"}
        if failed and part == "collection":
            return {"status": "ERROR", "statusMessage": "The collection could not be created"}
        return {"status": "ACTIVE"}

    return {
        "openSearchIntegrationDetails": {
            "dataSource": {"dataSourceName": f"{base}_datasource", "status": state("dataSource")},
            "application": {
                "applicationEndpoint": f"https://application-{app_id}.{region}.opensearch.amazonaws.com",
                "applicationArn": app_arn,
                "applicationId": app_id,
                "status": state("application"),
            },
            "collection": {
                "collectionEndpoint": f"https://{short}.{region}.aoss.amazonaws.com",
                "collectionArn": f"arn:{partition}:aoss:{region}:{account}:collection/{short}",
                "status": state("collection"),
            },
            "workspace": {"workspaceId": f"{short[:12]}-workspace", "status": state("workspace")},
            "encryptionPolicy": {
                "policyName": f"{base}-encryption",
                "status": state("encryptionPolicy"),
            },
            "networkPolicy": {"policyName": f"{base}-network", "status": state("networkPolicy")},
            "accessPolicy": {"policyName": f"{base}-access", "status": state("accessPolicy")},
            "lifecyclePolicy": {
                "policyName": f"{base}-lifecycle",
                "status": state("lifecyclePolicy"),
            },
        }
    }

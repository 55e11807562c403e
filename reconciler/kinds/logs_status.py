"""How a CloudWatch Logs integration's status reads: the integration's own status and each
OpenSearch sub-resource's. A known broken status (FAILED, NOT_FOUND, ERROR) makes the object
unhealthy (only a replacement repairs it); a status this version does not know is reported as
a note, never a reason to replace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.printable import printable

# Sub-resources of openSearchIntegrationDetails, in the API model's order. Members added to
# the API later are checked too (after these, by name).
COMPONENTS = (
    "dataSource",
    "application",
    "collection",
    "workspace",
    "encryptionPolicy",
    "networkPolicy",
    "accessPolicy",
    "lifecyclePolicy",
)


def details_of(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    # integrationDetails is a union; botocore turns a member it does not know into
    # {"SDK_UNKNOWN_MEMBER": {...}}, which carries nothing readable.
    details = raw.get("integrationDetails")
    if not isinstance(details, dict):
        return None
    opensearch = details.get("openSearchIntegrationDetails")
    return opensearch if isinstance(opensearch, dict) else None


# The statuses this version knows (API model enums). A status the API adds later is reported
# in the plan's notes, never a reason to replace: unknown is not broken.
KNOWN_INTEGRATION_STATUSES = frozenset({"PROVISIONING", "ACTIVE", "FAILED"})
PENDING_APPLICATION_NOTE = (
    "still PROVISIONING: its OpenSearch application is not reported yet, so application_arn "
    "is compared once it is"
)
UNNAMED_APPLICATION_NOTE = (
    "ACTIVE, but GetIntegration names no OpenSearch application: application_arn is not "
    "compared until it does (never read as no application)"
)
KNOWN_COMPONENT_STATUSES = frozenset({"ACTIVE", "NOT_FOUND", "ERROR"})


def _components(details: Mapping[str, Any] | None) -> Sequence[tuple[str, str, str]]:
    """(component, status, message) of every sub-resource that reports a status other than
    ACTIVE, in the API model's order, then new members by name."""
    if not details:
        return []
    names = [c for c in COMPONENTS if c in details]
    names += sorted(k for k in details if k not in COMPONENTS)
    found: list[tuple[str, str, str]] = []
    for name in names:
        member = details[name]
        status = member.get("status") if isinstance(member, dict) else None
        if not isinstance(status, dict):
            continue
        code = status.get("status")
        if code in (None, "ACTIVE"):
            continue
        message = " ".join(str(status.get("statusMessage") or "").split())
        found.append((name, printable(str(code), 40), printable(message, 200)))
    return found


def _describe(name: str, code: str, message: str) -> str:
    return f"{name} {code}: {message}" if message else f"{name} {code}"


def component_problems(details: Mapping[str, Any] | None) -> list[str]:
    """ "<component> NOT_FOUND" / "<component> ERROR: <message>" for every sub-resource whose
    status says it is broken (statuses this version does not know are not problems)."""
    return [
        _describe(name, code, message)
        for name, code, message in _components(details)
        if code in KNOWN_COMPONENT_STATUSES
    ]


def notes(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """What the plan reports without acting on it: statuses this version does not know."""
    found: list[str] = []
    status = raw.get("integrationStatus")
    if status is not None and status not in KNOWN_INTEGRATION_STATUSES:
        found.append(
            f"integration status {printable(str(status), 40)} is not one this version of "
            "reconciler knows; it is left as it is"
        )
    for name, code, message in _components(details_of(raw)):
        if code not in KNOWN_COMPONENT_STATUSES:
            found.append(
                f"{_describe(name, code, message)}: a status this version of reconciler does "
                "not know; the integration is left as it is"
            )
    return tuple(found)


def health(raw: Mapping[str, Any]) -> str | None:
    status = raw.get("integrationStatus")
    if status == "FAILED":
        return "FAILED"
    if status != "ACTIVE":
        # PROVISIONING (and any status added to the API later, reported in notes) counts as
        # healthy but pending: components show up one by one while provisioning, and
        # replacing an integration that is still being built would only start the wait over.
        return None
    return "; ".join(component_problems(details_of(raw))) or None

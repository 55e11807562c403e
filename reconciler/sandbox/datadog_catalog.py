"""The fixed lists the sandbox's Datadog serves: namespaces, log services, IAM permissions.

All of them are the real API's own answers, as recorded (``shared/real-traffic``; the newest
recording of each endpoint wins), so a configuration the sandbox accepts is one Datadog accepts:
- namespaces and log services: the catalogue reconciler ships
  (``reconciler.kinds.datadog_catalogue``), which validation checks names against;
- ``/iam_permissions`` recorded 2025-08-18, ``/iam_permissions/standard`` 2025-10-03,
  ``/iam_permissions/resource_collection`` 2025-10-06 (terraform-provider-datadog data
  source cassettes). The full list is its own answer, not the sum of the other two.

``tests/real_traffic/test_real_catalogues.py`` keeps them equal to the recordings.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.kinds.datadog_catalogue import LOG_SOURCES, NAMESPACES

LOGS_SERVICES: tuple[str, ...] = LOG_SOURCES

__all__ = [
    "IAM_PERMISSIONS",
    "IAM_PERMISSIONS_RESOURCE_COLLECTION",
    "IAM_PERMISSIONS_STANDARD",
    "LOGS_SERVICES",
    "NAMESPACES",
]

# The recorded lists are data: kept in iam_permissions.json beside this module.
_RECORDED = json.loads((Path(__file__).parent / "iam_permissions.json").read_text("utf-8"))
IAM_PERMISSIONS: tuple[str, ...] = tuple(_RECORDED["iam_permissions"])
IAM_PERMISSIONS_STANDARD: tuple[str, ...] = tuple(_RECORDED["iam_permissions/standard"])
IAM_PERMISSIONS_RESOURCE_COLLECTION: tuple[str, ...] = tuple(
    _RECORDED["iam_permissions/resource_collection"]
)

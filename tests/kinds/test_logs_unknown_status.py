"""A Logs integration status this version does not know is reported (notes), not replaced."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.logs_status import health, notes
from reconciler.settings import Settings

RAW: dict[str, Any] = {
    "integrationName": "vended-logs",
    "integrationType": "OPENSEARCH",
    "integrationStatus": "ACTIVE",
    "integrationDetails": {
        "openSearchIntegrationDetails": {
            "dataSource": {"dataSourceName": "ds", "status": {"status": "ACTIVE"}},
            "application": {
                "applicationArn": "arn:aws:opensearch:eu-west-1:123456789012:application/a",
                "status": {"status": "ACTIVE"},
            },
            "accessPolicy": {
                "policyName": "p",
                "status": {"status": "UPDATING", "statusMessage": "being\nupdated"},
            },
        }
    },
}


def test_an_unknown_component_status_is_a_note_not_a_reason_to_replace() -> None:
    observed = AwsLogsIntegration(Settings()).normalise(copy.deepcopy(RAW), "eu-west-1")
    assert observed.health is None
    (note,) = observed.notes
    # The API's text is bounded and flattened (no forged second line).
    assert note.startswith("accessPolicy UPDATING: being updated: a status this version")
    assert "\n" not in note


def test_a_known_broken_status_still_replaces_and_is_no_note() -> None:
    raw = copy.deepcopy(RAW)
    details = raw["integrationDetails"]["openSearchIntegrationDetails"]
    details["accessPolicy"]["status"] = {"status": "NOT_FOUND"}
    assert health(raw) == "accessPolicy NOT_FOUND"
    assert notes(raw) == ()


def test_an_unknown_integration_status_is_a_note() -> None:
    raw = {**copy.deepcopy(RAW), "integrationStatus": "SUSPENDED"}
    assert health(raw) is None
    assert notes(raw)[0].startswith("integration status SUSPENDED is not one this version")
    # A known status adds no note of its own.
    assert notes({**raw, "integrationStatus": "PROVISIONING"}) == notes(raw)[1:]

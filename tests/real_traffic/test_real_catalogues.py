"""The catalogues shipped with reconciler, and the sandbox's, are the newest real ones."""

from __future__ import annotations

import json
from pathlib import Path

import botocore

from reconciler.kinds import datadog_catalogue
from reconciler.kinds.aws_names import REGIONS
from reconciler.sandbox import datadog_catalog
from tests.real_traffic.recordings import needs_recordings, newest

PREFIX = "/api/v2/integration/aws"


@needs_recordings
def test_shipped_namespaces_are_the_newest_recorded_catalogue() -> None:
    latest, names = newest(f"{PREFIX}/available_namespaces")
    assert tuple(names) == datadog_catalogue.NAMESPACES
    assert latest.recorded_at[:10] == datadog_catalogue.NAMESPACES_RECORDED_AT


@needs_recordings
def test_shipped_log_sources_are_the_newest_recorded_catalogue() -> None:
    latest, names = newest(f"{PREFIX}/logs/services")
    assert tuple(names) == datadog_catalogue.LOG_SOURCES
    assert latest.recorded_at[:10] == datadog_catalogue.LOG_SOURCES_RECORDED_AT


@needs_recordings
def test_sandbox_iam_permissions_are_the_newest_recorded_lists() -> None:
    for suffix, listed in (
        ("/iam_permissions", datadog_catalog.IAM_PERMISSIONS),
        ("/iam_permissions/standard", datadog_catalog.IAM_PERMISSIONS_STANDARD),
        (
            "/iam_permissions/resource_collection",
            datadog_catalog.IAM_PERMISSIONS_RESOURCE_COLLECTION,
        ),
    ):
        _, names = newest(PREFIX + suffix)
        assert listed == tuple(names), suffix


def test_regions_cover_every_region_botocore_knows() -> None:
    endpoints = Path(botocore.__file__).parent / "data" / "endpoints.json"
    partitions = {p["partition"]: p for p in json.loads(endpoints.read_text())["partitions"]}
    for name, regions in REGIONS.items():
        assert set(partitions[name]["regions"]) <= set(regions), name

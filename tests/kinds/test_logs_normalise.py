"""The pure half of the kind: normalise on GetIntegration JSON, health, desired values,
options, natural keys and region resolution, the import table."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.diff import fingerprint
from reconciler.errors import ApiError, ConfigError
from reconciler.importer import import_objects
from reconciler.kinds.aws_logs_integration import AwsLogsIntegration
from reconciler.kinds.base import Observed
from reconciler.kinds.logs_spec import AwsLogsIntegrationSpec, resource_config
from reconciler.settings import AwsSettings, Settings
from reconciler.state.base import State
from tests import child

APP_ARN = "arn:aws:opensearch:eu-west-1:123456789012:application/abc123"

ACTIVE: dict[str, Any] = {
    "integrationName": "vended-logs",
    "integrationType": "OPENSEARCH",
    "integrationStatus": "ACTIVE",
    "integrationDetails": {
        "openSearchIntegrationDetails": {
            "dataSource": {"dataSourceName": "logs_ds", "status": {"status": "ACTIVE"}},
            "application": {
                "applicationEndpoint": "https://application-abc123.eu-west-1.opensearch.amazonaws.com",
                "applicationArn": APP_ARN,
                "applicationId": "abc123",
                "status": {"status": "ACTIVE"},
            },
            "collection": {
                "collectionEndpoint": "https://xyz.eu-west-1.aoss.amazonaws.com",
                "collectionArn": "arn:aws:aoss:eu-west-1:123456789012:collection/xyz",
                "status": {"status": "ACTIVE"},
            },
            "workspace": {"workspaceId": "ws1", "status": {"status": "ACTIVE"}},
            "encryptionPolicy": {"policyName": "enc", "status": {"status": "ACTIVE"}},
            "networkPolicy": {"policyName": "net", "status": {"status": "ACTIVE"}},
            "accessPolicy": {"policyName": "acc", "status": {"status": "ACTIVE"}},
            "lifecyclePolicy": {"policyName": "life", "status": {"status": "ACTIVE"}},
        }
    },
}


def raw(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(ACTIVE)
    out.update(changes)
    return out


def with_component(name: str, status: dict[str, str]) -> dict[str, Any]:
    out = copy.deepcopy(ACTIVE)
    out["integrationDetails"]["openSearchIntegrationDetails"][name]["status"] = status
    return out


def kind(region: str | None = None, environ: dict[str, str] | None = None) -> AwsLogsIntegration:
    return AwsLogsIntegration(Settings(aws=AwsSettings(region=region)), environ=environ or {})


def bare(status: str | None, name: str = "vended-logs") -> Observed:
    """What an answer without details (no destinations, no components) reads as."""
    answer = {"integrationName": name, "integrationType": "OPENSEARCH"}
    if status is not None:
        answer["integrationStatus"] = status
    return kind().normalise(answer, "eu-west-1")


def spec(**changes: Any) -> AwsLogsIntegrationSpec:
    opensearch = {
        "data_source_role_arn": "arn:aws:iam::123456789012:role/LogsToOpenSearch",
        "dashboard_viewer_principals": ["arn:aws:iam::123456789012:role/Analysts"],
        "retention_days": 30,
        **changes.pop("opensearch", {}),
    }
    data = {"integration_name": "vended-logs", "opensearch": opensearch, **changes}
    return AwsLogsIntegrationSpec.model_validate(data)


# -- normalise ------------------------------------------------------------------------------


def test_normalise_active() -> None:
    observed = kind().normalise(raw(), "eu-west-1")
    assert observed.natural_key == "eu-west-1/vended-logs"
    assert observed.remote_id == "vended-logs"
    assert observed.health is None
    assert observed.values == {
        "integration_name": "vended-logs",
        "integration_type": "OPENSEARCH",
        "opensearch": {"application_arn": APP_ARN},
    }


def test_normalise_has_nothing_for_write_only_members() -> None:
    opensearch = kind().normalise(raw(), "eu-west-1").values["opensearch"]
    for path in AwsLogsIntegration.rules.write_only_paths:
        assert path.split(".", 1)[1] not in opensearch


def test_provisioning_is_healthy_but_pending() -> None:
    # Components show up one by one while provisioning: missing ones are not a problem yet.
    provisioning = with_component("collection", {"status": "NOT_FOUND"})
    provisioning["integrationStatus"] = "PROVISIONING"
    assert kind().normalise(provisioning, "eu-west-1").health is None


def test_provisioning_right_after_put_has_no_details() -> None:
    observed = bare("PROVISIONING")
    assert observed.health is None
    assert observed.values["opensearch"] == {"application_arn": None}
    # Not reported yet is not "no application": a pinned application_arn waits for it.
    assert observed.unreported == ("opensearch.application_arn",)
    assert any("application_arn is compared once" in note for note in observed.notes)


def test_an_active_integration_without_an_application_is_not_read_as_no_application() -> None:
    # A field the answer leaves out is not "absent": a pinned application_arn compared with
    # nothing would plan a replacement (delete, dashboards and all). The comparison waits,
    # and the plan says why.
    observed = bare("ACTIVE")
    assert observed.unreported == ("opensearch.application_arn",)
    assert any("names no OpenSearch application" in note for note in observed.notes)
    # FAILED is replaced whatever it reports: nothing to defer there.
    failed = bare("FAILED", name="x")
    assert failed.unreported == ()


def test_an_answer_without_a_status_defers_nothing() -> None:
    observed = bare(None)
    assert observed.unreported == ()


def test_failed() -> None:
    failed = with_component("collection", {"status": "ERROR", "statusMessage": "quota"})
    failed["integrationStatus"] = "FAILED"
    assert kind().normalise(failed, "eu-west-1").health == "FAILED"


def test_component_not_found() -> None:
    observed = kind().normalise(with_component("collection", {"status": "NOT_FOUND"}), "eu-west-1")
    assert observed.health == "collection NOT_FOUND"


def test_component_error_carries_the_message_on_one_line() -> None:
    broken = with_component(
        "accessPolicy", {"status": "ERROR", "statusMessage": "Policy\n  was modified"}
    )
    assert kind().normalise(broken, "eu-west-1").health == "accessPolicy ERROR: Policy was modified"


def test_several_unhealthy_components_in_model_order() -> None:
    broken = with_component("lifecyclePolicy", {"status": "ERROR"})
    broken["integrationDetails"]["openSearchIntegrationDetails"]["dataSource"]["status"] = {
        "status": "NOT_FOUND"
    }
    health = kind().normalise(broken, "eu-west-1").health
    assert health == "dataSource NOT_FOUND; lifecyclePolicy ERROR"


def test_component_added_to_the_api_later_is_checked() -> None:
    future = raw()
    future["integrationDetails"]["openSearchIntegrationDetails"]["pipeline"] = {
        "pipelineName": "p",
        "status": {"status": "NOT_FOUND"},
    }
    assert kind().normalise(future, "eu-west-1").health == "pipeline NOT_FOUND"


def test_unknown_union_member() -> None:
    # botocore's form of a union member it does not know.
    unknown = raw(integrationDetails={"SDK_UNKNOWN_MEMBER": {"name": "s3TablesIntegrationDetails"}})
    observed = kind().normalise(unknown, "eu-west-1")
    assert observed.health is None
    assert observed.values["opensearch"] == {"application_arn": None}


def test_unknown_top_level_member_is_ignored() -> None:
    observed = kind().normalise(raw(createdAt="2026-01-01T00:00:00Z"), "eu-west-1")
    assert observed == kind().normalise(raw(), "eu-west-1")


def test_unknown_status_is_not_a_reason_to_replace() -> None:
    assert kind().normalise(raw(integrationStatus="UPDATING"), "eu-west-1").health is None


def test_no_name_is_an_api_error() -> None:
    with pytest.raises(ApiError, match="GetIntegration in eu-west-1 returned no integrationName"):
        kind().normalise({"integrationStatus": "ACTIVE"}, "eu-west-1")


def test_fingerprint_follows_health() -> None:
    k = kind()
    healthy = k.normalise(raw(), "eu-west-1")
    broken = k.normalise(with_component("workspace", {"status": "NOT_FOUND"}), "eu-west-1")
    assert fingerprint(healthy, k.rules) != fingerprint(broken, k.rules)


# -- desired values, options -----------------------------------------------------------------


def test_desired_values_minimal() -> None:
    assert kind("eu-west-1").desired_values(spec()) == {
        "integration_name": "vended-logs",
        "integration_type": "OPENSEARCH",
        "opensearch": {
            "data_source_role_arn": "arn:aws:iam::123456789012:role/LogsToOpenSearch",
            "dashboard_viewer_principals": ["arn:aws:iam::123456789012:role/Analysts"],
            "retention_days": 30,
            "kms_key_arn": None,
            "application_arn": None,
        },
    }


def test_desired_values_are_json_and_leave_out_options() -> None:
    s = spec(force_delete=True, opensearch={"application_arn": APP_ARN})
    values = kind("eu-west-1").desired_values(s)
    assert "force_delete" not in json.dumps(values)
    assert values["opensearch"]["application_arn"] == APP_ARN
    assert kind().options(s) == {"force_delete": True}
    assert kind().options(spec()) == {"force_delete": False}


def test_desired_values_have_the_shape_of_observed() -> None:
    desired = kind("eu-west-1").desired_values(spec(opensearch={"application_arn": APP_ARN}))
    observed = kind().normalise(raw(), "eu-west-1").values
    for key, value in observed.items():
        if isinstance(value, dict):
            assert set(value) <= set(desired[key])
        else:
            assert desired[key] == value


def test_resource_config_sends_optional_members_only_when_set() -> None:
    assert resource_config(spec().opensearch) == {
        "dataSourceRoleArn": "arn:aws:iam::123456789012:role/LogsToOpenSearch",
        "dashboardViewerPrincipals": ["arn:aws:iam::123456789012:role/Analysts"],
        "retentionDays": 30,
    }
    kms = "arn:aws:kms:eu-west-1:123456789012:alias/logs"
    full = resource_config(
        spec(opensearch={"kms_key_arn": kms, "application_arn": APP_ARN}).opensearch
    )
    assert full["kmsKeyArn"] == kms
    assert full["applicationArn"] == APP_ARN


# -- regions and keys ------------------------------------------------------------------------


def test_region_from_the_spec_wins() -> None:
    k = kind("us-east-1", {"AWS_REGION": "ap-south-1"})
    assert k.natural_key(spec(region="eu-west-1")) == "eu-west-1/vended-logs"


def test_region_from_aws_settings() -> None:
    assert (
        kind("us-east-1", {"AWS_REGION": "ap-south-1"}).natural_key(spec())
        == "us-east-1/vended-logs"
    )


def test_region_from_aws_region_then_aws_default_region() -> None:
    both = {"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "sa-east-1"}
    assert kind(None, both).natural_key(spec()) == "ap-south-1/vended-logs"
    assert (
        kind(None, {"AWS_DEFAULT_REGION": "sa-east-1"}).natural_key(spec())
        == "sa-east-1/vended-logs"
    )


def test_no_region_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        kind().natural_key(spec())
    assert info.value.field == "region"
    assert (
        "no region for integration vended-logs: set region here, [aws].region, or AWS_REGION"
        in str(info.value)
    )


def test_bad_region_from_the_environment() -> None:
    with pytest.raises(ConfigError, match="AWS_REGION is 'Ireland', which is not an AWS region"):
        kind(None, {"AWS_REGION": "Ireland"}).natural_key(spec())
    # A region name that does not exist (a typo) is refused too, with a suggestion.
    with pytest.raises(ConfigError, match=r"'eu-wst-1', which is not an AWS region.*eu-west-1"):
        kind(None, {"AWS_REGION": "eu-wst-1"}).natural_key(spec())


def test_scope_splits_at_the_first_slash() -> None:
    # Names may contain "/", regions cannot.
    assert kind().scope("eu-west-1/team/vended#1") == "eu-west-1"


def test_default_scopes() -> None:
    assert kind("eu-west-1").default_scopes([]) == ["eu-west-1"]
    assert kind(None, {"AWS_DEFAULT_REGION": "us-west-2"}).default_scopes([]) == ["us-west-2"]
    assert kind().default_scopes([]) == []


def test_rules() -> None:
    rules = AwsLogsIntegration.rules
    assert rules.replace_paths == ("*",)
    assert set(rules.write_only_paths) == {
        "opensearch.data_source_role_arn",
        "opensearch.dashboard_viewer_principals",
        "opensearch.retention_days",
        "opensearch.kms_key_arn",
    }
    assert rules.computed_paths == ("opensearch.application_arn",)
    assert rules.set_paths == ("opensearch.dashboard_viewer_principals",)


# -- import table ------------------------------------------------------------------------------


def test_spec_table_has_the_readable_fields_only() -> None:
    k = kind()
    table = k.spec_table(k.normalise(raw(), "eu-west-1"))
    assert table == {
        "integration_name": "vended-logs",
        "region": "eu-west-1",
        "integration_type": "OPENSEARCH",
        "opensearch": {"application_arn": APP_ARN},
    }
    # Deliberately incomplete: the write-only members must be filled in by hand.
    with pytest.raises(ValueError, match="data_source_role_arn"):
        AwsLogsIntegrationSpec.model_validate(table)


def test_spec_table_validates_once_filled_in() -> None:
    k = kind()
    table = k.spec_table(k.normalise(raw(), "eu-west-1"))
    table["opensearch"].update(
        data_source_role_arn="arn:aws:iam::123456789012:role/r",
        dashboard_viewer_principals=["arn:aws:iam::123456789012:root"],
        retention_days=7,
    )
    filled = AwsLogsIntegrationSpec.model_validate(table)
    assert k.natural_key(filled) == "eu-west-1/vended-logs"


def test_import_command_skips_it_with_a_reason_and_writes_nothing(tmp_path: Path) -> None:
    k = kind()
    target = tmp_path / "imported.toml"
    state = State.new()
    added, skipped = import_objects(
        [(k.name, k.normalise(raw(), "eu-west-1"))], {k.name: k}, state, target, {}
    )
    assert added == []
    assert len(skipped) == 1
    assert "eu-west-1/vended-logs: not imported" in skipped[0]
    assert "opensearch.data_source_role_arn cannot be read" in skipped[0]
    assert not target.exists()
    assert state.resources == {}


def test_importing_and_building_the_kind_does_not_import_boto3() -> None:
    # The kind is imported and built by every command, validate included.
    code = (
        "import sys\n"
        "from reconciler.kinds.aws_logs_integration import AwsLogsIntegration\n"
        "from reconciler.settings import Settings\n"
        "AwsLogsIntegration(Settings())\n"
    )
    assert child.packages(child.imported_by(code)) & {"boto3", "botocore"} == set()


def test_an_answer_without_integration_type_is_unreadable() -> None:
    # integration_type forces a replacement when it differs: never read as "different".
    with pytest.raises(ApiError, match="no integrationType"):
        kind("eu-west-1").normalise({"integrationName": "vended"}, "eu-west-1")

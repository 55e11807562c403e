"""Pure parts of the kind: raw API objects in, values out; TOML in, desired values out."""

from __future__ import annotations

import copy
from typing import Any

from reconciler import diff
from reconciler.kinds.base import Observed
from reconciler.kinds.datadog_aws_account import DatadogAwsAccount
from reconciler.kinds.datadog_spec import DatadogAwsAccountSpec
from reconciler.secrets import EnvSecret
from reconciler.settings import Settings

# logs_config as Datadog answers it for an account that forwards no logs.
NO_LOG_FORWARDING = {
    "lambda_forwarder": {"lambdas": [], "sources": [], "log_source_config": {"tag_filters": []}}
}


KIND = DatadogAwsAccount(Settings())
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
EXTERNAL_ID = "3a8f0c1d9e2b4f5a8c7d6e5f4a3b2c1d"

# The shape of a 2024 list response: null tags, nanosecond timestamps, a server field this
# model does not know, metric_name_filters and log_source_config missing (older server).
RECORDED_2024: dict[str, Any] = {
    "id": "9a4b1a34-6bd8-4ab5-8e0f-1d7a3b6b2c11",
    "type": "account",
    "attributes": {
        "account_tags": None,
        "auth_config": {"external_id": EXTERNAL_ID, "role_name": "DatadogIntegrationRole"},
        "aws_account_id": "123456789012",
        "aws_partition": "aws",
        "aws_regions": {"include_only": ["us-east-1"]},
        "created_at": "2024-10-28T19:39:41.445076718Z",
        "modified_at": "2024-10-28T19:39:41.445076718Z",
        "logs_config": {"lambda_forwarder": {"lambdas": [], "sources": []}},
        "metrics_config": {
            "automute_enabled": True,
            "collect_cloudwatch_alarms": False,
            "collect_custom_metrics": False,
            "enabled": True,
            "namespace_filters": {"include_only": ["AWS/EC2"]},
            "tag_filters": [{"namespace": "AWS/EC2", "tags": None}],
        },
        "resources_config": {
            "cloud_security_posture_management_collection": False,
            "extended_collection": True,
        },
        "traces_config": {"xray_services": {"include_only": ["AWS/AppSync"]}},
        "ccm_config": {"data_export_configs": []},
    },
}

# A key-based account as a 2025 response shows it: only access_key_id comes back.
RECORDED_KEYS: dict[str, Any] = {
    "id": "0b3c2d1e-1111-4a2b-9c3d-4e5f6a7b8c9d",
    "type": "account",
    "attributes": {
        "account_tags": ["env:legacy"],
        "auth_config": {"access_key_id": "AKIAIOSFODNN7EXAMPLE"},
        "aws_account_id": "210987654321",
        "aws_partition": "aws",
        "aws_regions": {"include_all": True},
        "created_at": "2025-08-04T10:01:02.123456Z",
        "modified_at": "2025-08-04T10:01:02.123456Z",
        "logs_config": NO_LOG_FORWARDING,
        "metrics_config": {
            "automute_enabled": True,
            "collect_cloudwatch_alarms": False,
            "collect_custom_metrics": False,
            "enabled": True,
            "namespace_filters": {"exclude_only": ["AWS/SQS", "AWS/ElasticMapReduce"]},
            "tag_filters": [],
            "metric_name_filters": [],
        },
        "resources_config": {
            "cloud_security_posture_management_collection": False,
            "extended_collection": True,
        },
        "traces_config": {"xray_services": {"include_only": []}},
    },
}


def spec(data: dict[str, Any], env: dict[str, str] | None = None) -> DatadogAwsAccountSpec:
    return DatadogAwsAccountSpec.model_validate(data, context={"env": env or {}})


def test_normalise_keeps_ids_apart_and_drops_server_fields() -> None:
    observed = KIND.normalise(RECORDED_2024, "")
    assert observed.natural_key == "123456789012"
    assert observed.remote_id == "9a4b1a34-6bd8-4ab5-8e0f-1d7a3b6b2c11"
    assert observed.health is None
    values = observed.values
    for gone in ("id", "created_at", "modified_at", "ccm_config", "type"):
        assert gone not in values


def test_normalise_maps_null_lists_to_empty() -> None:
    values = KIND.normalise(RECORDED_2024, "").values
    assert values["account_tags"] == []
    assert values["metrics_config"]["tag_filters"] == [{"namespace": "AWS/EC2", "tags": []}]


def test_normalise_keeps_external_id_and_derives_the_auth_method() -> None:
    values = KIND.normalise(RECORDED_2024, "").values
    assert values["auth_config"] == {
        "role_name": "DatadogIntegrationRole",
        "external_id": EXTERNAL_ID,
        "method": "role",
    }
    keys = KIND.normalise(RECORDED_KEYS, "").values
    assert keys["auth_config"] == {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "method": "keys"}


def test_normalise_fills_a_missing_log_source_config() -> None:
    values = KIND.normalise(RECORDED_2024, "").values
    forwarder = values["logs_config"]["lambda_forwarder"]
    assert forwarder["log_source_config"] == {"tag_filters": []}


def test_normalise_drops_unknown_keys_at_every_depth() -> None:
    raw = copy.deepcopy(RECORDED_KEYS)
    raw["attributes"]["metrics_config"]["new_server_flag"] = True
    raw["attributes"]["auth_config"]["secret_access_key"] = "echoed?"
    raw["attributes"]["aws_regions"]["include_only"] = None
    values = KIND.normalise(raw, "").values
    assert "new_server_flag" not in values["metrics_config"]
    assert "secret_access_key" not in values["auth_config"]
    # Inside a oneOf, null means "not this branch", not [].
    assert values["aws_regions"] == {"include_all": True}


def test_desired_values_fill_every_server_default() -> None:
    values = KIND.desired_values(
        spec({"aws_account_id": "123456789012", "auth_config": {"role_name": "R"}})
    )
    assert values == {
        "aws_account_id": "123456789012",
        "aws_partition": "aws",
        "account_tags": [],
        "auth_config": {"role_name": "R", "method": "role"},
        "aws_regions": {"include_all": True},
        "logs_config": NO_LOG_FORWARDING,
        "metrics_config": {
            "enabled": True,
            "automute_enabled": True,
            "collect_cloudwatch_alarms": False,
            "collect_custom_metrics": False,
            # The recorded real default (2024-10, 2025-08), not the documented three names.
            "namespace_filters": {"exclude_only": ["AWS/SQS", "AWS/ElasticMapReduce"]},
            "tag_filters": [],
            "metric_name_filters": [],
        },
        # extended_collection is left to Datadog unless written (older accounts lack it).
        "resources_config": {"cloud_security_posture_management_collection": False},
        "traces_config": {"xray_services": {"include_only": []}},
    }


def test_desired_values_carry_only_the_chosen_branch_and_the_secret_object() -> None:
    values = KIND.desired_values(
        spec(
            {
                "aws_account_id": "210987654321",
                "auth_config": {
                    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                    "secret_access_key": "${env:LEGACY_AWS_SECRET}",
                },
                "aws_regions": {"include_only": ["eu-west-1"]},
                "metrics_config": {"namespace_filters": {"include_only": ["AWS/EC2"]}},
            },
            env={"LEGACY_AWS_SECRET": SECRET},
        )
    )
    auth = values["auth_config"]
    assert set(auth) == {"access_key_id", "secret_access_key", "method"}
    assert isinstance(auth["secret_access_key"], EnvSecret)
    assert auth["secret_access_key"].env == "LEGACY_AWS_SECRET"
    assert values["aws_regions"] == {"include_only": ["eu-west-1"]}
    assert values["metrics_config"]["namespace_filters"] == {"include_only": ["AWS/EC2"]}


def test_a_server_echo_of_the_desired_object_compares_equal() -> None:
    # What Datadog answers after a POST of these values: lists reordered, tags null.
    s = spec(
        {
            "aws_account_id": "123456789012",
            "account_tags": ["team:a", "env:prod"],
            "auth_config": {"role_name": "R"},
            "aws_regions": {"include_only": ["us-east-1", "eu-west-1"]},
            "metrics_config": {"tag_filters": [{"namespace": "AWS/EC2"}]},
        }
    )
    desired = KIND.desired_values(s)
    echoed = copy.deepcopy(desired)
    del echoed["auth_config"]["method"]
    echoed["auth_config"]["external_id"] = EXTERNAL_ID
    echoed["account_tags"] = ["env:prod", "team:a"]
    echoed["aws_regions"]["include_only"] = ["eu-west-1", "us-east-1"]
    echoed["metrics_config"]["namespace_filters"]["exclude_only"] = [
        "AWS/ElasticMapReduce",
        "AWS/SQS",
    ]
    echoed["resources_config"]["extended_collection"] = True  # Datadog's default, filled in
    echoed["metrics_config"]["tag_filters"][0]["tags"] = None
    del echoed["metrics_config"]["metric_name_filters"]
    observed = KIND.normalise({"id": "x", "type": "account", "attributes": echoed}, "")
    assert diff.compare(observed.values, desired, KIND.rules) == []


def test_switching_auth_method_forces_replacement_but_a_new_role_does_not() -> None:
    role = KIND.normalise(RECORDED_2024, "").values
    keys = KIND.desired_values(
        spec(
            {
                "aws_account_id": "123456789012",
                "auth_config": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": "${env:S}"},
            },
            env={"S": SECRET},
        )
    )
    keys["auth_config"]["secret_access_key"] = "hmac-sha256:00"
    # deepdiff reports a dict whose keys all changed as one change of the dict itself.
    forced = [c.path for c in diff.compare(role, keys, KIND.rules) if c.forces_replacement]
    assert forced == ["auth_config"]

    renamed = copy.deepcopy(role)
    renamed["auth_config"]["role_name"] = "Other"
    changes = diff.compare(role, renamed, KIND.rules)
    assert [c.path for c in changes] == ["auth_config.role_name"]
    assert not changes[0].forces_replacement


def test_spec_table_is_short_and_round_trips() -> None:
    observed = KIND.normalise(RECORDED_2024, "")
    table = KIND.spec_table(observed)
    assert table == {
        "aws_account_id": "123456789012",
        "auth_config": {"role_name": "DatadogIntegrationRole"},
        "aws_regions": {"include_only": ["us-east-1"]},
        "metrics_config": {
            "namespace_filters": {"include_only": ["AWS/EC2"]},
            "tag_filters": [{"namespace": "AWS/EC2", "tags": []}],
        },
        "traces_config": {"xray_services": {"include_only": ["AWS/AppSync"]}},
    }
    desired = KIND.desired_values(spec(table))
    assert diff.compare(observed.values, desired, KIND.rules) == []


def test_spec_table_keeps_a_one_of_branch_whole_and_drops_defaults() -> None:
    table = {
        "aws_account_id": "123456789012",
        "auth_config": {"role_name": "R"},
        "aws_regions": {"include_all": True},
        "metrics_config": {
            "enabled": False,
            "namespace_filters": {"exclude_only": ["AWS/ElasticMapReduce", "AWS/SQS"]},
        },
        "traces_config": {"xray_services": {"include_all": True}},
    }
    values = KIND.desired_values(spec(table))
    values["resources_config"]["extended_collection"] = True  # as Datadog reports it
    observed = Observed(natural_key="123456789012", remote_id="x", values=values)
    before = copy.deepcopy(values)
    assert KIND.spec_table(observed) == {
        "aws_account_id": "123456789012",
        "auth_config": {"role_name": "R"},
        "metrics_config": {"enabled": False},
        "traces_config": {"xray_services": {"include_all": True}},
    }
    assert observed.values == before  # spec_table works on a copy


def test_spec_table_for_key_auth_names_the_secret_variable() -> None:
    observed = KIND.normalise(RECORDED_KEYS, "")
    table = KIND.spec_table(observed)
    assert table["auth_config"] == {
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": "${env:DD_AWS_SECRET_210987654321}",
    }
    # The 2025 server default (no AWS/Usage) is the model's default: nothing to write.
    assert "metrics_config" not in table
    assert table["account_tags"] == ["env:legacy"]
    desired = KIND.desired_values(spec(table, env={"DD_AWS_SECRET_210987654321": SECRET}))
    readable = diff.readable(desired, KIND.rules)
    assert diff.compare(observed.values, readable, KIND.rules) == []

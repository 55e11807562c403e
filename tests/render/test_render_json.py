from __future__ import annotations

import json
import random
from typing import Any

from reconciler.model import Action, DriftChange, FieldChange, Plan
from reconciler.render.json_plan import plan_to_json, render_json
from reconciler.render.values import covers, parse_path, redact
from tests.render.plans import DIGESTS, FINGERPRINT, SECRET_DIGEST, change, make_plan


def _by_address(view: dict[str, Any], key: str = "resource_changes") -> dict[str, Any]:
    return {e["address"]: e for e in view[key]}


def test_top_level_fields(plan: Plan) -> None:
    view = plan_to_json(plan)
    missing = {
        "format_version",
        "resource_changes",
        "resource_drift",
        "unmanaged",
        "fingerprints",
        "summary",
        "lineage",
        "serial",
        "config_digest",
        "refresh_only",
    } - view.keys()
    assert not missing, missing
    assert view["format_version"] == "1.0"
    assert view["lineage"] == "lineage-1"
    assert view["serial"] == 7
    assert view["config_digest"] == "sha256:" + "ff" * 32
    assert view["refresh_only"] is False
    assert view["summary"] == {
        "import": 1,
        "add": 2,
        "change": 2,
        "destroy": 2,
        "line": "Plan: 1 to import, 2 to add, 2 to change, 2 to destroy.",
    }


def test_actions_arrays_follow_terraform(plan: Plan) -> None:
    changes = _by_address(plan_to_json(plan))
    assert {a: e["change"]["actions"] for a, e in changes.items()} == {
        "aws_logs_integration.vended": ["delete", "create"],
        "datadog_aws_account.adopted": ["no-op"],
        "datadog_aws_account.legacy": ["update"],
        "datadog_aws_account.new": ["create"],
        "datadog_aws_account.old": ["delete"],
        "datadog_aws_account.prod": ["update"],
        "datadog_aws_account.steady": ["no-op"],
    }
    assert changes["datadog_aws_account.adopted"]["change"]["importing"] == {"id": "uuid-adopted"}
    assert "importing" not in changes["datadog_aws_account.steady"]["change"]
    prod = changes["datadog_aws_account.prod"]
    assert (prod["type"], prod["name"], prod["mode"]) == ("datadog_aws_account", "prod", "managed")


def test_resource_changes_sorted_by_address(plan: Plan) -> None:
    shuffled = plan.model_copy(update={"changes": random.Random(3).sample(plan.changes, 7)})
    addresses = [e["address"] for e in plan_to_json(shuffled)["resource_changes"]]
    assert addresses == sorted(addresses)
    assert render_json(shuffled) == render_json(plan)


def test_replace_paths_reason_and_create_delete_sides(plan: Plan) -> None:
    changes = _by_address(plan_to_json(plan))
    vended = changes["aws_logs_integration.vended"]
    assert vended["change"]["replace_paths"] == [["opensearch", "retention_days"]]
    assert vended["action_reason"] == "replace_because_cannot_update"
    assert vended["action_reason_detail"] == "no update API"
    assert vended["field_changes"][0]["forces_replacement"] is True
    new = changes["datadog_aws_account.new"]["change"]
    assert new["before"] is None and new["before_sensitive"] is False
    assert new["after"]["aws_account_id"] == "111111111111"
    old = changes["datadog_aws_account.old"]
    assert old["change"]["after"] is None
    assert old["prevent_destroy"] is True
    assert old["action_reason"] == "delete_because_no_resource_config"
    assert "action_reason" not in changes["datadog_aws_account.prod"]


def test_sensitive_values_are_null_and_marked(plan: Plan) -> None:
    changes = _by_address(plan_to_json(plan))
    legacy = changes["datadog_aws_account.legacy"]
    assert legacy["change"]["before"]["auth_config"] == {
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": None,
    }
    assert legacy["change"]["before_sensitive"] == {"auth_config": {"secret_access_key": True}}
    assert legacy["change"]["after_sensitive"] == {"auth_config": {"secret_access_key": True}}
    field = legacy["field_changes"][0]
    assert (field["before"], field["after"]) == (None, None)
    assert (field["before_sensitive"], field["after_sensitive"]) == (True, True)
    new = changes["datadog_aws_account.new"]["change"]
    assert new["after_sensitive"]["auth_config"] == {"secret_access_key": True}


def test_drift_layout(plan: Plan) -> None:
    drift = _by_address(plan_to_json(plan), "resource_drift")
    prod = drift["datadog_aws_account.prod"]
    assert prod["change"]["actions"] == ["update"]
    # before = what was last applied, after = what exists now
    assert prod["change"]["before"]["aws_partition"] == "aws"
    assert prod["change"]["after"]["aws_partition"] == "aws-cn"
    assert prod["change"]["before"]["aws_account_id"] == "123456789012"
    gone = drift["datadog_aws_account.vanished"]
    assert gone["change"]["actions"] == ["delete"]
    assert gone["change"]["after"] is None


def test_unmanaged_and_fingerprints(plan: Plan) -> None:
    view = plan_to_json(plan)
    (stray,) = view["unmanaged"]
    assert stray["type"] == "datadog_aws_account"
    assert stray["natural_key"] == "555555555555"
    assert stray["remote_id"] == "uuid-stray"
    assert stray["values"]["auth_config"]["secret_access_key"] is None
    assert stray["values_sensitive"] == {"auth_config": {"secret_access_key": True}}
    assert view["fingerprints"]["datadog_aws_account.prod"] == FINGERPRINT
    assert "datadog_aws_account.new" not in view["fingerprints"]
    assert view["prevent_destroy_conflicts"] == ["datadog_aws_account.old"]


def test_no_digest_anywhere(plan: Plan) -> None:
    leaky = plan.model_copy(
        update={
            "changes": [
                *plan.changes,
                change(
                    "datadog_aws_account.z",
                    Action.UPDATE,
                    "999",
                    reason=f"replace_because_secret: was {SECRET_DIGEST}",
                    before={"list": ["a", SECRET_DIGEST]},
                    after={"list": ["a"]},
                    changes=[FieldChange(path="list", before=["a", SECRET_DIGEST], after=["a"])],
                ),
            ],
            "drift": [
                *plan.drift,
                DriftChange(
                    address="datadog_aws_account.legacy",
                    kind="datadog_aws_account",
                    name="legacy",
                    changes=[
                        FieldChange(
                            path="auth_config.secret_access_key",
                            before=DIGESTS[1],
                            after=DIGESTS[2],
                        )
                    ],
                ),
            ],
        }
    )
    text = render_json(leaky)
    assert "hmac-sha256" not in text
    for digest in DIGESTS:
        assert digest.split(":")[1] not in text
    json.loads(text)


def test_policy_style_scan_finds_every_deletion(plan: Plan) -> None:
    # What a Terraform policy (OPA, conftest) typically asks: which changes delete something?
    view = json.loads(render_json(plan))
    deleting = sorted(
        rc["address"] for rc in view["resource_changes"] if "delete" in rc["change"]["actions"]
    )
    assert deleting == ["aws_logs_integration.vended", "datadog_aws_account.old"]


def test_refresh_only_flag() -> None:
    view = plan_to_json(Plan(refresh_only=True))
    assert view["refresh_only"] is True
    assert view["resource_changes"] == [] and view["has_changes"] is False


def test_paths_and_patterns() -> None:
    assert parse_path("metrics_config.tag_filters[0].tags") == [
        "metrics_config",
        "tag_filters",
        0,
        "tags",
    ]
    assert covers(parse_path("a.b[].secret"), parse_path("a.b[3].secret"))
    assert covers(parse_path("a.*.secret"), parse_path("a.x.secret.deeper"))
    assert not covers(parse_path("a.b[].secret"), parse_path("a.b.secret"))
    value, mask = redact(
        {"b": [{"secret": "s1", "name": "n"}]}, ["a"], [parse_path("a.b[].secret")]
    )
    assert value == {"b": [{"secret": None, "name": "n"}]}
    assert mask == {"b": [{"secret": True}]}
    assert redact(None, [], [], sensitive=True) == (None, False)


def test_make_plan_is_stable() -> None:
    assert render_json(make_plan()) == render_json(make_plan())

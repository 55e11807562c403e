"""Pure pieces of the sandbox: the Datadog model and checks, the AWS identity."""

from __future__ import annotations

import pytest

from reconciler.sandbox import datadog_model as model
from reconciler.sandbox import datadog_validation as checks
from reconciler.sandbox.aws_identity import DEFAULT_ACCOUNT_ID, account_for, caller


@pytest.mark.parametrize(
    "values",
    [["a", "b"], ["b", "a"], ["us-east-1", "eu-west-1", "ap-south-1"], list("abcdefgh")],
)
def test_permute_never_keeps_the_sent_order(values: list[str]) -> None:
    out = model.permute(values)
    assert sorted(out) == sorted(values)
    assert out != values
    assert model.permute(list(values)) == out  # stable


def test_permute_depends_on_contents_not_on_sent_order_when_possible() -> None:
    values = ["AWS/EC2", "AWS/S3", "AWS/RDS", "AWS/ELB"]
    canonical = model.permute(values)
    others = [list(reversed(values)), values[1:] + values[:1]]
    for sent in others:
        if sent != canonical:
            assert model.permute(sent) == canonical


def test_permute_leaves_single_and_identical_values() -> None:
    assert model.permute(["only"]) == ["only"]
    assert model.permute(["x", "x"]) == ["x", "x"]


def test_merge_replaces_lists_and_one_of_blocks_and_keeps_the_rest() -> None:
    old = model.defaults()
    old["aws_regions"] = {"include_only": ["us-east-1"]}
    new = {
        "aws_regions": {"include_all": True},
        "metrics_config": {"tag_filters": [], "collect_custom_metrics": True},
        "traces_config": {},
    }
    merged = model.merge(old, new)
    assert merged["aws_regions"] == {"include_all": True}
    assert merged["metrics_config"]["collect_custom_metrics"] is True
    assert merged["metrics_config"]["automute_enabled"] is True
    assert merged["traces_config"] == {"xray_services": {"include_only": []}}
    assert old["aws_regions"] == {"include_only": ["us-east-1"]}  # not mutated


def test_timestamps() -> None:
    ns = 1_730_116_841_445_076_718
    assert model.timestamp(ns, nanoseconds=True) == "2024-10-28T12:00:41.445076718Z"
    assert model.timestamp(ns, nanoseconds=False) == "2024-10-28T12:00:41.445076Z"


def test_timestamps_are_trimmed_as_recorded() -> None:
    # Recorded 2024-10-28: "2024-09-03T00:03:40.24818Z" (trailing zero trimmed).
    ns = 1_725_321_820_248_180_000
    assert model.timestamp(ns, nanoseconds=False) == "2024-09-03T00:03:40.24818Z"
    assert model.timestamp(ns, nanoseconds=True) == "2024-09-03T00:03:40.24818Z"
    whole = 1_725_321_820_000_000_000
    assert model.timestamp(whole, nanoseconds=True) == "2024-09-03T00:03:40Z"


def test_only_the_create_answer_echoes_empty_tags_as_null() -> None:
    record = {"id": "x", "attributes": {"account_tags": []}, "created_ns": 0, "modified_ns": 0}
    assert (
        model.render(record, nanoseconds=True, created=True)["attributes"]["account_tags"] is None
    )
    assert model.render(record, nanoseconds=False)["attributes"]["account_tags"] == []
    tagged = {**record, "attributes": {"account_tags": ["a:b"]}}
    assert model.render(tagged, nanoseconds=True, created=True)["attributes"]["account_tags"] == [
        "a:b"
    ]


def test_secret_is_checked_then_dropped() -> None:
    attrs = checks.clean_attributes(
        {
            "aws_account_id": "123456789012",
            "auth_config": {"access_key_id": "AKIA", "secret_access_key": "hidden"},
        },
        creating=True,
    )
    assert attrs["auth_config"] == {"access_key_id": "AKIA"}
    with pytest.raises(checks.BadRequest) as exc:
        checks.clean_attributes(
            {
                "aws_account_id": "123456789012",
                "auth_config": {"access_key_id": "A", "secret_access_key": ""},
            },
            creating=True,
        )
    assert exc.value.error["meta"] == {
        "auth_config.secret_access_key": "expected a non-empty string"
    }


@pytest.mark.parametrize(
    ("key", "account"),
    [
        ("sandbox", DEFAULT_ACCOUNT_ID),
        ("testing", DEFAULT_ACCOUNT_ID),
        ("210987654321", "210987654321"),
    ],
)
def test_account_for_known_keys(key: str, account: str) -> None:
    assert account_for(key) == account


def test_account_for_other_keys_is_stable_and_12_digits() -> None:
    account = account_for("AKIAOTHERKEY")
    assert account == account_for("AKIAOTHERKEY")
    assert len(account) == 12 and account.isdigit()
    assert account != DEFAULT_ACCOUNT_ID


def test_caller_reads_sigv4_scope() -> None:
    header = (
        "AWS4-HMAC-SHA256 Credential=210987654321/20260101/ap-southeast-2/logs/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    assert caller(header) == ("210987654321", "ap-southeast-2")
    assert caller("Bearer x") is None

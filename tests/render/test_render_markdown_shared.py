"""A reviewer can use the markdown at 300 changes: identical changes are shown once with every
address, and values outlive addresses when the comment has to shrink."""

from __future__ import annotations

import re

from reconciler.model import Action, FieldChange, Plan
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from tests.render.plans import change, identical_updates, make_plan, many_changes

PLAN_DIGEST = "sha256:" + "0" * 64
DIGEST_LINE = "Plan file digest: " + PLAN_DIGEST
CHANGE = (
    "- metrics_config.collect_custom_metrics: false\n"
    "+ metrics_config.collect_custom_metrics: true\n"
)


def _addresses(text: str) -> list[str]:
    return re.findall(r"<code>(datadog_aws_account\.[a-z0-9]+)</code>", text)


def test_300_identical_updates_show_the_change_once_with_every_address() -> None:
    plan = Plan(lineage="l", serial=1, changes=identical_updates(300))
    text = render_markdown(plan, plan_digest=PLAN_DIGEST)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith("Plan: 0 to import, 0 to add, 300 to change, 0 to destroy.\n")
    assert text.count(CHANGE) == 1
    assert "**300 resources will be updated in-place**, each with the same change:" in text
    assert sorted(_addresses(text)) == [c.address for c in plan.changes]
    assert "... and" not in text
    assert "<details><summary><code>" not in text  # no per-resource block
    assert text.rstrip().endswith(DIGEST_LINE)


def test_shared_change_keeps_its_values_when_addresses_must_be_cut() -> None:
    plan = Plan(lineage="l", serial=1, changes=identical_updates(5000))
    text = render_markdown(plan, plan_digest=PLAN_DIGEST)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.count(CHANGE) == 1
    assert "**5000 resources will be updated in-place**" in text
    shown = len(_addresses(text))
    assert 100 < shown < 5000
    assert f"- ... and {5000 - shown} more\n" in text
    assert text.rstrip().endswith(DIGEST_LINE)
    # The address list is closed even when cut: the digest line is not inside <details>.
    assert text.index("</details>") < text.index(DIGEST_LINE)


def test_two_shared_changes_and_the_odd_one_out() -> None:
    odd = identical_updates(1, prefix="odd")[0]
    odd = odd.model_copy(
        update={
            "after": {**(odd.after or {}), "account_tags": ["env:dev"]},
            "changes": [
                *odd.changes,
                FieldChange(path="account_tags", before=["env:prod"], after=["env:dev"]),
            ],
        }
    )
    tags = [
        c.model_copy(
            update={"changes": [FieldChange(path="account_tags", before=["env:prod"], after=["x"])]}
        )
        for c in identical_updates(40, prefix="tag")
    ]
    plan = Plan(changes=[*identical_updates(40), *tags, odd])
    text = render_markdown(plan, plan_digest=None)
    assert text.count("**40 resources will be updated in-place**") == 2
    # Once for the 40, once in the odd one's own block (which also changes account_tags).
    assert text.count(CHANGE) == 2
    odd_block = text[text.index("<code>datadog_aws_account.odd0000</code> will be") :]
    assert '+ account_tags: ["env:dev"]' in odd_block
    assert (
        "<summary><code>datadog_aws_account.odd0000</code> will be updated in-place</summary>"
        in text
    )
    assert len(_addresses(text)) == 81


def test_mixed_plans_keep_per_resource_detail_when_it_fits() -> None:
    text = render_markdown(make_plan(), plan_digest=PLAN_DIGEST)
    assert "each with the same change" not in text
    assert (
        "<summary><code>datadog_aws_account.prod</code> will be updated in-place</summary>" in text
    )
    distinct = render_markdown(many_changes(40), plan_digest=PLAN_DIGEST)
    assert "each with the same change" not in distinct
    assert distinct.count("<details><summary><code>") == 40


def test_identical_creates_and_deletes_are_not_merged() -> None:
    # Their lines hold every field (account ids differ), so nothing reads the same; and a
    # destroy must stay listed by address in the warning block.
    for action in (Action.CREATE, Action.DELETE):
        text = render_markdown(many_changes(5, action=action), plan_digest=None)
        assert "each with the same change" not in text


def test_shared_change_under_import_lists_every_address() -> None:
    changes = [
        c.model_copy(update={"importing": True}) if i % 2 else c
        for i, c in enumerate(identical_updates(4))
    ]
    plan = Plan(changes=changes)
    rendered = {rc.address for rc in plan.changes}
    text = render_markdown(plan, plan_digest=None)
    assert set(_addresses(text)) == rendered


def test_replacements_share_their_change_but_stay_in_the_warning() -> None:
    changes = [
        change(
            f"aws_logs_integration.i{i}",
            Action.REPLACE,
            f"eu-west-1/i{i}",
            remote_id=f"i{i}",
            before={"integration_name": f"i{i}", "opensearch": {"retention_days": 30}},
            after={"integration_name": f"i{i}", "opensearch": {"retention_days": 14}},
            changes=[
                FieldChange(
                    path="opensearch.retention_days", before=30, after=14, forces_replacement=True
                )
            ],
        )
        for i in range(3)
    ]
    text = render_markdown(Plan(changes=changes), plan_digest=None)
    warning = text[text.index("> [!WARNING]") : text.index("### Changes")]
    assert warning.count("must be replaced") == 3
    assert "**3 resources must be replaced**, each with the same change:" in text
    assert "+ opensearch.retention_days: 14  # forces replacement" in text


def test_cut_lists_share_the_room_fairly() -> None:
    # 300 distinct updates listed before the shared change must not take all the room: the
    # shared change keeps its values and some of its addresses.
    plan = Plan(changes=[*identical_updates(300), *many_changes(300).changes])
    text = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=8000)
    assert len(text) <= 8000
    assert text.count(CHANGE) == 1
    shared = text[text.index("**300 resources will be updated in-place**") :]
    shared = shared[: shared.index("</details>")]
    singles = text[text.index("**will be updated in-place** (300)") :]
    singles = singles[: singles.index("... and")]
    in_shared, in_singles = shared.count("<code>"), singles.count("<code>")
    assert in_shared > 20 and abs(in_shared - in_singles) <= 1
    assert text.rstrip().endswith(DIGEST_LINE)


def test_updates_through_a_named_connection_are_grouped_and_a_single_one_says_where() -> None:
    through_eu = [
        c.model_copy(update={"natural_key": f"eu:{c.natural_key}"})
        for c in identical_updates(4, prefix="eu")
    ]
    plan = Plan(lineage="l", serial=1, changes=through_eu)
    text = render_markdown(plan, plan_digest=PLAN_DIGEST)
    assert text.count(CHANGE) == 1
    assert "**4 resources will be updated in-place**, each with the same change:" in text
    for member in through_eu:  # each listed address says its connection
        assert f"<code>{member.address}</code> (through eu: " in text
    single = render_markdown(
        Plan(lineage="l", serial=1, changes=through_eu[:1]), plan_digest=PLAN_DIGEST
    )
    assert f"will be updated in-place (through eu: {through_eu[0].natural_key[3:]})" in single

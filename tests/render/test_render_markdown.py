from __future__ import annotations

import pytest

from reconciler.model import Action, FieldChange, Plan
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from tests.render.plans import DIGESTS, change, many_changes

DIGEST_LINE = "Plan file digest: sha256:" + "0" * 64
PLAN_DIGEST = "sha256:" + "0" * 64


def test_layout(plan: Plan) -> None:
    text = render_markdown(plan, plan_digest=PLAN_DIGEST)
    assert text.startswith("Plan: 1 to import, 2 to add, 2 to change, 2 to destroy.\n")
    warning = text.index("> [!WARNING]")
    changes = text.index("### Changes")
    drift = text.index("### Objects changed outside reconciler")
    unmanaged = text.index("### Unmanaged")
    assert warning < changes < drift < unmanaged
    block = text[warning:changes]
    assert "<code>aws_logs_integration.vended</code> must be replaced" in block
    assert "<code>datadog_aws_account.old</code> will be destroyed" in block
    assert "prevent_destroy" in block
    assert "prod" not in block
    assert text.rstrip().endswith(DIGEST_LINE)
    assert (
        "<summary><code>datadog_aws_account.prod</code> will be updated in-place</summary>" in text
    )
    assert (
        "- opensearch.retention_days: 30\n+ opensearch.retention_days: 14  # forces replacement"
        in text
    )
    assert "```diff\n" in text
    assert "steady" not in text


def test_no_secret_or_digest(plan: Plan) -> None:
    text = render_markdown(plan, plan_digest=PLAN_DIGEST)
    assert "hmac-sha256" not in text
    for digest in DIGESTS:
        assert digest.split(":")[1] not in text
    assert "+ auth_config.secret_access_key: (sensitive)" in text


def test_deterministic(plan: Plan) -> None:
    reordered = plan.model_copy(update={"changes": list(reversed(plan.changes))})
    assert render_markdown(plan, plan_digest=None) == render_markdown(reordered, plan_digest=None)
    assert "Plan file digest" not in render_markdown(plan, plan_digest=None)


def test_five_thousand_changes_fit_in_one_comment() -> None:
    # How long this takes is measured by benchmarks/timings.py, not asserted here.
    big = many_changes(5000)
    text = render_markdown(big, plan_digest=PLAN_DIGEST)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith(big.summary().line() + "\n")
    assert text.rstrip().endswith(DIGEST_LINE)
    assert "more\n" in text


def test_shrinks_in_the_documented_order() -> None:
    plan = many_changes(40)
    full = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=10**7)
    # 1. everything, unchanged fields included
    assert '  field_0: "value-0"' in full
    assert '+ account_tags: ["env:0", "team:x"]' in full
    # 2. unchanged fields dropped, values kept
    changed = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=len(full) - 1)
    assert "field_0" not in changed
    assert '+ account_tags: ["env:0", "team:x"]' in changed
    # 3. paths only
    paths = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=len(changed) - 1)
    assert "! account_tags\n" in paths and "team:x" not in paths
    assert "<details>" in paths
    # 4. a plain list of addresses per action
    listed = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=len(paths) - 1)
    assert "<details>" not in listed
    assert "**will be updated in-place** (40):" in listed
    assert "- <code>datadog_aws_account.r00039</code>\n" in listed
    # 5. that list cut short
    cut = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=len(listed) - 1)
    assert "- ... and " in cut and "r00039" not in cut
    for text in (full, changed, paths, listed, cut):
        assert text.startswith(plan.summary().line())
        assert text.rstrip().endswith(DIGEST_LINE)
    assert len(full) > len(changed) > len(paths) > len(listed) > len(cut)


def test_warning_block_is_never_cut_while_it_fits() -> None:
    plan = many_changes(300, action=Action.DELETE)
    text = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=30000)
    assert len(text) <= 30000
    warning = text[text.index("> [!WARNING]") : text.index("### Changes")]
    assert warning.count("will be destroyed") == 300
    assert "- ... and" in text[text.index("### Changes") :]


def test_warning_block_collapses_when_alone_too_long() -> None:
    # 500 warning lines take about 40,000 characters: twice the limit on their own.
    plan = many_changes(500, action=Action.DELETE)
    text = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=20000)
    assert len(text) <= 20000
    assert text.startswith("Plan: 0 to import, 0 to add, 0 to change, 500 to destroy.\n")
    assert "This plan destroys or replaces 500 resources. The first ones:" in text
    assert "<code>datadog_aws_account.r00000</code> will be destroyed" in text
    assert "> - ... and " in text
    assert text.rstrip().endswith(DIGEST_LINE)


def test_prevent_destroy_listed_first_when_collapsed() -> None:
    plan = many_changes(500, action=Action.DELETE)
    last = plan.changes[-1].model_copy(update={"prevent_destroy": True})
    plan = plan.model_copy(update={"changes": [*plan.changes[:-1], last]})
    text = render_markdown(plan, plan_digest=None, limit=20000)
    assert "(1 protected by lifecycle.prevent_destroy)" in text
    first = text.index("> - <code>")
    assert text[first:].startswith(
        "> - <code>datadog_aws_account.r00499</code> will be destroyed (**lifecycle.prevent_destroy"
    )


def test_code_fence_and_html_cannot_be_broken() -> None:
    plan = Plan(
        changes=[
            change(
                "datadog_aws_account.<b>x</b>",
                Action.UPDATE,
                "1",
                before={"note": "a"},
                after={"note": "```\n</details>"},
                changes=[FieldChange(path="note", before="a", after="```\n</details>")],
            )
        ]
    )
    text = render_markdown(plan, plan_digest=None)
    assert "<code>datadog_aws_account.&lt;b&gt;x&lt;/b&gt;</code>" in text
    assert "````diff\n" in text
    assert text.count("</details>") == 2  # the closing tag, and the value inside the fence


def test_no_changes_and_refresh_only(plan: Plan) -> None:
    text = render_markdown(Plan(), plan_digest=None)
    assert text.startswith("Plan: 0 to import, 0 to add, 0 to change, 0 to destroy.\n")
    assert "No changes. Your infrastructure matches the configuration." in text
    refresh = render_markdown(plan.model_copy(update={"refresh_only": True}), plan_digest=None)
    assert "Refresh-only plan: 2 objects changed outside reconciler." in refresh
    assert "### Changes" not in refresh and "[!WARNING]" not in refresh
    assert "### Objects changed outside reconciler" in refresh


def test_limit_too_small_is_refused(plan: Plan) -> None:
    with pytest.raises(ValueError, match="at least"):
        render_markdown(plan, plan_digest=None, limit=100)


@pytest.mark.parametrize("action", [Action.UPDATE, Action.DELETE, Action.CREATE])
def test_every_limit_is_respected(action: Action) -> None:
    plan = many_changes(150, action=action)
    for limit in range(1024, 40000, 1531):
        text = render_markdown(plan, plan_digest=PLAN_DIGEST, limit=limit)
        assert len(text) <= limit, limit
        assert text.startswith(plan.summary().line() + "\n")
        assert text.rstrip().endswith(DIGEST_LINE)

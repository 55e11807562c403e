"""Regressions found in review: the digest line always survives, dict keys are cleaned."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.model import Action, FieldChange, Plan
from reconciler.render import render_human, render_markdown
from tests.render.plans import change

DIGEST_LINE = "Plan file digest: sha256:" + "ab" * 32


def _settings_only(n: int) -> Plan:
    return Plan(
        changes=[
            change(
                f"aws_logs_integration.integration_number_{i:05d}",
                Action.NOOP,
                f"eu-west-1/i{i}",
                remote_id=f"i{i}",
                settings_changed=["options.force_delete", "lifecycle.prevent_destroy"],
            )
            for i in range(n)
        ]
    )


def test_many_settings_notes_never_push_out_the_digest_line() -> None:
    text = render_markdown(_settings_only(3000), plan_digest="sha256:" + "ab" * 32)
    assert len(text) <= 65536
    assert text.rstrip("\n").splitlines()[-1] == DIGEST_LINE
    assert "... and " in text  # the notes shrank instead


def test_dict_keys_are_cleaned_like_values() -> None:
    key = "k\x9b31mX hmac-sha256:abcdef"
    plan = Plan(
        changes=[
            change(
                "datadog_aws_account.prod",
                Action.UPDATE,
                "123456789012",
                remote_id="x",
                changes=[
                    FieldChange(path="metrics_config.tag_filters", before=[], after=[{key: "v"}])
                ],
            )
        ]
    )
    console = Console(file=io.StringIO(), no_color=True, width=300)
    render_human(plan, console)
    out = console.file
    assert isinstance(out, io.StringIO)
    for text in (out.getvalue(), render_markdown(plan, plan_digest=None)):
        assert "\x9b" not in text
        assert "hmac-sha256:abcdef" not in text

"""Seeded fuzzing of configurations: over a hundred broken variants of a configuration that is
already applied. Every one must be refused the way bad input is: exit 1, one or more
``Error:`` lines, no traceback, no "internal error", and neither the state nor the cloud moved.
The mutations are chosen to be invalid whatever they hit, so "exit 1" is always the answer."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from reconciler.sandbox import Sandbox
from tests.e2e.conftest import Workspace

SEED = 20261128
RUNS = 120  # each of the 5 mutations under each of the 3 commands 5 times or more

BASE = """
[datadog_aws_account.role]
aws_account_id = "111111111111"
account_tags = ["env:test"]
auth_config = { role_name = "DatadogIntegrationRole" }
aws_regions = { include_only = ["us-east-1", "eu-west-1"] }

[datadog_aws_account.role.metrics_config]
collect_custom_metrics = true
namespace_filters = { exclude_only = ["AWS/SQS"] }
tag_filters = [{ namespace = "AWS/EC2", tags = ["datadog:true"] }]

[aws_logs_integration.vended]
integration_name = "vended"
region = "us-east-1"

[aws_logs_integration.vended.opensearch]
data_source_role_arn = "arn:aws:iam::123456789012:role/LogsToOpenSearch"
dashboard_viewer_principals = ["arn:aws:iam::123456789012:role/Analysts"]
retention_days = 7
"""

# `key = value` lines whose value the mutations may replace.
_ASSIGNMENT = re.compile(r"^(\s*[A-Za-z_]+\s*=\s*)(.+)$")
# Values that are invalid for every field: the models forbid unknown keys in every table, and
# no scalar or list field takes a table.
_NEVER_VALID = ["{ fuzz_unknown = 1 }", '{ "\\u001b[2J" = "x" }', "{ aws_account_id = {} }"]
# Fields whose strings are checked: any of these values is refused there.
_CHECKED = ("aws_account_id", "integration_name", "data_source_role_arn", "region")
_BAD_STRINGS = [
    '"\\u0661\\u0662\\u0663\\u0664\\u0665\\u0666\\u0667\\u0668\\u0669\\u0660\\u0661\\u0662"',
    '"us-east-\\u0661"',
    '"line\\nError: forged"',
    '"\\u001b[2J"',
    json.dumps("x" * 200_000),
    '""',
]
_SYNTAX = ["= = ]]", "[[[", 'key = "unterminated', "[datadog_aws_account.role", "x = [1, 'a'"]


def _mutate(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    kind = rng.randrange(5)
    assignments = [i for i, line in enumerate(lines) if _ASSIGNMENT.match(line)]
    if kind == 0:  # a value replaced by one no field accepts
        i = rng.choice(assignments)
        match = _ASSIGNMENT.match(lines[i])
        assert match is not None
        lines[i] = match.group(1) + rng.choice(_NEVER_VALID)
    elif kind == 1:  # an unknown key in some table
        headers = [i for i, line in enumerate(lines) if line.startswith("[")]
        at = rng.choice(headers)
        lines.insert(at + 1, f"{rng.choice(['aws_acount_id', 'regoin', 'bogus', 'ZZ'])} = 1")
    elif kind == 2:  # a checked string made invalid
        checked = [i for i in assignments if lines[i].lstrip().split("=")[0].strip() in _CHECKED]
        i = rng.choice(checked)
        match = _ASSIGNMENT.match(lines[i])
        assert match is not None
        lines[i] = match.group(1) + rng.choice(_BAD_STRINGS)
    elif kind == 3:  # broken syntax at a line start
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(_SYNTAX))
    else:  # a table declared twice
        lines += ["", "[datadog_aws_account.role]", 'aws_account_id = "222222222222"']
    return "\n".join(lines) + "\n"


@pytest.fixture
def applied(ws: Workspace, cloud: Sandbox) -> Workspace:
    ws.write(BASE)
    result = ws.apply()
    assert result.code == 0, result.show()
    return ws


def test_broken_configurations_are_refused_without_changing_anything(
    applied: Workspace, cloud: Sandbox
) -> None:
    rng = random.Random(SEED)
    state_before = applied.state_path.read_bytes()
    with cloud.store.view() as doc:
        cloud_before = json.dumps(doc, sort_keys=True)
    commands = (["validate"], ["plan"], ["apply", "--auto-approve"])
    for run in range(RUNS):
        text = _mutate(rng, BASE)
        applied.write(text)
        command = commands[run % len(commands)]
        result = applied.cli(command[0], "infra", *command[1:])
        context = f"run {run}, {command}:\n{text[:2000]}\n{result.show()[:4000]}"
        assert result.code == 1, context
        assert result.error_lines(), context
        assert "internal error" not in result.text, context
        assert "Traceback" not in result.text, context
        assert "\x1b" not in result.text, context
        assert not any(line.startswith("Error: forged") for line in result.err.splitlines())
        assert max(map(len, result.text.splitlines())) <= 2_000 + len("Error: "), context
    assert applied.state_path.read_bytes() == state_before
    with cloud.store.view() as doc:
        assert json.dumps(doc, sort_keys=True) == cloud_before


def test_the_base_configuration_is_valid(applied: Workspace) -> None:
    # The mutations start from a configuration that plans empty: what they break is theirs.
    result = applied.plan("--detailed-exitcode")
    assert result.code == 0, result.show()


def test_the_fuzz_is_seeded(tmp_path: Path) -> None:
    first = [_mutate(random.Random(SEED), BASE) for _ in range(3)]
    again = [_mutate(random.Random(SEED), BASE) for _ in range(3)]
    assert first == again

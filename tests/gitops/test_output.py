"""``reconciler output``: the values a user copies elsewhere, first the external_id Datadog
generated for a role-based account (the IAM role's trust policy must name it)."""

from __future__ import annotations

import json

from tests.gitops.conftest import ROLE, ROLE_ID, Cloud, Workdir, write_main


def test_output_prints_the_generated_external_id(work: Workdir, cloud: Cloud) -> None:
    write_main(work, ROLE)
    work.ok("apply", "infra", "--auto-approve")
    record = cloud.account(ROLE_ID)
    assert record is not None
    external_id = record["attributes"]["auth_config"]["external_id"]

    shown = work.ok("output", "datadog_aws_account.role", "--path", "infra")
    assert external_id in shown.out
    as_json = json.loads(work.ok("output", "--path", "infra", "--json").out)
    assert external_id in json.dumps(as_json)
    entry = json.loads(work.ok("state", "show", "datadog_aws_account.role", "infra").out)
    assert entry["outputs"] == {"external_id": external_id}

    missing = work.run("output", "datadog_aws_account.nope", "--path", "infra")
    assert missing.code == 1 and "datadog_aws_account.nope" in missing.err

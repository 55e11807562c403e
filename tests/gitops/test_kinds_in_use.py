"""Only the kinds a configuration uses (declared, or in its state) are read: a Logs-only
configuration needs no Datadog keys and lists no Datadog accounts as unmanaged. Import still
looks through every kind."""

from __future__ import annotations

from tests.gitops.conftest import LOGS, ROLE_ID, Cloud, Workdir, write_main


def test_a_logs_only_configuration_needs_no_datadog_keys(work: Workdir, cloud: Cloud) -> None:
    cloud.create_account(ROLE_ID, role_name="SomeoneElses")
    write_main(work, LOGS)
    no_keys = {"DD_API_KEY": None, "DD_APP_KEY": None}
    planned = work.run("plan", "infra", env=no_keys)
    assert planned.code == 0, planned.show()
    assert ROLE_ID not in planned.out  # no Datadog account listed as unmanaged
    applied = work.run("apply", "infra", "--auto-approve", env=no_keys)
    assert applied.code == 0, applied.show()

    found = work.ok("import", "infra", "--to", "infra/imported.toml")
    assert f"datadog_aws_account.r_{ROLE_ID}" in found.out

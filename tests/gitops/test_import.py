"""Import: objects made outside reconciler (with the official clients) are written into a TOML
file, keeping what the file already held, and adopted so that the next plan is empty."""

from __future__ import annotations

import pytest

from tests.clouds import put_integration
from tests.gitops.conftest import REGION, Cloud, Workdir

ROLE_ACCOUNT = "444444444444"
KEYS_ACCOUNT = "555555555555"
KEYS_SECRET = "import-secret-Hn3sV6yD1c"
SECRET_VAR = f"DD_AWS_SECRET_{KEYS_ACCOUNT}"  # the reference the importer writes

# Written by hand before the import: the import must keep it byte for byte.
HAND_WRITTEN = """# Adopted from Datadog; reviewed by the platform team.
[state]
path   =   "state/reconciler.tfstate.json"    # where the local state lives
"""


@pytest.fixture
def outside(work: Workdir, cloud: Cloud) -> dict[str, str]:
    """Two Datadog accounts created directly, one role and one key auth: aws id -> config id."""
    (work.infra / "imported.toml").write_text(HAND_WRITTEN)
    work.env[SECRET_VAR] = KEYS_SECRET
    work.secrets.append(KEYS_SECRET)
    return {
        ROLE_ACCOUNT: cloud.create_account(ROLE_ACCOUNT, role_name="ImportedRole"),
        KEYS_ACCOUNT: cloud.create_account(
            KEYS_ACCOUNT, keys=("AKIAIMPORT0000000001", KEYS_SECRET)
        ),
    }


def test_import_one_then_the_rest_and_the_plan_is_empty(
    work: Workdir, cloud: Cloud, outside: dict[str, str]
) -> None:
    # A configuration that declares no Datadog account does not read Datadog: plan lists
    # nothing, while import looks through every kind.
    before = work.ok("plan", "infra")
    assert ROLE_ACCOUNT not in before.out

    # One object by kind and id.
    one = work.ok(
        "import",
        "infra",
        "--to",
        "infra/one.toml",
        "--kind",
        "datadog_aws_account",
        "--id",
        outside[ROLE_ACCOUNT],
    )
    assert f"Imported datadog_aws_account.r_{ROLE_ACCOUNT} into infra/one.toml" in one.out
    one_toml = (work.infra / "one.toml").read_text()
    assert f'aws_account_id = "{ROLE_ACCOUNT}"' in one_toml
    assert 'role_name = "ImportedRole"' in one_toml
    assert KEYS_ACCOUNT not in one_toml
    partly = work.run("plan", "infra", "--detailed-exitcode")
    assert partly.code == 0, partly.show()
    assert f"datadog_aws_account {KEYS_ACCOUNT}" in partly.out  # still unmanaged
    assert f"datadog_aws_account {ROLE_ACCOUNT}" not in partly.out

    # Everything left, appended to a file that already has content.
    rest = work.ok("import", "infra", "--to", "infra/imported.toml")
    assert f"Imported datadog_aws_account.r_{KEYS_ACCOUNT} into infra/imported.toml" in rest.out
    assert ROLE_ACCOUNT not in rest.out
    text = (work.infra / "imported.toml").read_text()
    assert text.startswith(HAND_WRITTEN), text
    assert f'secret_access_key = "${{env:{SECRET_VAR}}}"' in text
    assert 'access_key_id = "AKIAIMPORT0000000001"' in text
    assert KEYS_SECRET not in text
    assert KEYS_SECRET.encode() not in work.state_file.read_bytes()
    assert sorted(work.state()["resources"]) == [
        f"datadog_aws_account.r_{ROLE_ACCOUNT}",
        f"datadog_aws_account.r_{KEYS_ACCOUNT}",
    ]

    after = work.run("plan", "infra", "--detailed-exitcode")
    assert after.code == 0, after.show()
    assert "No changes." in after.out
    assert "Unmanaged" not in after.out
    assert KEYS_SECRET not in after.text


def test_import_refuses_what_it_cannot_find(work: Workdir, outside: dict[str, str]) -> None:
    alone = work.run("import", "infra", "--kind", "datadog_aws_account")
    assert alone.code == 1 and "--kind goes with one of --key or --id" in alone.err
    missing = work.run("import", "infra", "--kind", "datadog_aws_account", "--id", "no-such-id")
    assert missing.code == 1, missing.show()
    assert "no unmanaged datadog_aws_account with id no-such-id" in missing.err
    assert (work.infra / "imported.toml").read_text() == HAND_WRITTEN
    assert not work.state_file.exists()


def test_import_skips_a_logs_integration_and_imports_the_rest(work: Workdir, cloud: Cloud) -> None:
    # README "Import" and docs/aws_logs_integration.md: a Logs integration's required
    # OpenSearch settings are write-only, so import skips it with a warning naming the field;
    # the Datadog account found alongside is still imported, and the plan after it only lists
    # the integration as unmanaged.
    put_integration(cloud.logs(REGION), "found")
    cloud.create_account(ROLE_ACCOUNT, role_name="ImportedRole")
    result = work.run("import", "infra", "--to", "infra/imported.toml")
    assert "Traceback" not in result.text
    target = work.infra / "imported.toml"
    text = target.read_text() if target.exists() else ""
    assert result.code == 0, result.show()
    assert f"[datadog_aws_account.r_{ROLE_ACCOUNT}]" in text, result.show()
    assert "aws_logs_integration" not in text
    assert f"{REGION}/found: not imported: opensearch.data_source_role_arn" in result.text
    plan = work.run("plan", "infra", "--detailed-exitcode")
    assert plan.code == 0, plan.show()


def test_import_by_account_id_into_the_configuration_by_default(
    work: Workdir, cloud: Cloud, outside: dict[str, str]
) -> None:
    # Run from the working directory: the default file is inside infra/, not ./imported.toml.
    (work.infra / "imported.toml").unlink()
    one = work.ok("import", "infra", "--kind", "datadog_aws_account", "--key", ROLE_ACCOUNT)
    assert "into infra/imported.toml" in one.out
    assert not (work.path / "imported.toml").exists()
    assert f'aws_account_id = "{ROLE_ACCOUNT}"' in (work.infra / "imported.toml").read_text()
    after = work.run("plan", "infra", "--target", f"datadog_aws_account.r_{ROLE_ACCOUNT}")
    assert after.code == 0, after.show()
    assert "No changes." in after.out


def test_import_outside_the_configuration_records_nothing(
    work: Workdir, cloud: Cloud, outside: dict[str, str]
) -> None:
    # A file the next plan does not read: recording the object would make that plan destroy it.
    before = work.state_bytes()
    result = work.ok(
        "import",
        "infra",
        "--to",
        "elsewhere.toml",
        "--kind",
        "datadog_aws_account",
        "--key",
        ROLE_ACCOUNT,
    )
    assert "is not part of the configuration infra, so nothing was recorded" in result.out
    assert (work.path / "elsewhere.toml").exists()
    assert work.state_bytes() == before
    plan = work.run("plan", "infra", "--detailed-exitcode")
    assert plan.code == 0, plan.show()
    assert "to destroy" not in plan.out  # not in the state: nothing planned against it
    assert ROLE_ACCOUNT in {
        a["attributes"]["aws_account_id"] for a in cloud.sandbox.datadog_accounts()
    }


def test_import_relies_on_the_defaults_already_written(
    work: Workdir, cloud: Cloud, outside: dict[str, str]
) -> None:
    (work.infra / "shared.toml").write_text(
        '[defaults.datadog_aws_account]\nauth_config = { role_name = "ImportedRole" }\n'
    )
    (work.infra / "imported.toml").unlink()
    work.ok("import", "infra", "--kind", "datadog_aws_account", "--key", ROLE_ACCOUNT)
    written = (work.infra / "imported.toml").read_text()
    assert f'aws_account_id = "{ROLE_ACCOUNT}"' in written
    assert "ImportedRole" not in written  # given by [defaults.datadog_aws_account]
    after = work.run("plan", "infra", "--target", f"datadog_aws_account.r_{ROLE_ACCOUNT}")
    assert after.code == 0 and "No changes." in after.out, after.show()


def test_import_writes_what_differing_defaults_would_change(
    work: Workdir, cloud: Cloud, outside: dict[str, str]
) -> None:
    # The live account has the server's default tags and regions; the configuration's defaults
    # say otherwise. Leaving those keys out would make the next plan change the account.
    (work.infra / "shared.toml").write_text(
        "[defaults.datadog_aws_account]\n"
        'account_tags = ["managed:yes"]\n'
        'aws_regions = { include_only = ["us-east-1"] }\n'
    )
    (work.infra / "imported.toml").unlink()
    work.ok("import", "infra", "--kind", "datadog_aws_account", "--key", ROLE_ACCOUNT)
    after = work.run("plan", "infra", "--target", f"datadog_aws_account.r_{ROLE_ACCOUNT}")
    assert after.code == 0 and "No changes." in after.out, after.show()

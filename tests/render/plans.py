from __future__ import annotations

from typing import Any

from reconciler.model import Action, DriftChange, FieldChange, Plan, ResourceChange, Unmanaged

# Digests that stand in for secrets: none of them may appear in any rendered output.
SECRET_DIGEST = "hmac-sha256:" + "ab" * 32
OLD_SECRET_DIGEST = "hmac-sha256:" + "cd" * 32
NESTED_DIGEST = "hmac-sha256:" + "ef" * 32
DIGESTS = (SECRET_DIGEST, OLD_SECRET_DIGEST, NESTED_DIGEST)
FINGERPRINT = "sha256:" + "12" * 32


def change(address: str, action: Action, natural_key: str, **fields: Any) -> ResourceChange:
    """A ``ResourceChange`` of ``address`` (its kind and name are read from it)."""
    kind, _, name = address.partition(".")
    return ResourceChange(
        address=address,
        kind=kind,
        name=name,
        action=action,
        natural_key=natural_key,
        **fields,
    )


def _account(account_id: str, tags: list[str]) -> dict[str, object]:
    return {
        "aws_account_id": account_id,
        "aws_partition": "aws",
        "account_tags": tags,
        "auth_config": {"role_name": "DatadogIntegrationRole"},
        "aws_regions": {"include_all": True},
    }


def make_plan() -> Plan:
    """One of everything: every action, an import, drift, unmanaged, secrets."""
    legacy_before = {
        "aws_account_id": "210987654321",
        "auth_config": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": OLD_SECRET_DIGEST},
    }
    legacy_after = {
        "aws_account_id": "210987654321",
        "auth_config": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": SECRET_DIGEST},
    }
    opensearch = {
        "data_source_role_arn": "arn:aws:iam::123456789012:role/LogsToOpenSearch",
        "dashboard_viewer_principals": ["arn:aws:iam::123456789012:role/Analysts"],
        "retention_days": 30,
    }
    vended = {"integration_name": "vended-logs", "opensearch": opensearch}
    vended_after = {**vended, "opensearch": {**opensearch, "retention_days": 14}}
    many = [f"AWS/Service{i}" for i in range(6)]
    changes = [
        change(
            "datadog_aws_account.prod",
            Action.UPDATE,
            "123456789012",
            remote_id="uuid-prod",
            before={**_account("123456789012", ["env:prod"]), "namespaces": many[:4]},
            after={**_account("123456789012", ["env:prod", "team:[red]"]), "namespaces": many},
            changes=[
                FieldChange(
                    path="account_tags", before=["env:prod"], after=["env:prod", "team:[red]"]
                ),
                FieldChange(path="namespaces", before=many[:4], after=many),
            ],
            fingerprint=FINGERPRINT,
        ),
        change(
            "datadog_aws_account.legacy",
            Action.UPDATE,
            "210987654321",
            remote_id="uuid-legacy",
            before=legacy_before,
            after=legacy_after,
            changes=[
                FieldChange(
                    path="auth_config.secret_access_key",
                    before=OLD_SECRET_DIGEST,
                    after=SECRET_DIGEST,
                    sensitive=True,
                )
            ],
            sensitive_paths=["auth_config.secret_access_key"],
            fingerprint="sha256:" + "34" * 32,
        ),
        change(
            "datadog_aws_account.new",
            Action.CREATE,
            "111111111111",
            after={
                **_account("111111111111", ["env:new"]),
                "auth_config": {"access_key_id": "AKIANEW", "secret_access_key": NESTED_DIGEST},
            },
            sensitive_paths=["auth_config.secret_access_key"],
        ),
        change(
            "datadog_aws_account.old",
            Action.DELETE,
            "222222222222",
            remote_id="uuid-old",
            before=_account("222222222222", ["env:old"]),
            prevent_destroy=True,
            reason="delete_because_no_resource_config",
            fingerprint="sha256:" + "56" * 32,
        ),
        change(
            "aws_logs_integration.vended",
            Action.REPLACE,
            "eu-west-1/vended-logs",
            remote_id="vended-logs",
            before=vended,
            after=vended_after,
            changes=[
                FieldChange(
                    path="opensearch.retention_days",
                    before=30,
                    after=14,
                    forces_replacement=True,
                )
            ],
            replace_paths=["opensearch.retention_days"],
            reason="replace_because_cannot_update: no update API",
            fingerprint="sha256:" + "78" * 32,
        ),
        ResourceChange(
            address="datadog_aws_account.adopted",
            kind="datadog_aws_account",
            name="adopted",
            action=Action.NOOP,
            importing=True,
            natural_key="333333333333",
            remote_id="uuid-adopted",
            before=_account("333333333333", []),
            after=_account("333333333333", []),
            fingerprint="sha256:" + "9a" * 32,
        ),
        change(
            "datadog_aws_account.steady",
            Action.NOOP,
            "444444444444",
            remote_id="uuid-steady",
            before=_account("444444444444", []),
            after=_account("444444444444", []),
            fingerprint="sha256:" + "bc" * 32,
        ),
    ]
    drift = [
        DriftChange(
            address="datadog_aws_account.prod",
            kind="datadog_aws_account",
            name="prod",
            changes=[FieldChange(path="aws_partition", before="aws", after="aws-cn")],
        ),
        DriftChange(
            address="datadog_aws_account.vanished",
            kind="datadog_aws_account",
            name="vanished",
            gone=True,
        ),
    ]
    unmanaged = [
        Unmanaged(
            kind="datadog_aws_account",
            natural_key="555555555555",
            remote_id="uuid-stray",
            values={"auth_config": {"secret_access_key": NESTED_DIGEST}, "note": "[bold]x"},
        )
    ]
    return Plan(
        lineage="lineage-1",
        serial=7,
        config_digest="sha256:" + "ff" * 32,
        changes=changes,
        drift=drift,
        unmanaged=unmanaged,
    )


def many_changes(n: int, *, action: Action = Action.UPDATE, unchanged: int = 4) -> Plan:
    """``n`` resources with one changed field and ``unchanged`` fields left alone each."""
    changes = []
    for i in range(n):
        base: dict[str, object] = {f"field_{j}": f"value-{j}" for j in range(unchanged)}
        before = {**base, "account_tags": [f"env:{i}"]}
        after = {**base, "account_tags": [f"env:{i}", "team:x"]}
        changes.append(
            change(
                f"datadog_aws_account.r{i:05d}",
                action,
                f"{i:012d}",
                remote_id=None if action is Action.CREATE else f"uuid-{i}",
                before=None if action is Action.CREATE else before,
                after=None if action is Action.DELETE else after,
                changes=(
                    [
                        FieldChange(
                            path="account_tags", before=[f"env:{i}"], after=after["account_tags"]
                        )
                    ]
                    if action in (Action.UPDATE, Action.REPLACE)
                    else []
                ),
            )
        )
    return Plan(lineage="l", serial=1, changes=changes)


def identical_updates(n: int, *, prefix: str = "acct") -> list[ResourceChange]:
    """``n`` accounts each turning metrics_config.collect_custom_metrics from false to true."""

    def account(i: int, custom: bool) -> dict[str, object]:
        return {
            "aws_account_id": f"{i:012d}",
            "account_tags": ["env:prod"],
            "metrics_config": {"collect_custom_metrics": custom, "enabled": True},
        }

    return [
        change(
            f"datadog_aws_account.{prefix}{i:04d}",
            Action.UPDATE,
            f"{i:012d}",
            remote_id=f"uuid-{prefix}-{i}",
            before=account(i, False),
            after=account(i, True),
            changes=[
                FieldChange(path="metrics_config.collect_custom_metrics", before=False, after=True)
            ],
        )
        for i in range(n)
    ]

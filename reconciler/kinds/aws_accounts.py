"""Which AWS account a scope of the state reaches through the configuration's connections.

A named account's label pins the account of the role it assumes (``prod@210987654321``): the
account is known from the role ARN without calling AWS. A scope whose label no longer matches
the configuration (the connection is gone, or now assumes a role in another account) is an
error, never read through whatever the connection reaches now: there, the same integration
names would be other objects, and a plan could destroy them.
"""

from __future__ import annotations

from reconciler.errors import ConfigError
from reconciler.kinds import connections
from reconciler.settings import AwsSettings

PROFILE = "the account of its profile"


def label(aws: AwsSettings, account: str | None) -> str | None:
    """The connection's label in keys: its name, and its role's account if it assumes one."""
    if account is None:
        return None
    return connections.label(account, aws.accounts[account].role_account)


def reached(aws: AwsSettings, scope_label: str | None, kind: str) -> str | None:
    """The account connection (None: the default) a scope's label stands for, checked."""
    account, pinned = connections.unlabel(scope_label)
    if account is not None and account not in aws.accounts:
        raise connections.undeclared(kind, "AWS account", "aws.accounts", account)
    now = label(aws, account)
    if scope_label != now:
        before = f"AWS account {pinned}" if pinned else PROFILE
        after = connections.unlabel(now)[1]
        raise ConfigError(
            f"the state holds {kind} objects made through [aws.accounts.{account}] in "
            f"{before}, but it now reaches {f'AWS account {after}' if after else PROFILE}: "
            "restore its role_arn to manage them, or forget them with `reconciler state rm` "
            "(and `import` what the new account holds)"
        )
    return account

"""Secrets become keyed digests at any depth; what holds no secret is shared, not copied."""

from __future__ import annotations

from typing import Any

from reconciler.secrets import EnvSecret, digest_secrets

KEY = b"k" * 32


def test_secrets_at_any_depth_become_digests_and_the_input_is_unchanged() -> None:
    secret = EnvSecret("PW", "hunter2")
    plain: dict[str, Any] = {"tags": ["a", "b"], "nested": {"x": 1}}
    value: dict[str, Any] = {
        "auth": {"secret": secret, "role": "r"},
        "list": [{"s": secret}, "plain"],
        "plain": plain,
    }
    out = digest_secrets(value, KEY)
    digest = secret.digest(KEY)
    assert out == {
        "auth": {"secret": digest, "role": "r"},
        "list": [{"s": digest}, "plain"],
        "plain": plain,
    }
    assert value["auth"]["secret"] is secret and value["list"][0]["s"] is secret
    assert out["plain"] is plain  # no secret inside: shared
    assert digest_secrets(plain, KEY) is plain


def test_a_secret_alone_or_in_a_list_of_scalars() -> None:
    secret = EnvSecret("PW", "hunter2")
    assert digest_secrets(secret, KEY) == secret.digest(KEY)
    scalars = ["a", 1, None]
    assert digest_secrets(scalars, KEY) is scalars
    assert digest_secrets([secret, "a"], KEY) == [secret.digest(KEY), "a"]

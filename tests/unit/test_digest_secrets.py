"""Secrets become keyed digests at any depth; what holds no secret is shared, not copied."""

from __future__ import annotations

import copy
from typing import Any

import pytest

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


def test_every_secret_made_is_counted_copies_too() -> None:
    before = EnvSecret.made
    secret = EnvSecret("PW", "hunter2")
    copy.deepcopy({"s": secret})
    copy.copy(secret)
    assert EnvSecret.made == before + 3


def test_while_no_secret_was_ever_made_nothing_is_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EnvSecret, "made", 0)
    value: dict[str, Any] = {"a": [{"b": 1}], "c": {"d": "x"}}
    assert digest_secrets(value, KEY) is value
    secret = EnvSecret("PW", "hunter2")  # from now on the values are walked again
    out = digest_secrets({"a": [{"b": secret}]}, KEY)
    assert out["a"][0]["b"] == secret.digest(KEY)


def test_a_secret_alone_or_in_a_list_of_scalars() -> None:
    secret = EnvSecret("PW", "hunter2")
    assert digest_secrets(secret, KEY) == secret.digest(KEY)
    scalars = ["a", 1, None]
    assert digest_secrets(scalars, KEY) is scalars
    assert digest_secrets([secret, "a"], KEY) == [secret.digest(KEY), "a"]

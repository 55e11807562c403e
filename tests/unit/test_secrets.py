from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from reconciler.secrets import EnvSecret, Secret


class Holder(BaseModel):
    secret: Secret


def _message(value: object, env: dict[str, str]) -> str:
    with pytest.raises(ValidationError) as info:
        Holder.model_validate({"secret": value}, context={"env": env})
    return str(info.value.errors()[0]["msg"])


def test_messages_show_the_form_to_type() -> None:
    assert "${env:NAME}" in _message("pasted-secret", {})
    assert "{{" not in _message("pasted-secret", {})
    assert "${env:NAME}" in _message(5, {})


def test_literal_never_echoed_in_message() -> None:
    assert "pasted-secret" not in _message("pasted-secret", {})


def test_missing_and_empty_variables_are_named() -> None:
    assert _message("${env:MISSING_ONE}", {}) == "environment variable MISSING_ONE is not set"
    assert _message("${env:EMPTY}", {"EMPTY": ""}) == "environment variable EMPTY is empty"


def test_serialises_to_reference_and_digests_are_keyed() -> None:
    held = Holder.model_validate({"secret": "${env:PW}"}, context={"env": {"PW": "hunter2"}})
    assert held.model_dump() == {"secret": "${env:PW}"}
    assert "hunter2" not in repr(held)
    one, two = held.secret.digest(b"a" * 32), held.secret.digest(b"b" * 32)
    assert one != two and "hunter2" not in one
    assert EnvSecret("PW", "hunter2").digest(b"a" * 32) == one

"""reconciler.outputs: the values to copy elsewhere (the external_id for the IAM trust policy),
read from the state only."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from reconciler import redact
from reconciler.errors import StateError
from reconciler.outputs import NOT_RECORDED, collect, outputs, show
from reconciler.state.base import ResourceState, State

EXTERNAL_ID = "5c1f0e7d4a9b4f2e8d3c6b1a0f9e8d7c"


def _entry(kind: str, remote_id: str, last_applied: dict[str, object]) -> ResourceState:
    return ResourceState(
        kind=kind,
        remote_id=remote_id,
        natural_key=remote_id,
        last_applied=last_applied,
        fingerprint="sha256:" + "0" * 64,
    )


@pytest.fixture
def state() -> State:
    s = State.new()
    s.resources = {
        "datadog_aws_account.pinned": _entry(
            "datadog_aws_account",
            "uuid-pinned",
            {"auth_config": {"role_name": "DatadogIntegrationRole", "external_id": EXTERNAL_ID}},
        ),
        "datadog_aws_account.generated": _entry(
            "datadog_aws_account", "uuid-generated", {"auth_config": {"role_name": "Role"}}
        ),
        "datadog_aws_account.keys": _entry(
            "datadog_aws_account",
            "uuid-keys",
            {"auth_config": {"access_key_id": "AKIA", "secret_access_key": "hmac-sha256:ab"}},
        ),
        "aws_logs_integration.vended": _entry("aws_logs_integration", "vended-logs", {}),
    }
    return s


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    redact.forget_all()


def test_output_of_a_role_based_account_is_its_external_id(state: State) -> None:
    text = show(state, "datadog_aws_account.pinned", as_json=False)
    assert text == (
        f'datadog_aws_account.pinned\n  id          = "uuid-pinned"\n'
        f'  external_id = "{EXTERNAL_ID}"\n'
    )
    doc = json.loads(show(state, "datadog_aws_account.pinned", as_json=True))
    assert doc == {"datadog_aws_account.pinned": {"id": "uuid-pinned", "external_id": EXTERNAL_ID}}


def test_every_address_sorted_and_what_is_not_recorded_said_so(state: State) -> None:
    text = show(state, None, as_json=False)
    blocks = [b for b in text.split("\n") if b and not b.startswith(" ")]
    assert blocks == sorted(state.resources)
    assert f"  external_id = {NOT_RECORDED}\n" in text  # the generated one
    keys = text[text.index("datadog_aws_account.keys") :].split("\n")[1:3]
    assert keys == ['  id = "uuid-keys"', "datadog_aws_account.pinned"]  # no external_id
    doc = json.loads(show(state, None, as_json=True))
    assert doc["datadog_aws_account.generated"] == {"id": "uuid-generated", "external_id": None}
    assert doc["aws_logs_integration.vended"] == {"id": "vended-logs"}


def test_asking_for_an_unrecorded_value_is_an_error(state: State) -> None:
    with pytest.raises(StateError) as err:
        show(state, "datadog_aws_account.generated", as_json=False)
    assert str(err.value).startswith(
        "datadog_aws_account.generated: external_id is not recorded in the state"
    )


def test_no_state_or_unknown_address_is_an_error(state: State) -> None:
    with pytest.raises(StateError, match=r"no datadog_aws_account\.nope in the state"):
        outputs(state, "datadog_aws_account.nope")
    with pytest.raises(StateError, match="no state yet"):
        show(None, None, as_json=True)


def test_values_are_escaped_and_redacted(state: State) -> None:
    entry = state.resources["datadog_aws_account.pinned"]
    entry.last_applied = {"auth_config": {"role_name": "R", "external_id": "a\x1b[2Jb"}}
    assert '"a\\\\x1b[2Jb"' in show(state, "datadog_aws_account.pinned", as_json=False)
    redact.register("topsecretvalue1")
    entry.last_applied = {"auth_config": {"role_name": "R", "external_id": "topsecretvalue1"}}
    for as_json in (False, True):
        assert "topsecretvalue1" not in show(state, None, as_json=as_json)


def test_collect_picks_the_outputs_of_a_live_object() -> None:
    live = {"auth_config": {"role_name": "R", "external_id": EXTERNAL_ID}, "account_tags": []}
    assert collect("datadog_aws_account", live) == {"external_id": EXTERNAL_ID}
    assert collect("datadog_aws_account", {"auth_config": {"access_key_id": "A"}}) == {}
    assert collect("aws_logs_integration", {"integration_name": "x"}) == {}

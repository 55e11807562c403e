"""A corrupt state is an error naming the state file, never "internal error" and never read
as empty (an empty state would plan every live object as unmanaged, every address as new)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state.codec import decode_state
from tests.cli_runner import invoke

KEY = "ab" * 32


def _doc(**fields: object) -> bytes:
    base: dict[str, object] = {"version": 1, "lineage": "l-1", "serial": 3, "digest_key": KEY}
    base.update(fields)
    return json.dumps(base).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_doc(serial=-1), "serial"),
        (_doc(digest_key=""), "digest_key"),
        (_doc(digest_key="zz" * 32), "digest_key"),
        (_doc(digest_key="ab" * 31), "digest_key"),
        (_doc(lineage=""), "lineage"),
        (b'{"version": 1, "serial": ' + b"9" * 5000 + b"}", "cannot be read"),
        (b"[" * 100_000 + b"]" * 100_000, "cannot be read"),
        (_doc(resources={"a.b": {"kind": "k", "remote_id": "", "natural_key": "n"}}), "remote_id"),
    ],
)
def test_corrupt_states_are_errors_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(StateError) as info:
        decode_state(data, "state/x.json")
    message = str(info.value)
    assert message.startswith("state/x.json: corrupt state")
    assert reason in message
    assert KEY not in message


def test_a_state_entry_of_an_unknown_kind_is_an_error_naming_the_state(tmp_path: Path) -> None:
    state = tmp_path / "state" / "reconciler.tfstate.json"
    state.parent.mkdir()
    entry = {
        "kind": "gone_kind",
        "remote_id": "r",
        "natural_key": "n",
        "last_applied": {},
        "fingerprint": "sha256:00",
    }
    state.write_bytes(_doc(resources={"gone_kind.x": entry}))
    (tmp_path / "main.toml").write_text("")
    result = invoke(["plan", "main.toml"], cwd=tmp_path)
    assert result.code == 1, result.show()
    assert f"{Path('state/reconciler.tfstate.json')}: the state holds gone_kind.x" in result.err
    assert "internal error" not in result.err

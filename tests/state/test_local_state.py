from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import ConfigError, StateError
from reconciler.secrets import EnvSecret
from reconciler.settings import StateSettings
from reconciler.state import DEFAULT_STATE_PATH, LocalBackend, backend_for
from reconciler.state.base import ResourceState, State
from reconciler.state.codec import encode_state
from tests.unit.test_atomic import refuse_directory_fsync

ROOT = Path(__file__).resolve().parents[2]


def sample_state() -> State:
    state = State.new()
    state.resources["test_pipe.x"] = ResourceState(
        kind="test_pipe",
        remote_id="abc-123",
        natural_key="eu-west-1/x",
        last_applied={"integration_name": "x", "secret": "hmac-sha256:00ff", "tags": ["b", "a"]},
        fingerprint="sha256:1234",
        options={"force_delete": True},
    )
    return state


def bump(state: State) -> State:
    return state.model_copy(update={"serial": state.serial + 1})


def written(tmp_path: Path) -> tuple[Path, LocalBackend, State, bytes]:
    """A backend at ``tmp_path/s.json`` holding one good state: the path, the backend, the
    state and the file's bytes."""
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    good = bump(sample_state())
    backend.write(good)
    return path, backend, good, path.read_bytes()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_read_missing_is_none(tmp_path: Path) -> None:
    assert LocalBackend(tmp_path / "nothing.json").read() is None


def test_round_trip_keeps_lineage_serial_and_values(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "s.json"
    backend = LocalBackend(path)
    state = bump(sample_state())
    backend.write(state)

    again = backend.read()
    assert again == state
    assert again is not None and again.lineage == state.lineage and again.serial == 1
    assert again.digest_key == state.digest_key
    text = path.read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert backend.describe() == str(path)


def test_files_are_0600_and_backup_keeps_previous(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    first = bump(sample_state())
    backend.write(first)
    assert mode(path) == 0o600
    assert not backend.backup_path.exists()
    before = path.read_bytes()

    second = bump(first)
    backend.write(second)
    assert backend.backup_path.read_bytes() == before
    assert mode(backend.backup_path) == 0o600
    assert mode(path) == 0o600
    loaded = backend.read()
    assert loaded is not None and loaded.serial == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.backup"]


def test_write_refuses_other_lineage_and_stale_serial(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "s.json")
    state = bump(sample_state())
    backend.write(state)
    with pytest.raises(StateError, match="lineage"):
        backend.write(bump(State.new()))
    with pytest.raises(StateError, match="already at serial 1"):
        backend.write(state)
    assert backend.read() == state


def test_failing_serialisation_leaves_old_file_intact(tmp_path: Path) -> None:
    path, backend, good, before = written(tmp_path)
    bad = bump(good)
    # "zz" sorts last, so the encoder has already written most of the file when it fails.
    bad.resources["test_pipe.x"].last_applied["zz"] = object()
    with pytest.raises(StateError, match="cannot store a value of type object"):
        backend.write(bad)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_a_secret_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    state = bump(sample_state())
    state.resources["test_pipe.x"].last_applied["password"] = EnvSecret("PW", "hunter2-value")
    with pytest.raises(StateError) as exc:
        backend.write(state)
    assert "hunter2-value" not in str(exc.value)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_io_failure_mid_write_leaves_old_file_intact(tmp_path: Path) -> None:
    # A real short write: the file-size limit makes the OS refuse the temp file part-way.
    path, _, good, before = written(tmp_path)
    big = bump(good)
    big.resources["test_pipe.x"].last_applied["blob"] = "x" * 200_000
    (tmp_path / "big.json").write_bytes(encode_state(big))
    code = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from reconciler.errors import StateError
        from reconciler.state import LocalBackend
        from reconciler.state.codec import decode_state
        big = decode_state(Path({str(tmp_path / "big.json")!r}).read_bytes(), "big")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            LocalBackend(Path({str(path)!r})).write(big)
        except StateError as exc:
            print("ERR", exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    assert out.stdout.startswith("ERR "), out.stderr
    assert "cannot write state" in out.stdout
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json", "s.json"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object, found list"),
        (b'{"version": 99, "lineage": "x"}', "unsupported state format version 99"),
        (b'{"lineage": "x"}', "unsupported state format version none"),
        (b'{"version": 1, "lineage": "x", "serial": "many"}', "serial"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_corrupt_file_is_a_state_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(content)
    backend = LocalBackend(path)
    with pytest.raises(StateError) as exc:
        backend.read()
    assert expected in str(exc.value)
    assert str(exc.value).startswith(f"{path}: ")
    # Never silently replaced.
    with pytest.raises(StateError):
        backend.write(bump(sample_state()))
    assert path.read_bytes() == content


def test_corrupt_message_does_not_echo_values(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"version": 1, "lineage": "x", "digest_key": 123456789}))
    with pytest.raises(StateError) as exc:
        LocalBackend(path).read()
    assert "digest_key" in str(exc.value)
    assert "123456789" not in str(exc.value)


def test_backend_for(tmp_path: Path) -> None:
    default = tmp_path / DEFAULT_STATE_PATH
    backend = backend_for(StateSettings(), default)
    assert backend.describe() == str(default)
    chosen = backend_for(StateSettings(path=str(tmp_path / "x.json")), default)
    assert chosen.describe() == str(tmp_path / "x.json")
    with pytest.raises(ConfigError, match=r"state\.bucket: required for the s3 backend"):
        backend_for(StateSettings(backend="s3"), default)


def test_write_succeeds_when_the_filesystem_refuses_a_directory_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some filesystems refuse fsync on a directory. The state is in place by then, so the
    # write must not be reported as failed (the engine would stop after a successful apply).
    refused = refuse_directory_fsync(monkeypatch)
    path = tmp_path / "s.json"
    backend = LocalBackend(path)
    first = bump(sample_state())
    backend.write(first)
    second = bump(first)
    backend.write(second)
    assert refused
    assert backend.read() == second
    assert backend.backup_path.read_bytes() == encode_state(first)


def test_a_bad_value_fails_before_any_file_is_touched(tmp_path: Path) -> None:
    path = tmp_path / "new" / "s.json"
    bad = bump(sample_state())
    bad.resources["test_pipe.x"].last_applied["when"] = object()
    with pytest.raises(StateError, match="cannot store a value of type object"):
        LocalBackend(path).write(bad)
    assert list(tmp_path.iterdir()) == []

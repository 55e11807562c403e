"""The local state's journal, with real files: records appended and replayed, folded into the
state (serial, .backup, 0600), a journal left by a killed run folded when the lock is taken,
and every journal that does not fit refused by file and line (only a torn last record, which
was never acknowledged, is left out)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.secrets import EnvSecret
from reconciler.state.base import Operation, ResourceState, State, record_held
from reconciler.state.local import LocalBackend


def entry(n: int, **last_applied: object) -> ResourceState:
    return ResourceState(
        kind="test_pipe",
        remote_id=f"id-{n}",
        natural_key=f"key-{n}",
        last_applied={"name": f"n{n}", "secret": "hmac-sha256:00ff", **last_applied},
        fingerprint="sha256:1234",
    )


def stored(tmp_path: Path, resources: int = 1) -> tuple[LocalBackend, State]:
    """A backend holding a state of ``resources`` entries at serial 5."""
    backend = LocalBackend(tmp_path / "s.json")
    state = State.new()
    state.serial = 5
    for n in range(resources):
        state.resources[f"test_pipe.r{n}"] = entry(n)
    backend.write(state)
    return backend, state


def record(backend: LocalBackend, state: State, *ops: Operation) -> None:
    for op in ops:
        record_held(state, op, backend, None)


def test_records_are_replayed_on_read_and_folded_into_the_state(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    before = backend.path.read_bytes()
    record(
        backend,
        state,
        Operation("test_pipe.a", entry(10)),
        Operation("test_pipe.b", entry(11)),
        Operation("test_pipe.r0", None),
        Operation("test_pipe.c", entry(12), moved_from="test_pipe.a"),
    )
    assert backend.path.read_bytes() == before  # appends only
    journal = backend.journal.path
    assert journal.name == "s.json.journal"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert len(journal.read_bytes().splitlines()) == 4

    read = backend.read()
    assert read is not None and read.serial == 9 and read.lineage == state.lineage
    assert sorted(read.resources) == ["test_pipe.b", "test_pipe.c"]
    assert read == state

    assert backend.fold() == 4
    assert not journal.exists()
    assert backend.backup_path.read_bytes() == before
    assert stat.S_IMODE(backend.path.stat().st_mode) == 0o600
    assert backend.read() == state
    assert backend.fold() == 0


def test_bytes_written_per_operation_do_not_grow_with_the_state(tmp_path: Path) -> None:
    def appended(resources: int) -> tuple[int, int]:
        directory = tmp_path / str(resources)
        directory.mkdir()
        backend, state = stored(directory, resources)
        size = backend.path.stat().st_size
        record(backend, state, Operation("test_pipe.new", entry(99999)))
        assert backend.path.stat().st_size == size  # the state file is not rewritten
        return size, backend.journal.path.stat().st_size

    small_state, small_record = appended(2)
    large_state, large_record = appended(2000)
    assert large_state > 500 * small_state
    assert large_record == small_record


def test_a_torn_last_record_is_left_out(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)), Operation("test_pipe.b", entry(2)))
    journal = backend.journal.path
    data = journal.read_bytes()
    journal.write_bytes(data[:-20])  # killed in the middle of appending the second record

    read = backend.read()
    assert read is not None and read.serial == 6 and "test_pipe.b" not in read.resources
    assert backend.fold() == 1
    assert not journal.exists()
    folded = backend.read()
    assert folded is not None and folded.serial == 6 and "test_pipe.a" in folded.resources


@pytest.mark.parametrize("line", [1, 2])
def test_a_corrupt_record_before_the_last_line_is_refused_by_file_and_line(
    tmp_path: Path, line: int
) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, *(Operation(f"test_pipe.a{n}", entry(n)) for n in range(3)))
    journal = backend.journal.path
    lines = journal.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].replace(b"id-", b"ID-", 1)  # still JSON, wrong checksum
    journal.write_bytes(b"\n".join(lines))
    before = backend.path.read_bytes()

    for attempt in (backend.read, backend.fold):
        with pytest.raises(StateError) as caught:
            attempt()
        assert f"{journal}:{line}" in str(caught.value)
        assert "checksum" in str(caught.value)
    assert backend.path.read_bytes() == before and journal.exists()


def test_a_complete_last_line_that_is_not_a_record_is_refused(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)))
    journal = backend.journal.path
    with journal.open("ab") as fh:
        fh.write(b"garbage\n")
    with pytest.raises(StateError, match=f"{journal}:2"):
        backend.read()


def test_a_journal_of_another_lineage_is_refused(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    other = LocalBackend(tmp_path / "other.json")
    other_state = state.model_copy(update={"lineage": "another-lineage"})
    other.write(other_state)
    record(other, other_state, Operation("test_pipe.a", entry(1)))
    shutil.copy(other.journal.path, backend.journal.path)

    with pytest.raises(StateError) as caught:
        backend.read()
    assert "lineage another-lineage" in str(caught.value)
    assert f"{backend.journal.path}:1" in str(caught.value)
    with pytest.raises(StateError):
        backend.fold()
    assert backend.journal.path.exists()


def test_a_journal_that_does_not_continue_the_states_serial_is_refused(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)))
    journal = backend.journal.path.read_bytes()
    backend.fold()
    state.serial += 1
    backend.write(state)  # the state moved on (serial 7) without this journal
    backend.journal.path.write_bytes(journal)  # starts at serial 6

    with pytest.raises(StateError) as caught:
        backend.read()
    assert "serials 6 to 6" in str(caught.value) and "serial 7" in str(caught.value)
    assert str(backend.journal.path) in str(caught.value)


def test_a_journal_already_in_the_state_is_dropped(tmp_path: Path) -> None:
    # Killed after the fold wrote the state, before it removed the journal.
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)), Operation("test_pipe.r0", None))
    journal = backend.journal.path.read_bytes()
    backend.fold()
    backend.journal.path.write_bytes(journal)

    read = backend.read()
    assert read == state and read.serial == 7
    assert backend.fold() == 0
    assert not backend.journal.path.exists()


def test_a_journal_without_its_state_is_refused(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)))
    backend.path.unlink()
    with pytest.raises(StateError, match="no state"):
        backend.read()


def test_taking_the_lock_folds_a_journal_an_interrupted_run_left(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)))
    told: list[str] = []
    fresh = LocalBackend(backend.path)  # the next run
    with fresh.lock("apply", told.append):
        assert not fresh.journal.path.exists()
    assert any("folded 1 operation(s)" in line for line in told), told
    assert fresh.read() == state


def test_a_secret_never_reaches_the_journal(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    op = Operation("test_pipe.a", entry(1, password=EnvSecret("PW", "hunter2-very-secret")))
    with pytest.raises(StateError, match="refusing to write a secret"):
        record(backend, state, op)
    assert not backend.journal.path.exists()


def test_a_journal_removed_under_a_running_apply_stops_it(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(1)))
    LocalBackend(backend.path).fold()  # another run, having taken the lock over
    with pytest.raises(StateError, match="removed or replaced"):
        record(backend, state, Operation("test_pipe.b", entry(2)))
    with pytest.raises(StateError, match="not written after a failed append"):
        record(backend, state, Operation("test_pipe.c", entry(3)))
    read = backend.read()
    assert read is not None and "test_pipe.b" not in read.resources


def test_a_journal_found_on_the_first_append_is_not_appended_to(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    backend.journal.path.write_bytes(b"")
    with pytest.raises(StateError, match="already there"):
        record(backend, state, Operation("test_pipe.a", entry(1)))
    assert backend.journal.path.read_bytes() == b""


def test_a_journal_that_grows_while_it_is_folded_is_kept_and_then_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The folding run took the lock over; the run that lost it has not noticed yet and
    # appends one more record between the fold's read and its removal of the journal.
    stale, state = stored(tmp_path)
    record(stale, state, Operation("test_pipe.a", entry(1)))
    folding = LocalBackend(stale.path)
    write = LocalBackend._write

    def write_then_append(self: LocalBackend, new: State) -> None:
        write(self, new)
        record(stale, state, Operation("test_pipe.b", entry(2)))

    monkeypatch.setattr(LocalBackend, "_write", write_then_append)
    with pytest.raises(StateError, match="grew while it was folded"):
        folding.fold()
    monkeypatch.undo()
    assert folding.journal.path.exists()
    with pytest.raises(StateError, match="serials 6 to 7"):
        folding.read()  # never silently dropped: someone looks at it


def test_a_whole_state_write_never_drops_records_it_did_not_read(tmp_path: Path) -> None:
    # state rm / mv / import write the whole state under the lock, whose taking folded the
    # journal. A record appended since (by a run that lost the lock unaware) is refused, not
    # written over and removed.
    backend, state = stored(tmp_path)
    late = backend.read()
    assert late is not None
    record(backend, state, Operation("test_pipe.a", entry(10)))
    late.resources.pop("test_pipe.r0")
    late.serial += 1
    with pytest.raises(StateError, match="records added after this run took the lock"):
        backend.write(late)
    again = backend.read()
    assert again is not None and "test_pipe.a" in again.resources  # nothing lost
    assert backend.fold() == 1


def test_state_and_journal_changing_at_every_read_are_refused(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(backend, state, Operation("test_pipe.a", entry(10)))
    reads = iter(range(1000))

    def moving_state() -> bytes | None:
        # A state that is never the same twice and never fits the journal: a fold racing
        # every read.
        data = backend.path.read_bytes()
        return data.replace(b'"serial": 5', b'"serial": %d' % (100 + next(reads)))

    with pytest.raises(StateError, match="kept changing while they were read"):
        backend.journal.replayed(moving_state, str(backend.path))


def test_a_journal_with_a_record_missing_says_so_and_what_to_do(tmp_path: Path) -> None:
    backend, state = stored(tmp_path)
    record(
        backend,
        state,
        Operation("test_pipe.a", entry(10)),
        Operation("test_pipe.b", entry(11)),
        Operation("test_pipe.c", entry(12)),
    )
    lines = backend.journal.path.read_bytes().splitlines(keepends=True)
    backend.journal.path.write_bytes(lines[0] + lines[2])  # the middle record gone
    with pytest.raises(StateError) as caught:
        backend.read()
    message = str(caught.value)
    assert "serial 8, expected 7" in message and "records are missing between them" in message
    assert "move the journal aside" in message

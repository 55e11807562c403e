"""The S3 state's journal against moto's S3 server over HTTP: one object per record, created
only if absent; replayed on read, folded (and removed) under the lock; anything that does not
fit refused by the object's name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from reconciler.errors import StateError
from reconciler.state.base import Operation, ResourceState, State, record_held
from reconciler.state.s3 import S3Backend

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.usefixtures("fake_credentials")
KEY = "env/prod.tfstate.json"


def backend(endpoint: str, bucket: str) -> S3Backend:
    return S3Backend(bucket, KEY, region="us-east-1", endpoint_url=endpoint, poll_interval=0.05)


def entry(n: int) -> ResourceState:
    return ResourceState(
        kind="test_pipe",
        remote_id=f"id-{n}",
        natural_key=f"key-{n}",
        last_applied={"name": f"n{n}"},
        fingerprint="sha256:00",
    )


def stored(b: S3Backend) -> State:
    state = State.new()
    state.serial = 3
    state.resources["test_pipe.old"] = entry(0)
    b.write(state)
    return state


def recorded(endpoint: str, bucket: str) -> tuple[S3Backend, State]:
    """A stored state at serial 3 with one journal record (serial 4) on top."""
    b = backend(endpoint, bucket)
    state = stored(b)
    record_held(state, Operation("test_pipe.a", entry(1)), b, None)
    return b, state


def first_record(s3: S3Client, bucket: str) -> tuple[str, bytes]:
    name = f"{KEY}.journal/000000000004"
    return name, s3.get_object(Bucket=bucket, Key=name)["Body"].read()


def journal_keys(s3: S3Client, bucket: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=KEY + ".journal/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_records_are_objects_replayed_on_read_and_folded(
    endpoint: str, bucket: str, s3: S3Client
) -> None:
    b = backend(endpoint, bucket)
    state = stored(b)
    before = s3.get_object(Bucket=bucket, Key=KEY)["Body"].read()
    for op in (Operation("test_pipe.a", entry(1)), Operation("test_pipe.old", None)):
        record_held(state, op, b, None)
    assert journal_keys(s3, bucket) == [
        f"{KEY}.journal/000000000004",
        f"{KEY}.journal/000000000005",
    ]
    assert s3.get_object(Bucket=bucket, Key=KEY)["Body"].read() == before

    other = backend(endpoint, bucket)  # another process reading
    read = other.read()
    assert read == state and read.serial == 5 and list(read.resources) == ["test_pipe.a"]

    assert b.fold() == 2
    assert journal_keys(s3, bucket) == []
    assert s3.get_object(Bucket=bucket, Key=KEY + ".backup")["Body"].read() == before
    assert other.read() == state


def test_taking_the_lock_folds_a_journal_left_by_a_killed_run(
    endpoint: str, bucket: str, s3: S3Client
) -> None:
    _, state = recorded(endpoint, bucket)
    told: list[str] = []
    nxt = backend(endpoint, bucket)
    with nxt.lock("apply", told.append):
        assert journal_keys(s3, bucket) == []
    assert any("folded 1 operation(s)" in line for line in told), told
    assert nxt.read() == state


def test_a_serial_another_run_recorded_is_refused(endpoint: str, bucket: str) -> None:
    b = backend(endpoint, bucket)
    state = stored(b)
    twin = state.model_copy(deep=True)
    record_held(state, Operation("test_pipe.a", entry(1)), b, None)
    racing = backend(endpoint, bucket)
    with pytest.raises(StateError, match="already there"):
        record_held(twin, Operation("test_pipe.b", entry(2)), racing, None)
    read = b.read()
    assert read is not None and "test_pipe.b" not in read.resources


def test_a_corrupt_record_is_refused_by_its_name(endpoint: str, bucket: str, s3: S3Client) -> None:
    b, _ = recorded(endpoint, bucket)
    name, body = first_record(s3, bucket)
    s3.put_object(Bucket=bucket, Key=name, Body=body.replace(b"id-1", b"id-9"))
    with pytest.raises(StateError) as caught:
        b.read()
    assert f"s3://{bucket}/{name}" in str(caught.value) and "checksum" in str(caught.value)
    with pytest.raises(StateError):
        b.fold()
    assert journal_keys(s3, bucket) == [name]


def test_a_journal_of_another_lineage_is_refused(endpoint: str, bucket: str, s3: S3Client) -> None:
    b, _ = recorded(endpoint, bucket)
    replaced = State.new()
    replaced.serial = 3
    s3.delete_object(Bucket=bucket, Key=KEY)
    b._write(replaced)  # a state of another lineage, the journal left in place
    with pytest.raises(StateError, match="lineage"):
        b.read()


def test_a_journal_already_in_the_state_is_dropped(
    endpoint: str, bucket: str, s3: S3Client
) -> None:
    b, state = recorded(endpoint, bucket)
    name, body = first_record(s3, bucket)
    b.fold()
    s3.put_object(Bucket=bucket, Key=name, Body=body)  # as if the fold died before deleting
    assert b.read() == state
    assert b.fold() == 0
    assert journal_keys(s3, bucket) == []


def test_a_record_added_while_folding_is_kept_for_the_next_read(
    endpoint: str, bucket: str, s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = backend(endpoint, bucket)
    state = stored(stale)
    record_held(state, Operation("test_pipe.a", entry(1)), stale, None)
    folding = backend(endpoint, bucket)
    write = S3Backend._write

    def write_then_append(self: S3Backend, new: State) -> None:
        write(self, new)
        record_held(state, Operation("test_pipe.b", entry(2)), stale, None)

    monkeypatch.setattr(S3Backend, "_write", write_then_append)
    assert folding.fold() == 1
    monkeypatch.undo()
    assert journal_keys(s3, bucket) == [f"{KEY}.journal/000000000005"]
    assert folding.read() == state and state.serial == 5


def test_a_whole_state_write_never_drops_records_it_did_not_read(
    endpoint: str, bucket: str, s3: S3Client
) -> None:
    # As the local backend: a record added after the lock was taken (by a run that lost it)
    # stops a whole-state write instead of being written over and deleted.
    b = backend(endpoint, bucket)
    state = stored(b)
    late = b.read()
    assert late is not None
    record_held(state, Operation("test_pipe.a", entry(1)), backend(endpoint, bucket), None)
    late.resources.pop("test_pipe.old")
    late.serial += 1
    with pytest.raises(StateError, match="records added after this run took the lock"):
        b.write(late)
    assert journal_keys(s3, bucket) == [f"{KEY}.journal/000000000004"]
    again = b.read()
    assert again is not None and "test_pipe.a" in again.resources

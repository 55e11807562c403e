from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from reconciler.errors import LockError, StateError
from reconciler.settings import StateSettings
from reconciler.state import backend_for
from reconciler.state.base import ResourceState, State
from reconciler.state.lock import StateLock
from reconciler.state.process import Machine
from reconciler.state.s3 import S3Backend

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.usefixtures("fake_credentials")


def backend(
    endpoint: str,
    bucket: str,
    lock_timeout: float = 10.0,
    lock_ttl: float = 60.0,
    poll_interval: float = 0.05,
) -> S3Backend:
    return S3Backend(
        bucket,
        "env/prod.tfstate.json",
        region="us-east-1",
        endpoint_url=endpoint,
        lock_timeout=lock_timeout,
        lock_ttl=lock_ttl,
        poll_interval=poll_interval,
    )


def sample_state(serial: int = 1) -> State:
    state = State.new()
    state.serial = serial
    state.resources["test_pipe.x"] = ResourceState(
        kind="test_pipe",
        remote_id="abc",
        natural_key="eu-west-1/x",
        last_applied={"integration_name": "x"},
        fingerprint="sha256:00",
    )
    return state


def test_round_trip_backup_and_describe(endpoint: str, bucket: str, s3: S3Client) -> None:
    b = backend(endpoint, bucket)
    assert b.describe() == f"s3://{bucket}/env/prod.tfstate.json"
    assert b.read() is None
    first = sample_state()
    b.write(first)
    assert b.read() == first
    second = first.model_copy(update={"serial": 2})
    b.write(second)
    assert b.read() == second
    backup = s3.get_object(Bucket=bucket, Key="env/prod.tfstate.json.backup")["Body"].read()
    assert State.model_validate_json(backup) == first


def test_refuses_other_lineage_and_stale_serial(endpoint: str, bucket: str) -> None:
    b = backend(endpoint, bucket)
    state = sample_state()
    b.write(state)
    with pytest.raises(StateError, match="lineage"):
        b.write(sample_state(serial=5))
    with pytest.raises(StateError, match="already at serial 1"):
        b.write(state)


def test_corrupt_object_is_a_state_error_and_kept(endpoint: str, bucket: str, s3: S3Client) -> None:
    s3.put_object(Bucket=bucket, Key="env/prod.tfstate.json", Body=b"{nope")
    b = backend(endpoint, bucket)
    with pytest.raises(StateError) as exc:
        b.read()
    assert str(exc.value).startswith(f"s3://{bucket}/env/prod.tfstate.json: corrupt state")
    with pytest.raises(StateError):
        b.write(sample_state())
    assert s3.get_object(Bucket=bucket, Key="env/prod.tfstate.json")["Body"].read() == b"{nope"


def test_missing_bucket_is_a_state_error(endpoint: str) -> None:
    b = backend(endpoint, "no-such-bucket-here")
    with pytest.raises(StateError, match="NoSuchBucket"):
        b.read()


def test_lock_held_then_released(endpoint: str, bucket: str) -> None:
    first = backend(endpoint, bucket)
    second = backend(endpoint, bucket, lock_timeout=0.2, poll_interval=0.05)
    with first.lock("apply") as info:
        current = second.current_lock()
        assert current is not None and current.id == info.id
        with pytest.raises(LockError) as exc, second.lock("plan"):
            pass
        assert f"held by {info.who} (pid {info.pid}) for apply" in str(exc.value)
        assert "that process is running on this host" in str(exc.value)
        assert info.id in str(exc.value)
    assert second.current_lock() is None
    with second.lock("plan") as taken:
        assert taken.operation == "plan"


def test_unrenewed_lock_of_another_machine_taken_over_and_stale_release_is_harmless(
    endpoint: str, bucket: str
) -> None:
    elsewhere = Machine("runner-9", "another-boot", "pid:[1]")
    old = backend(endpoint, bucket, lock_ttl=0.2)
    old_lock = StateLock(old.state_lock.store, old.describe(), 0, 0.2, 0.05, machine=elsewhere)
    stale = old_lock.acquire("apply")  # taken, then never renewed: its run died elsewhere
    notices: list[str] = []
    fresh = backend(endpoint, bucket, lock_timeout=5)
    with fresh.lock("apply", notify=notices.append) as held:
        assert held.id != stale.id
        assert notices == [
            f"took over {stale.info.describe()}: it was not renewed for 0.2s (its lease)"
        ]
        old_lock.release(stale)  # the old holder finishing late leaves the new lock alone
        current = fresh.current_lock()
        assert current is not None and current.id == held.id
    assert fresh.current_lock() is None


def test_force_unlock(endpoint: str, bucket: str, s3: S3Client) -> None:
    b = backend(endpoint, bucket, lock_timeout=0)
    with b.lock("apply") as held:
        with pytest.raises(LockError, match="does not match"):
            b.force_unlock("wrong")
        b.force_unlock(held.id)
        assert b.current_lock() is None

    s3.put_object(Bucket=bucket, Key="env/prod.tfstate.json.lock", Body=b"garbage")
    with pytest.raises(LockError) as exc, b.lock("apply"):
        pass
    assert "treated as held" in str(exc.value)
    b.force_unlock(str(exc.value).rsplit(" ", 1)[-1])
    with b.lock("apply"):
        pass


def test_backend_for_s3(endpoint: str, bucket: str) -> None:
    settings = StateSettings(
        backend="s3", bucket=bucket, key="k.json", region="us-east-1", endpoint_url=endpoint
    )
    b = backend_for(settings, default_path=None)  # type: ignore[arg-type]
    assert b.describe() == f"s3://{bucket}/k.json"
    state = sample_state()
    b.write(state)
    assert b.read() == state


def test_concurrent_write_is_detected_not_overwritten(
    endpoint: str, bucket: str, s3: S3Client
) -> None:
    first = sample_state()
    backend(endpoint, bucket).write(first)
    other = first.model_copy(update={"serial": 2})
    other_body = other.model_dump_json().encode()

    # Another writer slips in between our read and our conditional put.
    client = boto3.session.Session().client("s3", region_name="us-east-1", endpoint_url=endpoint)
    sneaked: list[bool] = []

    def sneak_in(params: dict[str, object], **_: object) -> None:
        if params.get("Key") == "env/prod.tfstate.json" and not sneaked:
            sneaked.append(True)
            s3.put_object(Bucket=bucket, Key="env/prod.tfstate.json", Body=other_body)

    client.meta.events.register("before-parameter-build.s3.PutObject", sneak_in)
    racing = S3Backend(bucket, "env/prod.tfstate.json", endpoint_url=endpoint, client=client)
    with pytest.raises(StateError, match="changed while it was being written"):
        racing.write(first.model_copy(update={"serial": 2}))
    assert sneaked
    stored = s3.get_object(Bucket=bucket, Key="env/prod.tfstate.json")["Body"].read()
    assert stored == other_body

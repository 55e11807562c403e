from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from reconciler.errors import LockError, StateError
from reconciler.settings import StateSettings
from reconciler.state import backend_for
from reconciler.state.base import ResourceState, State
from reconciler.state.s3 import S3Backend

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def fake_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    empty = tmp_path_factory.mktemp("aws") / "none"
    empty.write_text("")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3(endpoint: str) -> S3Client:
    # Own session per client: S3 clients sharing the default session share weakly held
    # handlers, and one collected client can break another's calls (ReferenceError).
    return boto3.session.Session().client("s3", region_name="us-east-1", endpoint_url=endpoint)


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def backend(
    endpoint: str,
    bucket: str,
    lock_timeout: float = 10.0,
    lock_ttl: float = 3600.0,
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
        started = time.monotonic()
        with pytest.raises(LockError) as exc, second.lock("plan"):
            pass
        assert time.monotonic() - started >= 0.2
        assert f"held by {info.who} (pid {info.pid}) for apply" in str(exc.value)
        assert info.id in str(exc.value)
    assert second.current_lock() is None
    with second.lock("plan") as taken:
        assert taken.operation == "plan"


def test_expired_lock_taken_over_and_stale_release_is_harmless(endpoint: str, bucket: str) -> None:
    old = backend(endpoint, bucket, lock_ttl=0.05)
    context = old.lock("apply")
    stale = context.__enter__()
    time.sleep(0.1)
    fresh = backend(endpoint, bucket, lock_timeout=0)
    with fresh.lock("apply") as info:
        assert info.id != stale.id
        context.__exit__(None, None, None)
        current = fresh.current_lock()
        assert current is not None and current.id == info.id
    assert fresh.current_lock() is None


def test_force_unlock(endpoint: str, bucket: str, s3: S3Client) -> None:
    b = backend(endpoint, bucket, lock_timeout=0)
    context = b.lock("apply")
    info = context.__enter__()
    with pytest.raises(LockError, match="does not match"):
        b.force_unlock("wrong")
    b.force_unlock(info.id)
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

"""S3 state through a proxy that forwards a request to moto's server and drops its reply:
botocore retries, and the retry meets our own write. Every such write counts as done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from reconciler.errors import StateError
from reconciler.state.base import Operation, ResourceState, State, record_held
from reconciler.state.codec import encode_state
from reconciler.state.s3 import S3Backend
from tests.state.lossy_proxy import LossyProxy, Rule, drop_first

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.usefixtures("fake_credentials")

KEY = "env/prod.tfstate.json"


@pytest.fixture
def proxied(endpoint: str) -> Iterator[list[LossyProxy]]:
    started: list[LossyProxy] = []
    yield started
    for proxy in started:
        proxy.stop()


def through(
    proxied: list[LossyProxy],
    endpoint: str,
    bucket: str,
    drop: Rule,
    lock_timeout: float = 10.0,
    lock_ttl: float = 60.0,
) -> tuple[S3Backend, LossyProxy]:
    proxy = LossyProxy(endpoint, drop).start()
    proxied.append(proxy)
    backend = S3Backend(
        bucket,
        KEY,
        region="us-east-1",
        endpoint_url=proxy.url,
        lock_timeout=lock_timeout,
        lock_ttl=lock_ttl,
        poll_interval=0.05,
    )
    return backend, proxy


def lock_put_lost(
    proxied: list[LossyProxy], endpoint: str, bucket: str, header: str, **options: float
) -> tuple[S3Backend, LossyProxy]:
    """A backend whose first conditional PUT of the lock (``header``) is stored, its reply lost."""
    return through(proxied, endpoint, bucket, drop_first("PUT", ".lock", header), **options)


def assert_no_lock(s3: S3Client, bucket: str) -> None:
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key=KEY + ".lock")


def stored(s3: S3Client, bucket: str, key: str = KEY) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def statuses(proxy: LossyProxy, method: str, path_end: str) -> list[tuple[int, bool]]:
    return [
        (s.status, s.dropped)
        for s in proxy.seen
        if s.method == method and s.path.endswith(path_end)
    ]


def test_a_lock_whose_create_reply_was_lost_is_ours(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    backend, proxy = lock_put_lost(proxied, endpoint, bucket, "if-none-match", lock_timeout=0)
    with backend.lock("apply") as held:
        assert held.notices == []
        on_s3 = stored(s3, bucket, KEY + ".lock")
        assert held.id.encode() in on_s3
    # Stored, reply dropped; botocore's retry met our own lock (412), and that was success.
    assert statuses(proxy, "PUT", ".lock")[:2] == [(200, True), (412, False)]
    assert_no_lock(s3, bucket)


@pytest.mark.parametrize("first", [True, False], ids=["first-write", "later-write"])
def test_a_state_write_whose_reply_was_lost_is_a_success(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client, first: bool
) -> None:
    state = State.new()
    if not first:
        state.serial = 1
        S3Backend(bucket, KEY, region="us-east-1", endpoint_url=endpoint).write(state)
    header = "if-none-match" if first else "if-match"
    backend, proxy = through(proxied, endpoint, bucket, drop_first("PUT", KEY, header))
    new = state.model_copy(update={"serial": state.serial + 1})
    backend.write(new)
    assert statuses(proxy, "PUT", KEY) == [(200, True), (412, False)]
    assert stored(s3, bucket) == encode_state(new)


def test_a_refused_write_that_is_not_ours_is_still_a_conflict(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    direct = S3Backend(bucket, KEY, region="us-east-1", endpoint_url=endpoint)
    state = State.new()
    state.serial = 1
    direct.write(state)
    other = state.model_copy(update={"serial": 2})

    def another_run_writes_first(method: str, path: str, headers: dict[str, str]) -> bool:
        # Lets our conditional put through only after another writer replaced the object.
        if method == "GET" and path.endswith(KEY) and not sneaked:
            sneaked.append(True)
            direct.write(other)
        return False

    sneaked: list[bool] = []
    backend, _ = through(proxied, endpoint, bucket, another_run_writes_first)
    with pytest.raises(StateError, match="changed while it was being written"):
        backend.write(state.model_copy(update={"serial": 2, "digest_key": "00" * 32}))
    assert stored(s3, bucket) == encode_state(other)


def test_a_renewal_whose_reply_was_lost_keeps_the_lock(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    backend, proxy = lock_put_lost(proxied, endpoint, bucket, "if-match", lock_ttl=0.4)
    with backend.lock("apply") as held:
        # Wait for the dropped renewal and two more renewals after it.
        for _ in range(400):
            if len([s for s in statuses(proxy, "PUT", ".lock") if s == (200, False)]) >= 3:
                break
            held.lost.wait(0.05)
        assert statuses(proxy, "PUT", ".lock")[:3] == [(200, False), (200, True), (412, False)]
        assert not held.lost.is_set()
        current = backend.current_lock()
        assert current is not None and current.id == held.id and current.renewals >= 3
    assert_no_lock(s3, bucket)


def test_a_release_whose_reply_was_lost_leaves_no_lock(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    backend, proxy = through(proxied, endpoint, bucket, drop_first("DELETE", ".lock"))
    with backend.lock("apply"):
        pass
    assert proxy.dropped() and proxy.dropped()[0].method == "DELETE"
    assert backend.current_lock() is None
    with backend.lock("apply") as again:
        assert again.notices == []


def test_more_lost_replies_than_botocore_retries_are_tried_again(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    # botocore makes 3 attempts (fewer once its retry quota runs dry on a bad network); the
    # backend tries again on top of that, so four lost replies in a row do not fail a write.
    state = State.new()
    state.serial = 1
    S3Backend(bucket, KEY, region="us-east-1", endpoint_url=endpoint).write(state)
    backend, proxy = through(proxied, endpoint, bucket, drop_first("PUT", ".backup", times=4))
    new = state.model_copy(update={"serial": 2})
    backend.write(new)
    assert statuses(proxy, "PUT", ".backup") == [(200, True)] * 4 + [(200, False)]
    assert stored(s3, bucket) == encode_state(new)
    assert stored(s3, bucket, KEY + ".backup") == encode_state(state)


def test_a_journal_record_whose_reply_was_lost_is_recorded_once(
    proxied: list[LossyProxy], endpoint: str, bucket: str, s3: S3Client
) -> None:
    state = State.new()
    S3Backend(bucket, KEY, region="us-east-1", endpoint_url=endpoint).write(state)
    drop = drop_first("PUT", "000001", "if-none-match")
    backend, proxy = through(proxied, endpoint, bucket, drop)
    entry = ResourceState(
        kind="test_pipe", remote_id="r", natural_key="k", last_applied={}, fingerprint="f"
    )
    record_held(state, Operation("test_pipe.a", entry), backend, None)
    record_held(state, Operation("test_pipe.b", entry), backend, None)
    assert statuses(proxy, "PUT", "000001") == [(200, True), (412, False)]
    assert backend.read() == state and state.serial == 2

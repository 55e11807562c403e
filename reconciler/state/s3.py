"""The S3 state backend: the state as one object, its predecessor as ``<key>.backup``, the
lock as ``<key>.lock`` and the journal of an apply not yet folded into the state as objects
under ``<key>.journal/`` (``reconciler.state.s3_journal``).

A PutObject replaces the whole object at once, so readers see the old or the new state. Writes
are also conditional: ``If-Match`` on the ETag read just before (``If-None-Match: *`` for the
first one), so two runs that somehow both write (a lock taken over after its lease) cannot
silently overwrite each other. A conditional write refused as 412 is re-read: if the object
holds exactly our bytes, the 412 answered botocore's retry of a write whose reply was lost.
The lock is created with ``If-None-Match: *``, renewed and removed with ``If-Match`` on the
ETag that was inspected. Conditional writes and deletes need an S3 (or
compatible store) that supports them; AWS S3 does for general purpose buckets.

boto3 is imported when the first request is made, not when this module is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from reconciler.errors import StateError
from reconciler.state.base import LockInfo, Notify, Operation, State, late_records
from reconciler.state.codec import check_successor, decode_state, encode_state
from reconciler.state.journal import Replayed, replay_stored
from reconciler.state.lock import LockHandle, StateLock
from reconciler.state.s3_journal import S3Journal

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 30
T = TypeVar("T")
_MISSING = ("NoSuchKey", "404", "NotFound")
_CONFLICT = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")


def _code(exc: Exception) -> str:
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


class S3Objects:
    """The three objects of one state, with every boto error turned into a ``StateError``."""

    def __init__(
        self,
        bucket: str,
        key: str,
        region: str | None,
        endpoint_url: str | None,
        client: S3Client | None,
        timeouts: tuple[float, float, int] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, 3),
        rounds: int = 3,
    ) -> None:
        self.bucket = bucket
        self.timeouts = timeouts  # connect, read, attempts (botocore's, per round)
        self.rounds = rounds  # our own rounds of botocore's attempts (see _call)
        self.key = key
        self.region = region
        self.endpoint_url = endpoint_url
        self._client = client
        # The session must outlive its client: botocore holds only weak references to parts
        # of it, and a collected session surfaces later as ReferenceError inside a call.
        self._session: Any = None

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def client(self) -> S3Client:
        if self._client is None:
            from botocore.config import Config

            from reconciler.clients.boto_sessions import new_session

            connect, read, attempts = self.timeouts
            config = Config(
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=connect,
                read_timeout=read,
            )
            self._session = new_session()
            self._client = self._session.client(
                "s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config
            )
        return self._client

    def fail(self, exc: Exception, operation: str, key: str) -> StateError:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = self.url(key)
        if isinstance(exc, NoCredentialsError):
            return StateError(
                "no AWS credentials found for the S3 state backend: set AWS_PROFILE or the "
                "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables",
                file=where,
            )
        if isinstance(exc, ClientError):
            message = str(exc.response.get("Error", {}).get("Message", "")).strip()
            detail = f"{_code(exc)}: {message}" if message else _code(exc)
            return StateError(f"S3 {operation} failed: {detail}", file=where)
        if isinstance(exc, BotoCoreError):
            return StateError(f"S3 {operation} failed: {exc}", file=where)
        return StateError(f"S3 {operation} failed: {type(exc).__name__}", file=where)

    def _call(self, request: Callable[[], T]) -> T:
        """``request``, tried again after a connection that failed or closed without an
        answer. botocore retries those too, but its retry quota (shared by all calls of a
        client) runs dry on a bad network, after which it gives up at once. Every request
        here may be repeated: a repeated conditional write that meets its own earlier success
        is recognised by the callers (see ``put``)."""
        from botocore.exceptions import ConnectionError, HTTPClientError

        for attempt in range(1, self.rounds + 1):
            try:
                return request()
            except (ConnectionError, HTTPClientError):
                if attempt == self.rounds:
                    raise
                time.sleep(min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def get(self, key: str) -> tuple[bytes, str] | None:
        def request() -> tuple[bytes, str]:
            response = self.client().get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read(), response["ETag"]

        try:
            return self._call(request)
        except Exception as exc:
            if _code(exc) in _MISSING:
                return None
            raise self.fail(exc, "GetObject", key) from None

    def put(
        self, key: str, body: bytes, *, if_match: str | None = None, if_absent: bool = False
    ) -> str | None:
        """The new ETag; None when the condition did not hold. Beware: when the reply to a
        conditional put is lost, botocore retries it and the retry meets our own write, so
        None can also mean "stored". Callers re-read to tell (see ``S3Backend.write``)."""
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ContentType": "application/json",
        }
        if if_match is not None:
            args["IfMatch"] = if_match
        if if_absent:
            args["IfNoneMatch"] = "*"
        try:
            return self._call(lambda: str(self.client().put_object(**args)["ETag"]))
        except Exception as exc:
            if (if_match is not None or if_absent) and _code(exc) in (*_CONFLICT, *_MISSING):
                return None
            raise self.fail(exc, "PutObject", key) from None

    def list_keys(self, prefix: str) -> list[str]:
        def request() -> list[str]:
            pages = self.client().get_paginator("list_objects_v2")
            return [
                str(item["Key"])
                for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
                for item in page.get("Contents", [])
            ]

        try:
            return sorted(self._call(request))
        except Exception as exc:
            raise self.fail(exc, "ListObjectsV2", prefix) from None

    def delete_many(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]

            def request(batch: list[str] = batch) -> Any:
                objects: Any = [{"Key": k} for k in batch]
                return self.client().delete_objects(
                    Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
                )

            try:
                response = self._call(request)
            except Exception as exc:
                raise self.fail(exc, "DeleteObjects", batch[0]) from None
            for error in response.get("Errors", []):
                raise StateError(
                    f"S3 DeleteObjects failed: {error.get('Code', '')}: {error.get('Message', '')}",
                    file=self.url(str(error.get("Key", batch[0]))),
                )

    def delete(self, key: str, if_match: str) -> bool:
        try:
            self._call(
                lambda: self.client().delete_object(Bucket=self.bucket, Key=key, IfMatch=if_match)
            )
            return True
        except Exception as exc:
            if _code(exc) in (*_CONFLICT, *_MISSING):
                return False
            raise self.fail(exc, "DeleteObject", key) from None


class _S3LockStore:
    def __init__(self, objects: S3Objects, key: str) -> None:
        self._objects = objects
        self._key = key

    def describe(self) -> str:
        return self._objects.url(self._key)

    # A lost reply makes ``create`` and ``replace`` answer None although the lock was
    # written; ``StateLock`` handles that by recognising its own lock id.
    def create(self, payload: bytes) -> str | None:
        return self._objects.put(self._key, payload, if_absent=True)

    def replace(self, token: str, payload: bytes) -> str | None:
        return self._objects.put(self._key, payload, if_match=token)

    def load(self) -> tuple[bytes, str] | None:
        return self._objects.get(self._key)

    def delete(self, token: str) -> bool:
        return self._objects.delete(self._key, token)


def _lock_timeouts(lease: float) -> tuple[float, float, int]:
    # 3 rounds x 2 attempts x (connect + read) = lease / 2, plus short pauses.
    return (
        max(1.0, min(lease / 24, CONNECT_TIMEOUT_SECONDS)),
        max(1.0, min(lease / 24, READ_TIMEOUT_SECONDS)),
        2,
    )


class S3Backend:
    def __init__(
        self,
        bucket: str,
        key: str,
        region: str | None = None,
        endpoint_url: str | None = None,
        lock_timeout: float = 10.0,
        lock_ttl: float = 60.0,
        poll_interval: float = 1.0,
        client: S3Client | None = None,
    ) -> None:
        self._objects = S3Objects(bucket, key, region, endpoint_url, client)
        self.key = key
        self.backup_key = key + ".backup"
        self.lock_key = key + ".lock"
        self.journal = S3Journal(self._objects, key)
        # The lock has its own client whose every call (retries included) ends within about
        # half a lease, so a renewal stuck on a slow network fails in time to be tried again
        # before a waiting run could see the lease run out.
        lock_objects = S3Objects(
            bucket, key, region, endpoint_url, client, timeouts=_lock_timeouts(lock_ttl), rounds=3
        )
        self.state_lock = StateLock(
            _S3LockStore(lock_objects, self.lock_key),
            self.describe(),
            lock_timeout,
            lock_ttl,
            poll_interval,
        )

    def describe(self) -> str:
        return self._objects.url(self.key)

    def read(self) -> State | None:
        return self._replayed()[0].state

    def _replayed(self) -> tuple[Replayed, list[str]]:
        # Journal first, state second: a fold between the two shows as a journal already in
        # the state. A mismatch seen while a fold moved things on is read again.
        for attempt in range(3):
            records, keys = self.journal.load()
            found = self._objects.get(self.key)
            try:
                data = None if found is None else found[0]
                return replay_stored(data, records, self.describe(), self.journal.describe()), keys
            except StateError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def append(self, state: State, op: Operation) -> None:
        self.journal.append(state, op)

    def fold(self) -> int:
        if not self.journal.keys():
            return 0  # nothing recorded: no need to read the state
        replayed, keys = self._replayed()
        if replayed.pending:
            assert replayed.state is not None
            self._write(replayed.state)
        # Only the records read: one a run that lost its lock (unaware yet) added meanwhile
        # continues the state just written, and the next read applies it.
        self.journal.remove(keys)
        return replayed.pending

    def write(self, state: State) -> None:
        # (A record added after this check no longer continues the state written, and the
        # next read refuses it by its serial.)
        if self.journal.keys():
            raise late_records(self.journal.describe())
        self._write(state)

    def _write(self, state: State) -> None:
        body = encode_state(state)  # fails before anything is sent if a value cannot be stored
        found = self._objects.get(self.key)
        if found is None:
            stored_ok = self._objects.put(self.key, body, if_absent=True)
        else:
            old, etag = found
            stored = decode_state(old, self.describe())  # a corrupt state is never replaced
            check_successor(stored, state, self.describe())
            self._objects.put(self.backup_key, old)
            stored_ok = self._objects.put(self.key, body, if_match=etag)
        if stored_ok is None and not self._holds(body):
            raise StateError(
                "the state changed while it was being written (another run?); nothing was "
                "overwritten",
                file=self.describe(),
            )

    def _holds(self, body: bytes) -> bool:
        # Refused, or stored with its reply lost and refused on botocore's retry? Only the
        # exact bytes we wrote (they hold our serial and lineage) count as ours.
        found = self._objects.get(self.key)
        return found is not None and found[0] == body

    def lock(
        self, operation: str, notify: Notify | None = None
    ) -> AbstractContextManager[LockHandle]:
        def prepare(handle: LockHandle) -> None:
            handle.tell_folded(self.fold(), self.journal.describe(), notify)

        return self.state_lock.hold(operation, notify, prepare)

    def current_lock(self) -> LockInfo | None:
        return self.state_lock.current()

    def force_unlock(self, lock_id: str) -> None:
        self.state_lock.force_unlock(lock_id)

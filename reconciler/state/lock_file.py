"""The local lock store: a lock file beside the state, its token a digest of its bytes.

The file is created complete (staged, then hard-linked to its name, which fails if the name
exists), so creators need no guard: only one can succeed, and only while the file is absent.
Replacing and removing are compare-and-swap operations run under an ``flock`` of the directory,
so the check and the change cannot interleave with another replacer or remover; a replacement
is a rename of a complete file, so a reader never sees half of one. Both rely on a local
filesystem (neither is trustworthy over NFS).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.atomic import stage, write_atomic
from reconciler.errors import StateError

# What link(2) answers on filesystems that have no hard links (vfat, some FUSE mounts).
_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV)


def _token(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileLockStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return str(self.path)

    def _fail(self, what: str, exc: OSError) -> StateError:
        return StateError(f"cannot {what} lock: {exc.strerror}", file=str(self.path))

    def create(self, payload: bytes) -> str | None:
        # The complete lock is staged first and then hard-linked into place, which fails if
        # the name exists: the lock file is never seen empty or half written, not even after
        # a kill -9 in the middle (that leaves a staging file, which the next holder removes).
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Staged under its own name (".<lock>.new.<random>.tmp"), which the staging-file
            # cleanup of the run holding the lock does not match: this run does not hold it.
            tmp = stage(self.path.with_name(self.path.name + ".new"), payload, 0o600)
        except OSError as exc:
            raise self._fail("create", exc) from None
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            return None
        except FileNotFoundError:
            # Our staging file was removed under us (by hand?). Answer "exists": the caller
            # looks again, and tries again if there is no lock.
            return None
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise self._fail("create", exc) from None
            return self._create_in_place(payload)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return _token(payload)

    def _create_in_place(self, payload: bytes) -> str | None:
        """For filesystems without hard links: exclusive create, then write."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return None
        except OSError as exc:
            raise self._fail("create", exc) from None
        try:
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            # An empty or partial lock file would be treated as held by every later run.
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                detail = f"{exc.strerror}; remove the incomplete lock file by hand"
                raise StateError(f"cannot create lock: {detail}", file=str(self.path)) from None
            raise self._fail("create", exc) from None
        return _token(payload)

    def load(self) -> tuple[bytes, str] | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._fail("read", exc) from None
        return data, _token(data)

    @contextmanager
    def exclusive(self, what: str) -> Iterator[bool]:
        """Hold the directory's ``flock``; yields False when the directory is gone."""
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
        except FileNotFoundError:
            yield False
            return
        except OSError as exc:
            raise self._fail(what, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        finally:
            os.close(fd)  # closing drops the flock

    def replace(self, token: str, payload: bytes) -> str | None:
        try:
            with self.exclusive("renew") as present:
                found = self.load() if present else None
                if found is None or found[1] != token:
                    return None
                write_atomic(self.path, payload, mode=0o600)
                return _token(payload)
        except OSError as exc:
            raise self._fail("renew", exc) from None

    def delete(self, token: str) -> bool:
        try:
            with self.exclusive("remove") as present:
                found = self.load() if present else None
                if found is None or found[1] != token:
                    return False
                self.path.unlink()
                return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._fail("remove", exc) from None

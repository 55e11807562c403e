"""boto3 sessions that share one botocore data loader per process.

Building a session reads and parses botocore's service models again (about 0.1 s of CPU
each); every command builds its own sessions, and a process that runs many commands (the test
suite runs the CLI in-process) would pay that every time. The loader only caches the JSON
models shipped with botocore, which never change while the process runs, so sharing it is
safe; credentials, profiles and configuration stay per session.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

# botocore sessions are not thread-safe: sessions, and clients made from a session that other
# threads may also be using (an assumed role's STS client, built when the credentials are
# renewed in whichever thread signs a request), are built under this lock.
BUILD_LOCK = threading.RLock()


@functools.cache
def _loader() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


def new_session(profile_name: str | None = None) -> Any:
    """A fresh ``boto3.session.Session`` (its own credentials and configuration) whose service
    models come from the process's one loader."""
    import boto3
    import botocore.session

    with BUILD_LOCK:
        core = botocore.session.get_session()
        core.register_component("data_loader", _loader())
        return boto3.session.Session(botocore_session=core, profile_name=profile_name)

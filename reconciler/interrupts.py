"""Stopping a run on request: Ctrl-C (SIGINT), SIGTERM (CI time-outs, container stops) and
SIGHUP (a closed terminal) are all handled the same way.

The first signal asks the run to stop: nothing new is started, operations already in flight
finish (or time out) and are recorded in the state, the lock is released, the summary is
printed, and the process exits 128 + the signal number (130, 143, 129). A second signal means
"stop waiting": the work still in flight is cancelled (its outcome is left for the next plan to
read), the lock is still released, and the process exits with the same code. Signals never
raise ``KeyboardInterrupt`` at a random point (inside a library's finaliser, say), so there is
never a traceback.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from reconciler.errors import ReconcilerError

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(ReconcilerError):
    """The run was stopped by a signal; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}")
        self.signum = signum
        self.signal_name = name
        self.exit_code = 128 + signum


class StopRequest:
    """Set by the first signal; the applier asks it before starting each operation."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def describe(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""


@contextlib.contextmanager
def handled(
    stop: StopRequest, on_stop: Callable[[str], None] = lambda text: None
) -> Iterator[None]:
    """Within a running event loop (main thread): the first signal sets ``stop``, the second
    cancels the task that entered this block."""
    import asyncio  # here: the CLI imports this module for every command, --help included

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed: list[signal.Signals] = []
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def on_signal(signum: int) -> None:
        if stop.signum is None:
            stop.signum = signum
            on_stop(
                f"{signal.Signals(signum).name} received: finishing what is in flight, starting "
                "nothing new (send it again to stop waiting)"
            )
        elif task is not None:
            task.cancel()

    try:
        for sig in SIGNALS:
            try:
                loop.add_signal_handler(sig, on_signal, sig)
                installed.append(sig)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                pass
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            # remove_signal_handler leaves the default; put back what was there (``raising``).
            old = previous[sig]
            if old is not None:
                signal.signal(sig, old)


@contextlib.contextmanager
def raising(stop: StopRequest) -> Iterator[None]:
    """Around a blocking call on the main thread (the confirmation prompt), where the event
    loop cannot run its handlers: any signal there ends the call with ``Interrupted``."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.signum = stop.signum or signum
        raise Interrupted(signum)

    saved: dict[int, Any] = {}
    try:
        for sig in SIGNALS:
            with contextlib.suppress(ValueError):  # not the main thread
                saved[sig] = signal.signal(sig, on_signal)
        yield
    finally:
        for number, old in saved.items():
            signal.signal(number, old)

"""Is the process that holds a lock still running? Answered only for a lock taken on this very
machine, and only with evidence: anything this module cannot establish is "running".

"This machine" needs all three of hostname, kernel boot id and pid namespace to match. A
hostname alone is not enough: two containers (or two CI runners) can share one, and a pid from
another machine or another pid namespace says nothing about ours. A pid alone is not enough
either: pids are reused, so the lock also records the process start time (field 22 of
``/proc/<pid>/stat``, clock ticks since boot), which differs for any later process with the
same pid. Without ``/proc`` (not Linux) nothing is known, so no lock is taken this way.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Machine:
    hostname: str
    boot_id: str | None  # /proc/sys/kernel/random/boot_id: new on every boot
    pid_namespace: str | None  # e.g. "pid:[4026531836]": pids only mean something within one

    def same_as(self, other: Machine) -> bool:
        return (
            self.boot_id is not None
            and self.pid_namespace is not None
            and (self.hostname, self.boot_id, self.pid_namespace)
            == (other.hostname, other.boot_id, other.pid_namespace)
        )


def this_machine() -> Machine:
    try:
        boot_id: str | None = (PROC / "sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        boot_id = None
    try:
        namespace: str | None = os.readlink(PROC / "self/ns/pid")
    except OSError:
        namespace = None
    return Machine(socket.gethostname(), boot_id, namespace)


class Liveness(Enum):
    RUNNING = "running"  # or: cannot tell
    GONE = "gone"
    REUSED = "reused"  # the pid now belongs to another process


def start_time(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot; None when unknown."""
    stat = _stat(pid)
    return stat[1] if isinstance(stat, tuple) else None


def liveness(pid: int, started: int | None) -> Liveness:
    """Of process ``pid`` on this machine, which was started at ``started`` (None: unknown)."""
    if not (PROC / "self/stat").exists():
        return Liveness.RUNNING  # no /proc: no evidence either way
    stat = _stat(pid)
    if stat is _GONE:
        return Liveness.GONE
    if not isinstance(stat, tuple):
        return Liveness.RUNNING  # unreadable: cannot tell
    state, now_started = stat
    if started is not None and now_started != started:
        return Liveness.REUSED
    # A zombie has exited and only waits for its parent to collect its status; "X" is dead.
    if state in ("Z", "X"):
        return Liveness.GONE
    return Liveness.RUNNING


_GONE = "gone"
_UNKNOWN = "unknown"


def _stat(pid: int) -> tuple[str, int] | str:
    """(state, start time) of ``pid``, or ``_GONE`` (no such process) or ``_UNKNOWN``."""
    if pid <= 0:
        return _UNKNOWN  # not a process id (and kill(0 or -1) would mean a group)
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        # Absent from /proc: gone, or hidden (/proc mounted with hidepid shows a user only
        # their own processes). kill(pid, 0) tells them apart: it finds hidden ones too.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return _GONE
        except OSError:
            return _UNKNOWN
        return _UNKNOWN
    except OSError:
        return _UNKNOWN
    # Field 2 (the command) is in parentheses and may itself hold spaces or ")": split after
    # the last ")". What follows starts at field 3 (state); field 22 is the start time.
    try:
        fields = text[text.rindex(")") + 2 :].split()
        return fields[0], int(fields[19])
    except (ValueError, IndexError):
        return _UNKNOWN

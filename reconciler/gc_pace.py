"""How often the garbage collector runs, while a command does its large work.

A plan holds every resource's configuration, state entry, live object and change at once:
about 100 objects per resource, a million at 10,000 accounts. CPython's full collections walk
all of them, and they came often enough to take half the CPU of such a plan. Reconciler's data
is acyclic (JSON-like values and pydantic models, freed by reference counting), so the young
generations still collect what cycles there are (asyncio futures, tracebacks) as usual; only
the full walk is made rarer, and only inside ``relaxed()`` (the previous pace comes back
after it, so a process that runs commands in turn, like the tests, is not changed for good).

Inside the steps that build those structures without waiting on anything for long (config load,
state decode, refresh, planning: ``paused()``), the collector does not run at all, and when
such a step has made many objects they are frozen after it (``gc.freeze``: kept out of every
later collection): every object they keep would otherwise be walked twice by the young
collections, about a tenth of a large plan's CPU. Reference counting still frees those objects
as usual. The young generations are collected just before the step, so what a freeze keeps
from collection is what the step made and what had already lived long; the steps make no
reference cycle per resource (``tests/unit/test_no_cycles.py``), and the few they do make (a
request's objects in refresh) are kept until the process ends. Small steps (the state decode
before each state write of a small apply) freeze nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A full collection after this many collections of the middle generation (CPython's default
# is 10): about every 7 million allocations instead of every 70,000.
FULL_EVERY = 1000
# Below this many resources full collections cost little: the pace is left as it is. (Cyclic
# garbage is then collected as promptly as ever: a generator or lock left unclosed is
# finalised near where it was dropped, not during some later command of the same process.)
LARGE = 1000


@contextmanager
def relaxed(enabled: bool = True) -> Iterator[None]:
    if not enabled:
        yield
        return
    before = gc.get_threshold()
    young, middle, old = before
    gc.set_threshold(young, middle, max(old, FULL_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(*before)


# A block that leaves more new objects than this has them frozen after it.
FREEZE_AFTER = 100_000


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside the block (nor as a decorator, inside the function); if the block
    left more than ``FREEZE_AFTER`` new objects, every object is frozen; then the collector
    runs again if it ran before. Nested and concurrent uses leave it running at the end if it
    was running at the start of the first."""
    was = gc.isenabled()
    if was:
        gc.collect(1)  # young garbage made before the block is not frozen with it
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_AFTER:
            gc.freeze()  # without it the next young collection would walk all that was made
        if was:
            gc.enable()

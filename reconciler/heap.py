"""The cyclic garbage collector, paused while a facade builds a large result.

Compiling or planning 10,000 resources allocates a few hundred thousand dicts,
lists and tuples that all stay alive until the facade returns, and makes no
reference cycles: the cyclic collector would only rescan that growing heap again
and again (a third of a large compile's time). Reference counting still frees
everything as usual; the collector resumes, as it was, when the block ends.

Resuming would first scan the whole young generation: every object the block
allocated, every member of every set in the result (a third of a second for the
11 million audience memberships of a large directory). So the block's survivors are
moved straight to the oldest generation instead (``freeze`` then ``unfreeze``: a
list splice, no scan), where they wait for the next full collection like any
long-lived data; a cycle made meanwhile is freed then, not at once.

Objects moved that way do not count towards CPython's trigger of a full collection,
so a process that keeps compiling (``learnops sync``) runs one itself, as the next
block starts, once more objects have been moved since the last than both
``FULL_COLLECTION_AFTER`` and the number that survived it: like the interpreter's
own rule (a quarter of the survivors), each full collection then costs in
proportion to the work done since. Even then only if the heap has grown by as much:
most of what was moved (an earlier compile's result) has usually been freed by
reference counting since, and counting the heap walks a list, where a collection
follows every reference of every object. Never when a block ends: the heap is
largest then (the block's result is all in it and the collection would find
nothing of it to free), and a one-shot command would pay for it just before exiting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FULL_COLLECTION_AFTER = 1_000_000  # objects moved to the oldest generation
_moved = 0  # since the last full collection
_survivors = 0  # of the last full collection this module ran


def _count_full_collections(phase: str, info: dict[str, Any]) -> None:
    global _moved
    if phase == "stop" and info["generation"] == 2:
        _moved = 0


gc.callbacks.append(_count_full_collections)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    if was_enabled and _moved > max(FULL_COLLECTION_AFTER, _survivors):
        _collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _resume()


def _collect() -> None:
    global _moved, _survivors
    bound = max(FULL_COLLECTION_AFTER, _survivors)
    if _tracked() - _survivors > bound:
        gc.collect()  # resets _moved through the callback
        _survivors = _tracked()
    else:
        _moved = 0  # freed since: nothing to look for until as much again is moved


def _tracked() -> int:
    """The objects the collector tracks (``freeze`` gathers every generation in one)."""
    gc.freeze()
    tracked = gc.get_freeze_count()
    gc.unfreeze()
    return tracked


def _resume() -> None:
    global _moved
    _moved += gc.get_count()[0]  # young objects: allocated minus freed since the last scan
    gc.freeze()
    gc.unfreeze()
    gc.enable()

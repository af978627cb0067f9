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
long-lived data; a cycle made meanwhile is freed then, not at once. Objects moved
that way do not count towards CPython's trigger of a full collection, so a process
that keeps compiling (``learnops sync``) runs one itself once a million have been
moved since the last: what the interpreter's own rule would roughly have done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FULL_COLLECTION_AFTER = 1_000_000  # objects moved to the oldest generation
_moved = 0


def _count_full_collections(phase: str, info: dict[str, Any]) -> None:
    global _moved
    if phase == "stop" and info["generation"] == 2:
        _moved = 0


gc.callbacks.append(_count_full_collections)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            _resume()


def _resume() -> None:
    global _moved
    _moved += gc.get_count()[0]  # young objects: allocated minus freed since the last scan
    gc.freeze()
    gc.unfreeze()
    gc.enable()
    if _moved > FULL_COLLECTION_AFTER:
        gc.collect()  # resets _moved through the callback

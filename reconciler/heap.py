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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()

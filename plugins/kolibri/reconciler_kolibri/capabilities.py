"""What a Kolibri facility can honour of learnops' specs, as data (validate reads it).

Kolibri has lessons, learner groups and per-learner lesson assignment; it has no
certificates, no notifications, no due dates of its own, no scheduler and no
dynamic groups, and no learnops metadata or versions on what it holds. Releases
at enrollment, on a date and after an earlier step are done by ``learnops
release``; an offset after enrollment is not offered, because Kolibri records no
date when a learner joins a group.
"""

from __future__ import annotations

from typing import Final

from reconciler.providers.capabilities import Capabilities

KOLIBRI: Final = Capabilities(
    release_modes=frozenset({"enrollment", "date", "after_step"}),
    certificates=False,
    notifications=False,
    preconditions=False,
    idempotent_writes=False,
    metadata=False,
    change_counter=False,
    scheduler=False,
    dynamic_audiences=False,
    concurrent_writes=True,  # a web server: several lessons are written at once
    own_ids=True,  # lessons and groups have ids of their own: learnops state mv renames them
)

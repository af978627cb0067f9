"""What a platform can honour, declared by its provider as frozen data.

validate and plan read it to report a spec feature a target cannot honour as a
located error instead of approximating it; the state store reads it to choose a
backend (a platform that cannot hold learnops' metadata gets ``local``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from reconciler.model import KINDS

ReleaseMode = Literal["enrollment", "offset", "date", "after_step"]
RELEASE_MODES: Final[frozenset[ReleaseMode]] = frozenset(
    ("enrollment", "offset", "date", "after_step")
)


@dataclass(frozen=True)
class Capabilities:
    """Defaults describe a platform with none of the extras: a third-party provider
    names only what it has, e.g. ``Capabilities(kinds=frozenset({...}), ...)``."""

    kinds: frozenset[str] = frozenset(KINDS)
    # How a step's items may be released: {at: enrollment}, {offset: 7d}, {date: ...},
    # {after_step: STEP}.
    release_modes: frozenset[ReleaseMode] = frozenset({"enrollment"})
    certificates: bool = False  # certificates with expiry and renewal
    notifications: bool = False  # on_assign, reminders, admin notices
    preconditions: bool = False  # writes refused when the resource moved (ETags, versions)
    idempotent_writes: bool = False  # a retried write with the same key happens once
    metadata: bool = False  # the platform keeps learnops' ownership and hash (state: platform)
    change_counter: bool = False  # a platform-wide version raised by every write
    scheduler: bool = False  # the platform releases due steps itself
    dynamic_audiences: bool = False  # the platform resolves audience filters itself
    creates_objects: bool = False  # learnops may create learning objects (else: existing only)
    due_dates: bool = False  # assignments and steps fall due (and overdue) on the platform
    min_score: bool = False  # completion by a minimum score (completion: {type: min_score})
    # The platform's ids are its own (numbers, UUIDs), not learnops' names: a record can
    # move to another address (``learnops state mv``) and keep pointing at its resource.
    own_ids: bool = False
    # The platform takes several writes at once (an API server): apply sends up to
    # ``--parallelism`` together. Without it apply writes one at a time.
    concurrent_writes: bool = False
    # Learners keep the plan version they enrolled in (``in_progress: keep``). Without
    # it a changed plan changes for everyone in it, as if ``in_progress: migrate``.
    plan_versions: bool = False

    @property
    def default_state(self) -> str:
        """The state backend a target gets without ``state:`` in learnops.yaml."""
        return "platform" if self.metadata else "local"


# What the reference platform (sandbox, and rest which speaks its API) can do.
REFERENCE: Final = Capabilities(
    release_modes=RELEASE_MODES,
    certificates=True,
    notifications=True,
    preconditions=True,
    idempotent_writes=True,
    metadata=True,
    change_counter=True,
    scheduler=True,
    dynamic_audiences=True,
    creates_objects=True,
    due_dates=True,
    min_score=True,
    concurrent_writes=True,
    plan_versions=True,
)

"""The plan as data: what will change on the platform, why, and what it does to learners.

The planner builds a :class:`Plan`; the renderers (text, markdown, JSON) and the
executor walk the same frozen values, so what a reviewer approves is what runs.
Refusals (``prevent-destroy``, a delete without ``--allow-delete``, a disruptive
change without ``--allow-disruptive``) are decided here, at plan time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from reconciler.model import JSON, Address, Location
from reconciler.providers import WriteAction
from reconciler.rules.directory import User
from reconciler.state import Record

FORMAT_VERSION: Final = "1"

Action = Literal["create", "update", "inactivate", "delete", "adopt", "no-op"]
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)

Reason = Literal[
    "new in code",  # create
    "spec changed",  # the code changed since the last apply
    "metadata changed",  # only labels or annotations differ
    "drift",  # the platform changed behind learnops' back
    "spec changed and drift",  # both at once
    "removed from code",
    "adopt requested",
    "unchanged",
    "exists",  # an ``existing: true`` object that is there
    "already inactive",  # removed from code earlier and inactivated since
    "inactivated in code",  # an assignment's ``active`` turned false
    "re-activated",  # an assignment's ``active`` turned true again
    "kept for its assignment",  # an inline audience its (inactive) assignment still names
    "renamed",  # its record was moved to this address (state mv): the platform renames it
]

DiffOp = Literal["add", "remove", "change"]

Refusal = Literal[
    "prevent-destroy", "delete-not-allowed", "disruptive-not-allowed",
    "still-used",  # a delete that something staying on the platform names
]

SAMPLE_SIZE: Final = 10  # learner ids kept per impact, enough for a reviewer to spot-check


@dataclass(frozen=True)
class FieldDiff:
    """One field-level difference; ``path`` reads like ``steps[1].release.offset``
    (spec fields bare, labels and annotations under ``metadata.``)."""

    op: DiffOp
    path: str
    old: JSON = None
    new: JSON = None


@dataclass(frozen=True)
class Impact:
    """What a change does to learners.

    ``learners_added``/``learners_removed`` count people who gain or lose an item
    through this change (its own impact: another change of the plan reaching the
    same people does not make it smaller; the plan's totals count distinct people).
    ``enrolled``/``in_progress`` come from the live status and count enrollments
    (learner x item); ``learners`` is the distinct people enrolled.
    ``newly_reached``/``no_longer_reached``: people entering or leaving the
    assignment's (or audience's) reach. ``items_gained``/``items_lost``: (item name,
    learners) for each item some learners gain or lose.
    ``new_version``: a plan with ``in_progress: keep`` gets a new version (learners
    in it stay on theirs); ``migrated``: learners in progress are moved to the new one.
    ``may_include_in_progress``: an audience change takes items from people through an
    assignment with learners in progress; the live status counts them per assignment,
    not per person, so whether those losing items are among them is unknown.
    """

    learners_added: int = 0
    learners_removed: int = 0
    in_progress: int = 0
    enrolled: int = 0
    new_version: bool = False
    migrated: bool = False
    sample_added: tuple[str, ...] = ()
    sample_removed: tuple[str, ...] = ()
    learners: int = 0
    newly_reached: int = 0
    no_longer_reached: int = 0
    items_gained: tuple[tuple[str, int], ...] = ()
    items_lost: tuple[tuple[str, int], ...] = ()
    may_include_in_progress: bool = False


NO_IMPACT: Final = Impact()


@dataclass(frozen=True)
class Change:
    """One resource's fate. ``before`` is the live spec (``None`` when absent),
    ``after`` the spec the platform will hold (``None`` when removed or untouched
    by an inactivate). ``precondition_version`` is the live version the write must
    find (``None``: the resource must not exist yet)."""

    address: Address
    action: Action
    reason: Reason
    before: Mapping[str, JSON] | None = None
    after: Mapping[str, JSON] | None = None
    diff: tuple[FieldDiff, ...] = ()
    precondition_version: int | None = None
    impact: Impact = NO_IMPACT
    disruptive: bool = False
    refusal: Refusal | None = None
    spec_hash: str | None = None  # stamped on what the change writes (a no-op: none)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    location: Location | None = None
    # Where the platform holds it now, when the plan found it by its record's platform
    # id under another address (``learnops state mv``): the write renames it.
    renamed_from: Address | None = None

    @property
    def is_change(self) -> bool:
        return self.action != "no-op"

    @property
    def refused(self) -> bool:
        return self.refusal is not None


UserChangeKind = Literal["deactivated", "added", "changed"]


@dataclass(frozen=True)
class UserChange:
    """One person the directory source and the platform disagree on. ``diff`` paths
    read ``job_role``, ``groups``, ``active``; ``user`` is what the platform will hold
    (a leaver missing from the source keeps their attributes, inactive)."""

    employee_id: str
    kind: UserChangeKind
    user: User
    diff: tuple[FieldDiff, ...] = ()


@dataclass(frozen=True)
class DirectoryPlan:
    """The platform's directory brought to the source's: deactivations are written
    before any resource (no change enrols a leaver), additions and changes after
    every resource (new hires and movers enter under the final rules and the final
    plan versions). ``impact`` is per assignment, in that order of writes: who enters
    or leaves its reach through the directory alone. ``digest`` fingerprints the source
    snapshot the plan was made from: a saved plan is stale when it moved."""

    source: str
    digest: str
    changes: tuple[UserChange, ...] = ()
    impact: tuple[tuple[str, Impact], ...] = ()

    @property
    def deactivations(self) -> tuple[UserChange, ...]:
        return tuple(c for c in self.changes if c.kind == "deactivated")

    @property
    def arrivals(self) -> tuple[UserChange, ...]:
        """Added and changed people: written last."""
        return tuple(c for c in self.changes if c.kind != "deactivated")

    def counts(self) -> dict[UserChangeKind, int]:
        counts: dict[UserChangeKind, int] = {"added": 0, "changed": 0, "deactivated": 0}
        for change in self.changes:
            counts[change.kind] += 1
        return counts


@dataclass(frozen=True)
class Problem:
    """A plan-time error or warning; ``where`` is ``file:line:col`` or an address."""

    code: str
    message: str
    where: str | None = None

    def format(self, severity: Literal["error", "warning"]) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{severity}[{self.code}]: {self.message}"


@dataclass(frozen=True)
class Settled:
    """What became of a write an interrupted apply left pending (:mod:`reconciler.plan.settle`):
    ``landed`` with the ``record`` to keep (``None`` for a delete: the record goes), or
    not landed (the pending entry goes, any record stays)."""

    address: Address
    action: WriteAction
    landed: bool
    record: Record | None = None

    def describe(self) -> str:
        if not self.landed:
            return f"{self.address}: the interrupted {self.action} did not land; forgotten"
        if self.record is None:
            return f"{self.address}: the interrupted {self.action} landed; its record goes"
        return f"{self.address}: the interrupted {self.action} landed; recorded as managed"


@dataclass(frozen=True)
class Plan:
    """Everything ``apply`` needs to make the platform equal the specs.

    ``order`` holds the addresses to write, generation by generation: creates,
    updates and adopts in dependency order, then removals in reverse dependency
    order. Addresses within a generation are independent of each other.

    ``source_root`` (the spec directory, absolute), ``target_name`` (``--target``, or
    ``provider``) and ``platform`` (the provider's identity) say where a saved plan
    may be applied; ``None`` in plans not made against a platform by the planner.
    """

    source_dir: str
    source_digest: str
    target_provider: str
    state_version: int | None  # the platform's change counter, where it has one
    changes: tuple[Change, ...]
    order: tuple[tuple[Address, ...], ...]
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    format_version: str = FORMAT_VERSION
    source_root: str | None = None
    target_name: str | None = None
    platform: str | None = None
    directory: DirectoryPlan | None = None  # None: the platform's users are the directory
    # The state store the plan was made against: a saved plan is refused once its
    # serial moved (another apply wrote) or its lineage is another state's.
    state_backend: str | None = None
    state_lineage: str | None = None
    state_serial: int | None = None
    # What learnops performs on the plan's day for a platform without a scheduler
    # (``learnops release``, every sync cycle): one line each; apply does not do them.
    releases_due: tuple[str, ...] = ()
    # Distinct people the whole plan gives an item to, or takes one from.
    learners_added: int = 0
    learners_removed: int = 0
    # Digests of what the plan was made against (reconciler.plan.basis): the live
    # resources, and the directory when the plan read it.
    basis: str | None = None
    directory_basis: str | None = None
    # False: the target's platform takes no preconditions, so every write is
    # unconditional (read back just before it, and refused if the resource moved).
    preconditions: bool = True
    # Writes an interrupted apply left pending, settled from the live resources: the plan
    # is made on the records as apply will leave them, and apply writes them first.
    settled: tuple[Settled, ...] = ()

    @property
    def ok(self) -> bool:
        """A plan with errors (conflicts, refusals, missing objects) must not be applied."""
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return (self.directory_changes > 0 or bool(self.settled)
                or any(change.is_change for change in self.changes))

    @property
    def directory_changes(self) -> int:
        return 0 if self.directory is None else len(self.directory.changes)

    def summary(self) -> dict[Action, int]:
        counts: dict[Action, int] = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            counts[change.action] += 1
        return counts

    def by_address(self) -> Mapping[Address, Change]:
        return {change.address: change for change in self.changes}

    def to_write(self) -> tuple[Change, ...]:
        """The changes in ``order``, flattened: what an executor walks."""
        changes = self.by_address()
        return tuple(changes[address] for generation in self.order for address in generation)

"""What a plan does to learners, per change.

Assignments: who gains or loses which item, and who enters or leaves the
assignment's reach. A learner *gains* an item through an assignment only if, before
the plan, no active assignment gave it to them (overlapping assignments never enrol
anyone twice), and *loses* it only if, after the plan, no active assignment still
gives it. Each change's impact is its own: when two changed assignments give the
same learner the same item, both say so (either change alone would); the plan's
totals (:class:`Assessment`) count distinct people. ``learners_added`` /
``learners_removed`` count the people who gain (lose) at least one item through
the change; the samples show some of them.
Audiences: who joins or leaves the audience, and what that does through every active
assignment targeting it (directly or through audiences that include or exclude it):
items gained and lost through the assignments the plan leaves unchanged (a changed
assignment says what it gives and takes itself), so ``learners_added`` /
``learners_removed`` count people gaining or losing items through the audience.
The live status counts learners in progress per assignment, not per person, so an
audience change that takes items from people through an assignment with learners in
progress says it *may* include them. Plans: enrolled and in-progress learners from
the live status, and whether the change makes a new version (``in_progress: keep``)
or moves learners in progress (``migrate``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from reconciler.model import JSON, Address, DesiredState
from reconciler.plan.model import SAMPLE_SIZE, Change, Impact
from reconciler.plan.normalize import normalize_spec
from reconciler.providers import LiveResource
from reconciler.rules.assignment import Item, assignment_items
from reconciler.rules.audience import AudienceError, Directory, resolve_all, resolve_audience

_NO_ONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reach:
    """One side (before or after the plan) of who gets what."""

    members: Mapping[str, frozenset[str]]  # assignment name -> learners it reaches
    items: Mapping[str, tuple[Item, ...]]  # assignment name -> its items
    by_item: Mapping[Item, frozenset[str]]  # item -> learners any active assignment gives it
    audiences: Mapping[str, frozenset[str]]  # audience name -> members
    targets: Mapping[str, str]  # assignment name -> the audience it targets
    feeds: Mapping[str, frozenset[str]]  # audience -> audiences including or excluding it
    # (assignment, item) -> who holds the item through it, where a platform counts that
    # apart from everyone the assignment reaches (status ``reached_items``).
    holders: Mapping[tuple[str, Item], frozenset[str]] = field(default_factory=dict)

    def holding(self, assignment: str, item: Item) -> frozenset[str]:
        """Who holds ``item`` through ``assignment``."""
        found = self.holders.get((assignment, item))
        return self.members.get(assignment, _NO_ONE) if found is None else found


@dataclass(frozen=True)
class Assessment:
    """Each change's own impact, and the distinct people the whole plan gives an
    item to (``added``) or takes one from (``removed``)."""

    impacts: Mapping[Address, Impact]
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


def assess(
    changes: Sequence[Change],
    desired: DesiredState,
    live: Mapping[Address, LiveResource],
    directory: Callable[[], Directory],
    *,
    plan_versions: bool = True,
) -> Assessment:
    """The impact of each change that writes something (no-ops have none).

    ``directory`` is only called when an assignment or audience changes: a plan
    that touches neither never pays for reading it. ``plan_versions``: the platform
    keeps each learner on the version they enrolled in (else every changed plan
    moves its learners, whatever ``in_progress`` says: see Capabilities)."""
    writing = [change for change in changes if change.is_change]
    impacts: dict[Address, Impact] = {}
    gains, losses = _People(), _People()
    if any(c.address.kind in ("Assignment", "Audience") for c in writing):
        users = directory()
        scope = _scope(writing, changes, desired, live)
        before = reach_before(live, users, scope)
        after = reach_after(changes, desired, live, users, scope)
        impacts.update(_assignment_impacts(writing, before, after, live, gains, losses))
        impacts.update(_audience_impacts(writing, before, after, live, gains, losses))
    for change in writing:
        if change.address.kind in ("CertificationPlan", "LearningObject"):
            impacts[change.address] = _status_impact(
                change, live.get(change.address), plan_versions)
    return Assessment(impacts, frozenset(gains.seen), frozenset(losses.seen))


@dataclass(frozen=True)
class Scope:
    """The part of the platform a plan's assignment and audience changes can reach:
    the assignments whose items the changed ones (or those fed by changed audiences)
    hand out, and the audiences to resolve. Everything else is left unresolved: a
    plan changing one assignment resolves what that assignment touches."""

    assignments: frozenset[str]
    audiences: frozenset[str]


def _scope(
    writing: Sequence[Change],
    changes: Sequence[Change],
    desired: DesiredState,
    live: Mapping[Address, LiveResource],
) -> Scope:
    sides = (_specs_before(live), _specs_after(changes, desired, live))
    changed_audiences = {c.address.name for c in writing if c.address.kind == "Audience"}
    # Whatever a changed audience feeds, however indirectly (both sides' includes).
    reached = _fed_from(changed_audiences, [_feeds(audiences) for _, audiences in sides])
    concerned = {c.address.name for c in writing if c.address.kind == "Assignment"}
    for assignments, _ in sides:
        concerned.update(name for name, spec in assignments.items()
                         if _audience(spec) in reached)
    items = {item for assignments, _ in sides for name in concerned
             for item in assignment_items(assignments.get(name) or {})}
    # Every assignment handing out one of those items: who else gives it decides who
    # gains or loses it.
    names = set(concerned)
    for assignments, _ in sides:
        names.update(name for name, spec in assignments.items()
                     if not items.isdisjoint(assignment_items(spec)))
    targets = {_audience(spec) for assignments, _ in sides
               for name, spec in assignments.items() if name in names}
    wanted = {audience for audience in targets if audience is not None}
    return Scope(frozenset(names), frozenset(wanted | changed_audiences))


def _specs_before(
    live: Mapping[Address, LiveResource],
) -> tuple[dict[str, Mapping[str, JSON]], dict[str, Mapping[str, JSON]]]:
    assignments = {a.name: r.spec for a, r in live.items() if a.kind == "Assignment"}
    audiences = {a.name: r.spec for a, r in live.items() if a.kind == "Audience"}
    return assignments, audiences


def _specs_after(
    changes: Sequence[Change], desired: DesiredState, live: Mapping[Address, LiveResource]
) -> tuple[dict[str, Mapping[str, JSON]], dict[str, Mapping[str, JSON]]]:
    specs = _planned_specs(changes, desired, live)
    assignments = {a.name: spec for a, spec in specs.items() if a.kind == "Assignment"}
    audiences = {a.name: spec for a, spec in specs.items() if a.kind == "Audience"}
    return assignments, audiences


def _planned_specs(
    changes: Sequence[Change], desired: DesiredState, live: Mapping[Address, LiveResource]
) -> dict[Address, Mapping[str, JSON]]:
    planned = {change.address for change in changes}
    specs: dict[Address, Mapping[str, JSON]] = {a: r.spec for a, r in live.items()}
    for resource in desired.resources:
        if resource.address in planned:  # conflicts have no change: the live spec stays
            specs[resource.address] = resource.spec
    return specs


def reach_before(
    live: Mapping[Address, LiveResource], directory: Directory, scope: Scope | None = None
) -> Reach:
    """Who gets what on the platform as it is (``scope``: only that part of it). An
    assignment whose platform counts whom it reaches (status ``reached``: employee ids,
    whoever gave it to them) reaches those but the people ``directory`` has inactive,
    and each item is held by those the platform says (``reached_items``: kind -> item
    name -> employee ids; an item it does not name, by everyone reached); any other
    assignment reaches its audience's members."""
    audiences = {a.name: r.spec for a, r in live.items() if a.kind == "Audience"}
    assignments = {
        a.name: r.spec for a, r in live.items()
        if a.kind == "Assignment" and _in(scope, a.name) and _active(r.spec, r)
    }
    counted = {name: found for name in assignments
               if (found := _reached(live[Address("Assignment", name)], directory)) is not None}
    return _reach(assignments, audiences, directory, scope, counted)


def reach_after(
    changes: Sequence[Change],
    desired: DesiredState,
    live: Mapping[Address, LiveResource],
    directory: Directory,
    scope: Scope | None = None,
) -> Reach:
    """The platform as the plan leaves it: desired specs where the plan writes or keeps
    them, live ones where it leaves them alone, removed resources inactive."""
    specs = _planned_specs(changes, desired, live)
    removed = {c.address for c in changes if c.action in ("inactivate", "delete")}
    audiences = {a.name: spec for a, spec in specs.items() if a.kind == "Audience"}
    assignments = {
        a.name: spec
        for a, spec in specs.items()
        if a.kind == "Assignment" and _in(scope, a.name) and a not in removed
        and _active(spec, None)
    }
    return _reach(assignments, audiences, directory, scope)


def _in(scope: Scope | None, assignment: str) -> bool:
    return scope is None or assignment in scope.assignments


@dataclass(frozen=True)
class _Counted:
    """An assignment's reach as its platform counts it."""

    members: frozenset[str]
    holders: Mapping[Item, frozenset[str]]


def _reached(resource: LiveResource, directory: Directory) -> _Counted | None:
    """Whom the platform says ``resource`` reaches now, if it says; as in an audience, an
    inactive person is reached by nothing (one the directory does not know still is)."""
    found = resource.status.get("reached")
    if not isinstance(found, list):
        return None

    def active(ids: list[JSON]) -> frozenset[str]:
        return frozenset(str(u) for u in ids
                         if (user := directory.get(str(u))) is None or user.active)

    per_kind = resource.status.get("reached_items")
    holders: dict[Item, frozenset[str]] = {}
    for kind in ("plan", "object"):
        by_name = per_kind.get(kind) if isinstance(per_kind, Mapping) else None
        if isinstance(by_name, Mapping):
            holders.update((Item(kind, str(name)), active(ids))
                           for name, ids in by_name.items() if isinstance(ids, list))
    return _Counted(active(found), holders)


def _audience(spec: Mapping[str, JSON]) -> str | None:
    """The audience an assignment targets by name (a live one may be inline: whom a
    platform gives it to beyond any one audience)."""
    audience = spec.get("audience")
    return audience if isinstance(audience, str) else None


def _reach(
    assignments: Mapping[str, Mapping[str, JSON]],
    audiences: Mapping[str, Mapping[str, JSON]],
    directory: Directory,
    scope: Scope | None = None,
    counted: Mapping[str, _Counted] | None = None,
) -> Reach:
    """``counted``: assignments whose reach the platform counted (not resolved here)."""
    names = None if scope is None else scope.audiences
    normalized = _Normalized(audiences)
    try:
        audience_members = resolve_all(normalized, directory, names)
    except AudienceError:
        # A broken live audience (dangling include) must not stop the plan:
        # resolve what can be resolved, one audience at a time.
        audience_members = _resolve_each(normalized, directory, names)
    members: dict[str, frozenset[str]] = {}
    items: dict[str, tuple[Item, ...]] = {}
    by_item: dict[Item, set[str]] = {}
    targets: dict[str, str] = {}
    holders: dict[tuple[str, Item], frozenset[str]] = {}
    for name, spec in assignments.items():
        audience = _audience(spec)
        if audience is not None:
            targets[name] = audience
        platform = counted.get(name) if counted is not None else None
        members[name] = (
            platform.members if platform is not None
            else audience_members.get(audience, _NO_ONE) if audience is not None else _NO_ONE
        )
        items[name] = tuple(assignment_items(spec))
        for item in items[name]:
            held = platform.holders.get(item) if platform is not None else None
            if held is not None:
                holders[(name, item)] = held
            by_item.setdefault(item, set()).update(members[name] if held is None else held)
    return Reach(
        holders=holders,
        members=members,
        items=items,
        by_item={item: frozenset(ids) for item, ids in by_item.items()},
        audiences=audience_members,
        targets=targets,
        feeds=_feeds(audiences),
    )


class _Normalized(Mapping[str, Mapping[str, JSON]]):
    """Audience specs in their canonical form, each made when resolving first reads
    it: a plan resolves the audiences its changes reach, not every one."""

    def __init__(self, specs: Mapping[str, Mapping[str, JSON]]) -> None:
        self._specs = specs
        self._normalized: dict[str, Mapping[str, JSON]] = {}

    def __getitem__(self, name: str) -> Mapping[str, JSON]:
        found = self._normalized.get(name)
        if found is None:
            found = self._normalized[name] = normalize_spec("Audience", self._specs[name])
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


def _feeds(audiences: Mapping[str, Mapping[str, JSON]]) -> dict[str, frozenset[str]]:
    # Only which audiences name which: the specs as written serve (no normalising).
    fed: dict[str, set[str]] = {}
    for name, spec in audiences.items():
        for key in ("include", "exclude"):
            for source in spec.get(key) or []:
                if isinstance(source, str):
                    fed.setdefault(source, set()).add(name)
    return {source: frozenset(names) for source, names in fed.items()}


def _fed_from(
    audiences: Iterable[str], feeds: Iterable[Mapping[str, frozenset[str]]]
) -> set[str]:
    """``audiences`` and every audience they feed, however indirectly, through any of
    ``feeds`` (:func:`_feeds` of each side of the plan)."""
    sides = tuple(feeds)
    reached = set(audiences)
    pending = list(reached)
    while pending:
        source = pending.pop()
        for side in sides:
            for fed in side.get(source, _NO_ONE):
                if fed not in reached:
                    reached.add(fed)
                    pending.append(fed)
    return reached


def _resolve_each(
    audiences: Mapping[str, Mapping[str, JSON]], directory: Directory,
    names: Iterable[str] | None = None,
) -> dict[str, frozenset[str]]:
    resolved: dict[str, frozenset[str]] = {}
    for name in audiences if names is None else sorted(n for n in names if n in audiences):
        try:
            resolved[name] = resolve_audience(name, audiences, directory)
        except AudienceError:
            resolved[name] = _NO_ONE
    return resolved


def _assignment_impacts(
    writing: Sequence[Change],
    before: Reach,
    after: Reach,
    live: Mapping[Address, LiveResource],
    gains: _People,
    losses: _People,
) -> dict[Address, Impact]:
    impacts: dict[Address, Impact] = {}
    for change in sorted(writing, key=lambda c: c.address):
        if change.address.kind != "Assignment":
            continue
        name = change.address.name
        reached_before = before.members.get(name, _NO_ONE)
        reached_after = after.members.get(name, _NO_ONE)
        gained, lost = _gained_and_lost(name, before, after)
        gainers, losers = gains.add(_everyone(gained)), losses.add(_everyone(lost))
        resource = live.get(change.address)
        status = resource.status if resource else {}
        impacts[change.address] = Impact(
            learners_added=len(gainers),
            learners_removed=len(losers),
            in_progress=_count(status, "in_progress"),
            enrolled=_count(status, "enrolled"),
            sample_added=_sample(gainers),
            sample_removed=_sample(losers),
            learners=_count(status, "learners"),
            newly_reached=len(reached_after - reached_before),
            no_longer_reached=len(reached_before - reached_after),
            items_gained=_per_item(gained),
            items_lost=_per_item(lost),
        )
    return impacts


def _gained_and_lost(
    assignment: str, before: Reach, after: Reach
) -> tuple[dict[Item, frozenset[str]], dict[Item, frozenset[str]]]:
    """Per item, who gains it through ``assignment`` (no active assignment gave it
    before) and who loses it (no active assignment gives it after)."""
    reached_after = after.members.get(assignment, _NO_ONE)
    gained = {
        item: reached_after - before.by_item.get(item, _NO_ONE)
        for item in after.items.get(assignment, ())
    }
    lost = {
        item: before.holding(assignment, item) - after.by_item.get(item, _NO_ONE)
        for item in before.items.get(assignment, ())
    }
    return gained, lost


class _People:
    """Everyone some change of the plan gives an item to (or takes one from)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def add(self, learners: frozenset[str]) -> frozenset[str]:
        self.seen.update(learners)
        return learners


def _everyone(per_item: Mapping[Item, frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*per_item.values())


def _per_item(per_item: Mapping[Item, frozenset[str]]) -> tuple[tuple[str, int], ...]:
    return tuple((name, len(ids)) for (_, name), ids in per_item.items() if ids)


def _audience_impacts(
    writing: Sequence[Change],
    before: Reach,
    after: Reach,
    live: Mapping[Address, LiveResource],
    gains: _People,
    losses: _People,
) -> dict[Address, Impact]:
    impacts: dict[Address, Impact] = {}
    changed = {change.address for change in writing}
    for change in sorted(writing, key=lambda c: c.address):
        if change.address.kind != "Audience":
            continue
        name = change.address.name
        old = before.audiences.get(name, _NO_ONE)
        new = after.audiences.get(name, _NO_ONE) if change.action != "delete" else _NO_ONE
        gained: dict[Item, frozenset[str]] = {}
        lost: dict[Item, frozenset[str]] = {}
        in_progress_at_risk = False
        for assignment in _assignments_fed_by(name, before, after):
            if Address("Assignment", assignment) in changed:
                continue  # a changed assignment says what it gives and takes itself
            got, took = _gained_and_lost(assignment, before, after)
            for item, ids in got.items():
                gained[item] = gained.get(item, _NO_ONE) | ids
            for item, ids in took.items():
                lost[item] = lost.get(item, _NO_ONE) | ids
            resource = live.get(Address("Assignment", assignment))
            if _everyone(took) and resource is not None:
                in_progress_at_risk |= _count(resource.status, "in_progress") > 0
        impacts[change.address] = Impact(
            learners_added=len(gains.add(_everyone(gained))),
            learners_removed=len(losses.add(_everyone(lost))),
            sample_added=_sample(new - old),
            sample_removed=_sample(old - new),
            newly_reached=len(new - old),
            no_longer_reached=len(old - new),
            items_gained=_per_item(gained),
            items_lost=_per_item(lost),
            may_include_in_progress=in_progress_at_risk,
        )
    return impacts


def _assignments_fed_by(audience: str, before: Reach, after: Reach) -> list[str]:
    """Active assignments (before or after the plan) whose audience is ``audience`` or
    includes or excludes it, however indirectly; by name, so the order is deterministic."""
    reached = _fed_from({audience}, (before.feeds, after.feeds))
    names = {a for a, target in before.targets.items() if target in reached}
    names |= {a for a, target in after.targets.items() if target in reached}
    return sorted(names)


def _status_impact(change: Change, resource: LiveResource | None,
                   plan_versions: bool) -> Impact:
    status = resource.status if resource else {}
    enrolled = _count(status, "enrolled")
    in_progress = _count(status, "in_progress")
    learners = _count(status, "learners")
    if change.address.kind != "CertificationPlan" or change.action not in ("update", "adopt"):
        return Impact(enrolled=enrolled, in_progress=in_progress, learners=learners)
    spec_changed = any(not diff.path.startswith("metadata.") for diff in change.diff)
    policy = (change.after or {}).get("in_progress", "keep") if plan_versions else "migrate"
    return Impact(
        enrolled=enrolled,
        in_progress=in_progress,
        learners=learners,
        new_version=spec_changed and policy == "keep",
        migrated=spec_changed and policy == "migrate",
    )


def _active(spec: Mapping[str, JSON], resource: LiveResource | None) -> bool:
    if spec.get("active") is False:
        return False
    return not (resource is not None and resource.status.get("active") is False)



def _count(status: Mapping[str, JSON], key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _sample(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(ids)[:SAMPLE_SIZE])

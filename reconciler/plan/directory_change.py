"""The directory as a planned change: the source's people against the platform's.

Who differs, and what that does to learners through every active assignment, in the
order ``apply`` writes it (DESIGN §1, issue "directory changes bypass the plan"):

1. leavers are deactivated before any resource is written, against the live
   resources (no change enrols someone who is leaving);
2. the resources change (their impact is planned against the directory of step 1);
3. new hires and changed people are written last, against the resources as the plan
   leaves them (they enter under the final rules and the final plan versions).

A person missing from the source is a leaver (an HRIS export drops them, a SCIM
filter leaves them out); the platform keeps their record, inactive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler.directory import DirectorySnapshot
from reconciler.model import JSON, Address, DesiredState
from reconciler.plan.impact import Reach, reach_after, reach_before
from reconciler.plan.model import (
    SAMPLE_SIZE,
    Change,
    DiffOp,
    DirectoryPlan,
    FieldDiff,
    Impact,
    UserChange,
)
from reconciler.providers import LiveResource
from reconciler.rules.audience import Directory
from reconciler.rules.directory import User

_NO_ONE: frozenset[str] = frozenset()


def user_changes(source: Iterable[User], platform: Iterable[User]) -> tuple[UserChange, ...]:
    """Deactivations first, then additions and changes; each group by employee id."""
    held = {user.employee_id: user for user in platform}
    wanted = {user.employee_id: user for user in source}
    changes: list[UserChange] = []
    for employee_id in sorted(held.keys() | wanted.keys()):
        before, after = held.get(employee_id), wanted.get(employee_id)
        if after is None:
            assert before is not None
            if before.active:
                leaver = replace(before, active=False)
                changes.append(UserChange(employee_id, "deactivated", leaver,
                                          (FieldDiff("change", "active", True, False),)))
            continue
        if before is None:
            changes.append(UserChange(employee_id, "added", after, _user_diff(None, after)))
            continue
        diff = _user_diff(before, after)
        if diff:
            leaves = before.active and not after.active
            changes.append(UserChange(employee_id, "deactivated" if leaves else "changed",
                                      after, diff))
    return tuple(sorted(changes, key=lambda c: (c.kind != "deactivated", c.employee_id)))


def _user_diff(before: User | None, after: User) -> tuple[FieldDiff, ...]:
    old_attributes = dict(before.attributes) if before else {}
    diffs: list[FieldDiff] = []
    for name in sorted(old_attributes.keys() | after.attributes.keys()):
        old, new = old_attributes.get(name), after.attributes.get(name)
        if old == new:
            continue
        op: DiffOp = "add" if old is None else "remove" if new is None else "change"
        diffs.append(FieldDiff(op, name, old, new))
    old_groups = sorted(before.groups) if before else []
    if old_groups != sorted(after.groups):
        diffs.append(FieldDiff("change" if before else "add", "groups",
                               old_groups if before else None, sorted(after.groups)))
    if before is not None and before.active != after.active:
        diffs.append(FieldDiff("change", "active", before.active, after.active))
    elif before is None and not after.active:
        diffs.append(FieldDiff("add", "active", None, False))
    return tuple(diffs)


def after_deactivations(platform: Iterable[User], changes: Sequence[UserChange]) -> list[User]:
    """The platform's users once step 1 has run: what resource changes are planned against."""
    leaving = {c.employee_id: c.user for c in changes if c.kind == "deactivated"}
    people = [leaving.get(user.employee_id, user) for user in platform]
    known = {user.employee_id for user in people}
    people.extend(user for employee_id, user in leaving.items() if employee_id not in known)
    return people


def plan_directory_change(
    snapshot: DirectorySnapshot,
    platform: Sequence[User],
    changes: tuple[UserChange, ...],
    resource_changes: Sequence[Change],
    desired: DesiredState,
    live: Mapping[Address, LiveResource],
) -> DirectoryPlan:
    """The directory change ``changes`` (:func:`user_changes` of ``snapshot`` and
    ``platform``) in a plan whose resource changes are ``resource_changes``."""
    plan = DirectoryPlan(source=snapshot.source, digest=snapshot.digest, changes=changes)
    if not changes:
        return plan
    middle = after_deactivations(platform, changes)
    if any(c.kind == "deactivated" for c in changes):
        leaving = reach_before(live, Directory(platform)), reach_before(live, Directory(middle))
    else:
        leaving = None
    arriving = (
        reach_after(resource_changes, desired, live, Directory(middle)),
        reach_after(resource_changes, desired, live, Directory(snapshot.users)),
    ) if any(c.kind != "deactivated" for c in changes) else None
    return replace(plan, impact=_per_assignment(leaving, arriving, live))


def _per_assignment(
    leaving: tuple[Reach, Reach] | None,
    arriving: tuple[Reach, Reach] | None,
    live: Mapping[Address, LiveResource],
) -> tuple[tuple[str, Impact], ...]:
    names = sorted({name for step in (leaving, arriving) if step for reach in step
                    for name in reach.members})
    impacts: list[tuple[str, Impact]] = []
    for name in names:
        gained: dict[str, set[str]] = {}
        lost: dict[str, set[str]] = {}
        entered: set[str] = set()
        left: set[str] = set()
        for step in (leaving, arriving):
            if step is None:
                continue
            before, after = step
            was, now = before.members.get(name, _NO_ONE), after.members.get(name, _NO_ONE)
            entered |= now - was
            left |= was - now
            for item in after.items.get(name, ()):
                fresh = (now - was) - before.by_item.get(item, _NO_ONE)
                if fresh:
                    gained.setdefault(item.name, set()).update(fresh)
            for item in before.items.get(name, ()):
                gone = (was - now) - after.by_item.get(item, _NO_ONE)
                if gone:
                    lost.setdefault(item.name, set()).update(gone)
        entered, left = entered - left, left - entered  # in and out again: no change
        gainers = set().union(*gained.values()) if gained else set()
        losers = set().union(*lost.values()) if lost else set()
        if not (entered or left or gainers or losers):
            continue
        status = live.get(Address("Assignment", name))
        in_progress = _count(status.status if status else {}, "in_progress")
        impacts.append((name, Impact(
            learners_added=len(gainers),
            learners_removed=len(losers),
            in_progress=in_progress,
            sample_added=tuple(sorted(gainers)[:SAMPLE_SIZE]),
            sample_removed=tuple(sorted(losers)[:SAMPLE_SIZE]),
            newly_reached=len(entered),
            no_longer_reached=len(left),
            items_gained=tuple((item, len(ids)) for item, ids in sorted(gained.items())),
            items_lost=tuple((item, len(ids)) for item, ids in sorted(lost.items())),
            may_include_in_progress=bool(losers) and in_progress > 0,
        )))
    return tuple(impacts)


def _count(status: Mapping[str, JSON], key: str) -> int:
    value = status.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0

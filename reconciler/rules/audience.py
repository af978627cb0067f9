"""Who an audience targets: its rules compiled into set operations over directory indexes.

Semantics (DESIGN §2, CONTRACTS): base = listed users ∪ members of groups ∪ members of
included audiences, or every active user when all three are empty; ``where`` narrows the
base (every condition must hold); then members of each excluded audience are removed.
Inactive users are never members. :func:`naive_members` states the same rules per user,
plainly; it is the reference the indexed engine is tested against.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import chain
from typing import assert_never

from reconciler.heap import cycle_collection_paused
from reconciler.model import JSON
from reconciler.rules.conditions import (
    AnyOf,
    AudienceError,
    Condition,
    DateRange,
    Exists,
    NoneOf,
    as_date,
    as_text,
    describe,
    holds,
    parse_where,
)
from reconciler.rules.directory import User

__all__ = [
    "AudienceCycleError",
    "AudienceError",
    "Directory",
    "MembershipReason",
    "explain_membership",
    "naive_members",
    "resolve_all",
    "resolve_audience",
]

AudienceSpecs = Mapping[str, Mapping[str, JSON]]
_EMPTY: frozenset[str] = frozenset()


class AudienceCycleError(AudienceError):
    """Audiences that include or exclude each other in a loop have no meaning."""

    code = "LO013"

    def __init__(self, cycle: tuple[str, ...]) -> None:
        super().__init__(
            "audiences include or exclude each other in a cycle: " + " -> ".join(cycle),
            where=f"Audience/{cycle[0]}",
        )
        self.cycle = cycle


class Directory:
    """The users of a platform, indexed for audience resolution.

    Indexes hold active users only (inactive users are never members): attribute ->
    value -> ids, attribute -> ids having it, group -> ids, and attribute -> ids sorted
    by date for ``after``/``before``. The sets are made on first use (an audience
    touches a few of the values; ``hire_date`` alone has thousands), so what is read
    never changes once built."""

    def __init__(self, users: Iterable[User]) -> None:
        with cycle_collection_paused():  # a list per value of every attribute, no cycles
            self._index(users)

    def _index(self, users: Iterable[User]) -> None:
        by_id = {user.employee_id: user for user in users}  # a later row wins
        self._by_id = by_id
        self._users = tuple(by_id[key] for key in sorted(by_id))
        values: dict[str, dict[str, list[str]]] = {}
        groups: dict[str, list[str]] = {}
        for user in self._users:  # the hot loop of building: plain lookups and appends
            if not user.active:
                continue
            employee_id = user.employee_id
            for attribute, value in user.attributes.items():
                by_value = values.get(attribute)
                if by_value is None:
                    by_value = values[attribute] = {}
                ids = by_value.get(value)
                if ids is None:
                    by_value[value] = [employee_id]
                else:
                    ids.append(employee_id)
            for group in user.groups:
                members = groups.get(group)
                if members is None:
                    groups[group] = [employee_id]
                else:
                    members.append(employee_id)
        self.active_ids = frozenset(user.employee_id for user in self._users if user.active)
        self._values = values  # the ids of each value, in employee id order
        self._with_value: dict[tuple[str, str], frozenset[str]] = {}
        self._having: dict[str, frozenset[str]] = {}
        self._groups = {group: frozenset(ids) for group, ids in groups.items()}
        self._dates: dict[str, tuple[list[date], list[str]]] = {}
        # Audiences repeat conditions (job_role: Nurse); each is computed once.
        self._matches: dict[tuple[str, Condition], Match] = {}

    @property
    def users(self) -> tuple[User, ...]:
        """Every user, active or not, sorted by employee id."""
        return self._users

    def get(self, employee_id: str) -> User | None:
        return self._by_id.get(employee_id)

    def attributes(self) -> list[str]:
        """Attribute names some active user has, sorted (for "did you mean" hints)."""
        return sorted(self._values)

    def values(self, attribute: str) -> list[str]:
        return sorted(self._values.get(attribute, {}))

    def groups(self) -> list[str]:
        return sorted(self._groups)

    def in_group(self, group: str) -> frozenset[str]:
        return self._groups.get(group, _EMPTY)

    def with_value(self, attribute: str, value: str) -> frozenset[str]:
        key = (attribute, value)
        found = self._with_value.get(key)
        if found is None:
            ids = self._values.get(attribute, {}).get(value)
            if ids is None:
                return _EMPTY
            found = self._with_value[key] = frozenset(ids)
        return found

    def with_attribute(self, attribute: str) -> frozenset[str]:
        found = self._having.get(attribute)
        if found is None:
            by_value = self._values.get(attribute)
            if by_value is None:
                return _EMPTY
            found = self._having[attribute] = frozenset(chain.from_iterable(by_value.values()))
        return found

    def dated(self, attribute: str, after: date | None, before: date | None) -> list[str]:
        """Ids whose ``attribute`` is a date strictly between the bounds (None: open)."""
        if attribute not in self._dates:
            # Valid ISO dates sort as text; grouping by value avoids a tuple per user
            # (allocating one would wake the garbage collector hundreds of times).
            by_value = self._values.get(attribute, {})
            days: list[date] = []
            ids: list[str] = []
            for value in sorted(by_value):
                day = as_date(value)
                if day is not None:
                    days.extend([day] * len(by_value[value]))
                    ids.extend(by_value[value])
            self._dates[attribute] = (days, ids)
        days, ids = self._dates[attribute]
        low = 0 if after is None else bisect_right(days, after)
        high = len(days) if before is None else bisect_left(days, before)
        return ids[low:high]

    def matching(self, attribute: str, condition: Condition) -> Match:
        """The ids a condition is about, kept as disjoint parts (one per listed value)
        so an audience intersects with each part instead of building their union, and
        kept negative (``inside`` False) so it subtracts instead of building a complement."""
        key = (attribute, condition)
        if key not in self._matches:
            self._matches[key] = self._compute(attribute, condition)
        return self._matches[key]

    def _compute(self, attribute: str, condition: Condition) -> Match:
        match condition:
            case AnyOf(values):
                return Match(True, self._parts(attribute, values))
            case NoneOf(values):
                return Match(False, self._parts(attribute, values))
            case Exists(present):
                return Match(present, (self.with_attribute(attribute),))
            case DateRange(after, before):
                return Match(True, (frozenset(self.dated(attribute, after, before)),))
            case _:
                assert_never(condition)

    def _parts(self, attribute: str, values: frozenset[str]) -> tuple[frozenset[str], ...]:
        parts = (self.with_value(attribute, value) for value in sorted(values))
        return tuple(part for part in parts if part)


@dataclass(frozen=True)
class Match:
    """Members must be in one of ``parts`` (``inside``) or in none of them."""

    inside: bool
    parts: tuple[frozenset[str], ...]

    @property
    def size(self) -> int:
        return sum(map(len, self.parts))

    @cached_property
    def members(self) -> frozenset[str]:
        """``⋃parts``, built once: audiences repeat conditions, and one ``&`` with the
        union costs less than one per part."""
        return _union(self.parts or (_EMPTY,))


def _union(parts: Sequence[frozenset[str]]) -> frozenset[str]:
    return parts[0] if len(parts) == 1 else frozenset().union(*parts)


def _without(members: frozenset[str], removed: Sequence[frozenset[str]]) -> frozenset[str]:
    """``members - ⋃removed``: one copy then discards when the removed sets are small,
    else set differences (each costs the size of ``members``)."""
    if sum(map(len, removed)) < len(members):
        return members.difference(*removed)
    for ids in removed:
        members = members - ids
    return members


def _names(spec: Mapping[str, JSON], key: str) -> list[str]:
    return [as_text(item) for item in spec.get(key) or []]


def _spec(audiences: AudienceSpecs, name: str, referrer: str | None) -> Mapping[str, JSON]:
    if name not in audiences:
        via = f" (referenced by Audience/{referrer})" if referrer else ""
        raise AudienceError(f"audience {name!r} is not defined{via}", where=f"Audience/{name}")
    return audiences[name]


def _references(audiences: AudienceSpecs, name: str) -> list[str]:
    spec = _spec(audiences, name, None)
    return _names(spec, "include") + _names(spec, "exclude")


class _Resolver:
    """Resolves audiences depth first, each once; ``memo`` is shared across calls."""

    def __init__(self, audiences: AudienceSpecs, directory: Directory) -> None:
        self.audiences = audiences
        self.directory = directory
        self.memo: dict[str, frozenset[str]] = {}

    def resolve(self, root: str) -> frozenset[str]:
        # An explicit stack: long include chains must not hit Python's recursion limit.
        if root not in self.memo:
            _spec(self.audiences, root, None)
            path = [root]
            stack: list[Iterator[str]] = [iter(_references(self.audiences, root))]
            while stack:
                current = path[-1]
                for reference in stack[-1]:
                    if reference in self.memo:
                        continue
                    if reference in path:
                        raise AudienceCycleError((*path[path.index(reference):], reference))
                    _spec(self.audiences, reference, current)
                    path.append(reference)
                    stack.append(iter(_references(self.audiences, reference)))
                    break
                else:
                    stack.pop()
                    self.memo[path.pop()] = self._evaluate(current)
        return self.memo[root]

    def _evaluate(self, name: str) -> frozenset[str]:
        spec = self.audiences[name]
        directory = self.directory
        base: list[frozenset[str]] = []
        listed = [user for user in _names(spec, "users") if user in directory.active_ids]
        if listed:
            base.append(frozenset(listed))
        base.extend(directory.in_group(group) for group in _names(spec, "groups"))
        base.extend(self.memo[included] for included in _names(spec, "include"))
        everyone = not (spec.get("users") or spec.get("groups") or spec.get("include"))

        required: list[Match] = []
        removed: list[frozenset[str]] = []
        for attribute, condition in parse_where(name, spec.get("where") or {}):
            found = directory.matching(attribute, condition)
            if found.inside:
                required.append(found)
            else:
                removed.extend(found.parts)
        required.sort(key=lambda found: found.size)  # narrow with the most selective first

        members: frozenset[str]
        if everyone:
            # Index sets hold active users only, so "everyone ∩ X" is X itself.
            members = required.pop(0).members if required else directory.active_ids
        elif required and required[0].size < sum(map(len, base)):
            # Push the most selective condition into each base set: cheaper than the union.
            narrowest = required.pop(0).members
            members = _union([ids & narrowest for ids in base] or [_EMPTY])
        else:
            members = _union(base or [_EMPTY])
        for found in required:
            if not members:
                break
            members = members & found.members
        removed.extend(self.memo[excluded] for excluded in _names(spec, "exclude"))
        return _without(members, removed) if members and removed else members


def resolve_audience(name: str, audiences: AudienceSpecs, directory: Directory) -> frozenset[str]:
    """Employee ids of the active members of audience ``name``.

    Raises AudienceError for a reference to an undefined audience or a malformed
    ``where``, and AudienceCycleError when includes/excludes loop back."""
    return resolver(audiences, directory)(name)


def resolver(audiences: AudienceSpecs, directory: Directory) -> Callable[[str], frozenset[str]]:
    """:func:`resolve_audience` for many audiences of the same specs and directory:
    each audience, however many others include it, is resolved once."""
    return _Resolver(audiences, directory).resolve


def resolve_all(
    audiences: AudienceSpecs, directory: Directory, names: Iterable[str] | None = None
) -> dict[str, frozenset[str]]:
    """Every audience's members, each audience resolved once however often it is
    included; ``names``: only these (those of them ``audiences`` defines), and what
    they include or exclude."""
    resolver = _Resolver(audiences, directory)
    wanted = audiences if names is None else sorted(n for n in set(names) if n in audiences)
    with cycle_collection_paused():  # millions of member ids and no cycles: see heap
        return {name: resolver.resolve(name) for name in wanted}


# --- The reference: every rule tested against one user at a time. ---------------------


def _check_acyclic(name: str, audiences: AudienceSpecs, path: tuple[str, ...] = ()) -> None:
    if name in path:
        raise AudienceCycleError((*path[path.index(name):], name))
    _spec(audiences, name, path[-1] if path else None)
    for reference in _references(audiences, name):
        _check_acyclic(reference, audiences, (*path, name))


def _is_member(user: User, name: str, audiences: AudienceSpecs, memo: dict[str, bool]) -> bool:
    if name not in memo:
        spec = audiences[name]
        listed, groups, included = (_names(spec, k) for k in ("users", "groups", "include"))
        in_base = (
            not (listed or groups or included)
            or user.employee_id in listed
            or any(group in user.groups for group in groups)
            or any(_is_member(user, other, audiences, memo) for other in included)
        )
        memo[name] = (
            user.active
            and in_base
            and all(
                holds(condition, user.attributes.get(attribute))
                for attribute, condition in parse_where(name, spec.get("where") or {})
            )
            and not any(_is_member(user, other, audiences, memo)
                        for other in _names(spec, "exclude"))
        )
    return memo[name]


def naive_members(name: str, audiences: AudienceSpecs, users: Iterable[User]) -> frozenset[str]:
    """The same answer as :func:`resolve_audience`, by testing every user in turn.
    Slow on purpose: it is what the indexed engine is checked against."""
    _check_acyclic(name, audiences)
    return frozenset(
        user.employee_id for user in users if _is_member(user, name, audiences, {})
    )


@dataclass(frozen=True)
class MembershipReason:
    """One rule of an audience and whether it holds for one user. The user is a
    member exactly when every reason of the audience holds."""

    audience: str
    rule: str  # "active" | "base" | "where <attribute>" | "exclude <audience>"
    holds: bool
    detail: str


def explain_membership(name: str, audiences: AudienceSpecs, user: User) -> list[MembershipReason]:
    """Why ``user`` is or is not in audience ``name``, rule by rule, in evaluation order."""
    _check_acyclic(name, audiences)
    spec = audiences[name]
    memo: dict[str, bool] = {}
    uid = user.employee_id
    reasons = [MembershipReason(
        name, "active", user.active,
        f"{uid} is active" if user.active
        else f"{uid} is inactive: inactive users belong to no audience",
    )]
    listed, groups, included = (_names(spec, k) for k in ("users", "groups", "include"))
    if not (listed or groups or included):
        reasons.append(MembershipReason(
            name, "base", True, "no users, groups or include: every active user"))
    else:
        found = (["listed in users"] if uid in listed else []) + [
            f"in group {group}" for group in groups if group in user.groups
        ] + [
            f"member of included audience {other}" for other in included
            if _is_member(user, other, audiences, memo)
        ]
        missed = [
            part for part in (
                "not listed in users" if listed else "",
                f"in none of the groups {', '.join(groups)}" if groups else "",
                f"a member of none of the included audiences {', '.join(included)}"
                if included else "",
            ) if part
        ]
        reasons.append(MembershipReason(
            name, "base", bool(found), "; ".join(found) if found else ", ".join(missed)))
    for attribute, condition in parse_where(name, spec.get("where") or {}):
        value = user.attributes.get(attribute)
        shown = "absent" if value is None else repr(value)
        ok = holds(condition, value)
        reasons.append(MembershipReason(
            name, f"where {attribute}", ok,
            f"{attribute} is {shown}, {'' if ok else 'not '}{describe(condition)}",
        ))
    for other in _names(spec, "exclude"):
        member = _is_member(user, other, audiences, memo)
        reasons.append(MembershipReason(
            name, f"exclude {other}", not member,
            f"{'member' if member else 'not a member'} of excluded audience {other}",
        ))
    return reasons

"""Who an audience targets: its members, a sample, and how they split over what the rule uses."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.insight.programs import Programs, Specs, unknown_name
from reconciler.model import JSON, DesiredState
from reconciler.rules.audience import Directory, resolve_audience
from reconciler.rules.directory import User


@dataclass(frozen=True)
class ValueCount:
    value: str | None  # None: members without the attribute
    count: int


@dataclass(frozen=True)
class Breakdown:
    """How the members split over one attribute (or, for ``groups``, over the groups the
    rule names: a member may count under several)."""

    attribute: str
    counts: tuple[ValueCount, ...]  # most members first


@dataclass(frozen=True)
class AudienceReport:
    name: str
    members: tuple[User, ...]  # by employee id
    sample: tuple[User, ...]
    breakdowns: tuple[Breakdown, ...]
    assignments: tuple[str, ...]  # assignments targeting the audience, by name
    unknown_attributes: tuple[str, ...]  # `where` attributes no user has, with a hint

    @property
    def count(self) -> int:
        return len(self.members)


def _names(spec: Mapping[str, JSON], key: str) -> list[str]:
    return [str(value) for value in spec.get(key) or []]


def rule_terms(name: str, audiences: Specs) -> tuple[list[str], list[str]]:
    """The attributes the ``where`` blocks use and the groups named, by this audience and
    every audience it includes (what decides who is in), in order of first mention."""
    attributes: dict[str, None] = {}
    groups: dict[str, None] = {}
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current in seen or current not in audiences:
            continue
        seen.add(current)
        spec = audiences[current]
        attributes.update(dict.fromkeys(str(key) for key in spec.get("where") or {}))
        groups.update(dict.fromkeys(_names(spec, "groups")))
        pending.extend(_names(spec, "include"))
    return list(attributes), list(groups)


def _counted(counter: Counter[str | None]) -> tuple[ValueCount, ...]:
    ordered = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0] is None, pair[0] or ""))
    return tuple(ValueCount(value, count) for value, count in ordered)


def _hint(attribute: str, directory: Directory) -> str:
    close = difflib.get_close_matches(attribute, directory.attributes(), n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no user has the attribute {attribute!r}{guess}"


def audience_report(name: str, state: DesiredState, directory: Directory,
                    sample: int = 10) -> AudienceReport:
    """Raises UsageError (with a "did you mean") when the specs define no audience ``name``."""
    programs = Programs.of(state)
    if name not in programs.audiences:
        raise unknown_name("audience", name, programs.audiences)
    ids = resolve_audience(name, programs.audiences, directory)
    members = tuple(user for user in directory.users if user.employee_id in ids)
    attributes, groups = rule_terms(name, programs.audiences)
    breakdowns = [
        Breakdown(attribute, _counted(Counter(user.attributes.get(attribute) for user in members)))
        for attribute in attributes
    ]
    if groups:
        in_groups: Counter[str | None] = Counter(
            group for user in members for group in groups if group in user.groups)
        breakdowns.append(Breakdown("groups", _counted(in_groups)))
    known = set(directory.attributes())
    return AudienceReport(
        name=name,
        members=members,
        sample=members[:max(sample, 0)],
        breakdowns=tuple(breakdowns),
        assignments=tuple(
            assignment for assignment, spec in programs.assignments.items()
            if spec.get("audience") == name
        ),
        unknown_attributes=tuple(_hint(a, directory) for a in attributes if a not in known),
    )

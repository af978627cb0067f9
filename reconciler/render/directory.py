"""The directory part of a plan, for people: who joins, moves and leaves, and what
that does through each assignment. Text and markdown share these lines.

A first apply of a large directory adds everyone, so the people listed per kind are
capped; ``--output json`` lists every one of them."""

from __future__ import annotations

from typing import Final

from reconciler.plan.model import DirectoryPlan, FieldDiff, UserChange
from reconciler.render.common import impact_phrases, value_text

LISTED: Final = 20  # people shown per kind (added, changed, deactivated)
_MARKS: Final = {"added": "+", "changed": "~", "deactivated": "-"}


def directory_headline(directory: DirectoryPlan) -> str:
    counts = directory.counts()
    listed = ", ".join(f"{counts[kind]} {kind}" for kind in ("added", "changed", "deactivated")
                       if counts[kind])
    return f"~ directory from {directory.source}: {listed}"


def people_lines(directory: DirectoryPlan) -> list[str]:
    """One line per person (capped per kind), leavers first as apply writes them."""
    lines: list[str] = []
    for kind in ("deactivated", "added", "changed"):
        people = [change for change in directory.changes if change.kind == kind]
        lines += [_person(change) for change in people[:LISTED]]
        if len(people) > LISTED:
            lines.append(f"… and {len(people) - LISTED} more {kind} "
                         "(learnops plan --output json lists everyone)")
    return lines


def reach_lines(directory: DirectoryPlan) -> list[str]:
    """``Assignment/name: phrases`` for every assignment the directory change touches."""
    return [
        f"Assignment/{name}: {'; '.join(impact_phrases(impact))}"
        for name, impact in directory.impact
        if impact_phrases(impact)
    ]


def _person(change: UserChange) -> str:
    mark = _MARKS[change.kind]
    if change.kind == "deactivated":
        return f"{mark} {change.employee_id} deactivated"
    details = ", ".join(_field(diff) for diff in change.diff if diff.path != "active"
                        or change.kind == "changed")
    return f"{mark} {change.employee_id} {change.kind}" + (f": {details}" if details else "")


def _field(diff: FieldDiff) -> str:
    match diff.op:
        case "add":
            return f"{diff.path}: {value_text(diff.new)}"
        case "remove":
            return f"{diff.path}: {value_text(diff.old)} removed"
        case "change":
            return f"{diff.path}: {value_text(diff.old)} -> {value_text(diff.new)}"

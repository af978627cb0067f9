"""What active assignments would enroll each learner in, one enrollment per (learner, item).

However many assignments reach a learner with the same item, the platform keeps one
enrollment and sends one enrollment notice (DESIGN §1). The assignment that *wins* is
the one that enrolls earliest, then the first by name; the others are deduplicated
into it, and their due dates and reminders still count (the sandbox keeps each as a
source of the enrollment, and the earliest due date is the one that makes it overdue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from reconciler.insight.programs import Programs
from reconciler.rules.assignment import Item, assignment_items, due_on, is_active, start_on


@dataclass(frozen=True)
class Source:
    """One active assignment reaching a learner with an item."""

    assignment: str
    enrolled_on: date
    due: date | None
    on_assign: bool  # whether enrolling through it sends a notice


@dataclass(frozen=True)
class PlannedEnrollment:
    learner: str
    item: Item
    winner: Source
    deduplicated: tuple[Source, ...]  # the other assignments reaching the same (learner, item)

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.winner, *self.deduplicated)

    @property
    def enrolled_on(self) -> date:
        return self.winner.enrolled_on

    @property
    def due(self) -> date | None:
        """The earliest due date of any source: the one the platform holds the learner to."""
        return min((s.due for s in self.sources if s.due is not None), default=None)


def sources_of(programs: Programs, assignment: str, today: date) -> tuple[list[Item], Source]:
    spec = programs.assignments[assignment]
    enrolled_on = start_on(spec, today)
    notify = spec.get("notify") or {}
    source = Source(assignment, enrolled_on, due_on(spec, enrolled_on),
                    bool(notify.get("on_assign", True)))
    return assignment_items(spec), source


def planned_enrollments(programs: Programs, members: Mapping[str, frozenset[str]],
                        today: date, learners: frozenset[str] | None = None
                        ) -> list[PlannedEnrollment]:
    """Every enrollment the active assignments would make if applied on ``today``,
    sorted by learner then item. ``members``: audience name -> member ids;
    ``learners``: only these learners (None: everyone)."""
    reaching: dict[tuple[str, Item], list[Source]] = {}
    for name, spec in programs.assignments.items():
        if not is_active(spec):
            continue
        items, source = sources_of(programs, name, today)
        people = members.get(str(spec.get("audience")), frozenset())
        if learners is not None:
            people = people & learners
        for learner in people:
            for item in items:
                reaching.setdefault((learner, item), []).append(source)
    planned: list[PlannedEnrollment] = []
    for (learner, item), found in sorted(reaching.items()):
        ordered = sorted(found, key=lambda s: (s.enrolled_on, s.assignment))
        planned.append(PlannedEnrollment(learner, item, ordered[0], tuple(ordered[1:])))
    return planned

"""The load the current specs would put on a platform, day by day: step releases, due
dates and notifications, computed the way the sandbox platform behaves, writing nothing.

What learners do is unknown, so the simulation assumes it; :data:`ASSUMPTIONS` says how,
and every report shows them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from reconciler.insight.enrollments import PlannedEnrollment, planned_enrollments
from reconciler.insight.preview import plan_preview
from reconciler.insight.programs import Programs
from reconciler.model import DesiredState
from reconciler.rules.audience import Directory, resolve_all
from reconciler.rules.durations import parse_duration

ASSUMPTIONS = (
    "the specs are applied on the start day to a platform where nobody is enrolled yet",
    "learners complete each plan step on the day it releases, so a step released after "
    "an earlier step releases as early as it can",
    "reminders (before each step's due date and the item's) are counted for every enrolled "
    "learner, as if nobody finished before them; completion, certificate, overdue and "
    "renewal notices depend on progress and are not",
)


@dataclass(frozen=True)
class Tally:
    label: str  # "assigned plan hipaa-annual", "plan hipaa-annual / foundations", ...
    count: int


@dataclass(frozen=True)
class DayLoad:
    day: date
    notifications: tuple[Tally, ...]  # by occasion and item, most first
    releases: tuple[Tally, ...]  # by item (and step, for plans)
    due_dates: tuple[Tally, ...]

    @property
    def notification_count(self) -> int:
        return sum(t.count for t in self.notifications)

    @property
    def release_count(self) -> int:
        return sum(t.count for t in self.releases)

    @property
    def due_count(self) -> int:
        return sum(t.count for t in self.due_dates)


@dataclass(frozen=True)
class Simulation:
    start: date
    days: int
    learners: int  # learners with at least one enrollment
    enrollments: int
    loads: tuple[DayLoad, ...]  # days inside the window with something on them, by date
    assumptions: tuple[str, ...] = ASSUMPTIONS

    def busiest(self, top: int) -> tuple[DayLoad, ...]:
        """Most notifications first, then most releases, most due dates, earliest day."""
        ranked = sorted(self.loads, key=lambda d: (
            -d.notification_count, -d.release_count, -d.due_count, d.day))
        return tuple(ranked[:max(top, 0)])

    @property
    def notification_count(self) -> int:
        return sum(d.notification_count for d in self.loads)

    @property
    def release_count(self) -> int:
        return sum(d.release_count for d in self.loads)

    @property
    def due_count(self) -> int:
        return sum(d.due_count for d in self.loads)


_Events = dict[date, Counter[str]]


def _notices(enrollment: PlannedEnrollment, programs: Programs, events: _Events) -> None:
    """What the sandbox's scheduler sends a learner who is never done early: the
    assigned notice, "a new step is available" for steps released after the first day,
    and one reminder per lead time (of any assignment reaching them) before the item's
    due date and before each step's."""
    if enrollment.winner.on_assign:
        events.setdefault(enrollment.enrolled_on, Counter())[f"assigned {enrollment.item}"] += 1
    leads = sorted({str(lead) for source in enrollment.sources
                    for lead in (programs.assignments[source.assignment].get("notify") or {})
                    .get("reminders") or []})
    targets: list[tuple[date, date]] = []  # (opened, due)
    if enrollment.due is not None and enrollment.due >= enrollment.enrolled_on:
        targets.append((enrollment.enrolled_on, enrollment.due))
    if enrollment.item.kind == "plan" and enrollment.item.name in programs.plans:
        preview = plan_preview(enrollment.item.name, programs.plans[enrollment.item.name],
                               enrollment.enrolled_on)
        for step in preview.steps:
            if step.earliest_release > enrollment.enrolled_on:
                events.setdefault(step.earliest_release, Counter())[
                    f"step available {enrollment.item}"] += 1
            if step.due_earliest is not None:
                targets.append((step.earliest_release, step.due_earliest))
    for opened, due in targets:
        for lead in leads:
            remind_on = max(parse_duration(lead).subtract_from(due), opened)
            events.setdefault(remind_on, Counter())[f"reminder {enrollment.item}"] += 1


def _schedule(enrollment: PlannedEnrollment, programs: Programs,
              releases: _Events, dues: _Events) -> None:
    item = enrollment.item
    if enrollment.due is not None:
        dues.setdefault(enrollment.due, Counter())[str(item)] += 1
    if item.kind == "object" or item.name not in programs.plans:
        releases.setdefault(enrollment.enrolled_on, Counter())[str(item)] += 1
        return
    preview = plan_preview(item.name, programs.plans[item.name], enrollment.enrolled_on)
    for step in preview.steps:
        label = f"{item} / {step.step}"
        releases.setdefault(step.earliest_release, Counter())[label] += 1
        if step.due_earliest is not None:
            dues.setdefault(step.due_earliest, Counter())[label] += 1


def _tallies(counter: Counter[str] | None) -> tuple[Tally, ...]:
    if not counter:
        return ()
    return tuple(Tally(label, n) for label, n in sorted(counter.items(),
                                                        key=lambda p: (-p[1], p[0])))


def _days(window: range, start: date, *events: _Events) -> Iterable[date]:
    return sorted({day for found in events for day in found
                   if (day - start).days in window})


def simulate(state: DesiredState, directory: Directory, start: date, days: int) -> Simulation:
    """What applying the specs on ``start`` would cause over ``days`` days from it."""
    programs = Programs.of(state)
    members = resolve_all(programs.audiences, directory)
    enrollments = planned_enrollments(programs, members, start)
    notices: _Events = {}
    releases: _Events = {}
    dues: _Events = {}
    for enrollment in enrollments:
        _notices(enrollment, programs, notices)
        _schedule(enrollment, programs, releases, dues)
    loads = tuple(
        DayLoad(day, _tallies(notices.get(day)), _tallies(releases.get(day)),
                _tallies(dues.get(day)))
        for day in _days(range(max(days, 0)), start, notices, releases, dues)
    )
    return Simulation(
        start=start,
        days=days,
        learners=len({e.learner for e in enrollments}),
        enrollments=len(enrollments),
        loads=loads,
    )


def last_day(simulation: Simulation) -> date:
    """The last day inside the simulated window."""
    return simulation.start + timedelta(days=max(simulation.days, 1) - 1)

"""One learner's progress in one enrollment on a given day: pure computation.

Release and due dates come from ``reconciler.rules.schedule`` (the same rules the
compiler previews with); this module adds what only a live platform knows: which
items the learner has completed, and so which steps are done.

Which completions count: in a first enrollment every passed completion counts
(a course done earlier is not redone); in a renewal cycle only completions on or
after the cycle started, or the renewal would be complete at once. A step is done
on the day it is both released and has every item completed; completing an item
before its step releases (through another assignment) is credited on release day.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reconciler.model import JSON
from reconciler.rules.schedule import is_overdue, is_released, step_schedule


@dataclass(frozen=True)
class Enrollment:
    id: int
    employee_id: str
    item_kind: str  # plan | object
    item_name: str
    cycle: int
    plan_version: int | None
    enrolled_on: date
    state: str  # active | inactive | renewed
    inactive_reason: str | None
    started_on: date | None
    completed_on: date | None

    @property
    def counts_from(self) -> date | None:
        return self.enrolled_on if self.cycle > 1 else None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Enrollment:
        return cls(
            id=row["id"], employee_id=row["employee_id"], item_kind=row["item_kind"],
            item_name=row["item_name"], cycle=row["cycle"], plan_version=row["plan_version"],
            enrolled_on=date.fromisoformat(row["enrolled_on"]), state=row["state"],
            inactive_reason=row["inactive_reason"],
            started_on=_day(row["started_on"]), completed_on=_day(row["completed_on"]),
        )


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@dataclass(frozen=True)
class ItemProgress:
    object: str
    completed_on: date | None


@dataclass(frozen=True)
class StepProgress:
    name: str
    required: bool
    release_date: date | None  # None: waits for an earlier step
    due_date: date | None
    released: bool
    completed_on: date | None
    overdue: bool
    items: tuple[ItemProgress, ...]


@dataclass(frozen=True)
class Progress:
    steps: tuple[StepProgress, ...]  # empty for a single learning object
    items: tuple[ItemProgress, ...]
    started_on: date | None
    completed_on: date | None


# Passed completions per object, oldest first.
Completions = Mapping[str, Sequence[date]]


def first_counted(dates: Sequence[date], counts_from: date | None, as_of: date) -> date | None:
    for day in dates:
        if day > as_of:
            return None
        if counts_from is None or day >= counts_from:
            return day
    return None


def object_progress(enrollment: Enrollment, completions: Completions, as_of: date) -> Progress:
    done = first_counted(completions.get(enrollment.item_name, ()), enrollment.counts_from, as_of)
    item = ItemProgress(enrollment.item_name, done)
    return Progress((), (item,), done, done)


def plan_progress(enrollment: Enrollment, spec: Mapping[str, JSON], completions: Completions,
                  as_of: date) -> Progress:
    steps = [step for step in spec.get("steps") or [] if isinstance(step, dict)]
    item_done = {
        name: first_counted(completions.get(name, ()), enrollment.counts_from, as_of)
        for step in steps for name in step["items"]
    }
    # A step done may release the next (after_step): settle until nothing changes.
    step_done: dict[str, date] = {}
    while True:
        timings = step_schedule(spec, enrollment.enrolled_on, step_done)
        settled = dict(step_done)
        for step, timing in zip(steps, timings, strict=True):
            days = [item_done[name] for name in step["items"]]
            if timing.step in settled or not is_released(timing, as_of):
                continue
            if all(day is not None for day in days):
                assert timing.release_date is not None  # released
                settled[timing.step] = max([timing.release_date, *(d for d in days if d)])
        if settled == step_done:
            break
        step_done = settled

    progress: list[StepProgress] = []
    for step, timing in zip(steps, timings, strict=True):
        completed = step_done.get(timing.step)
        items = tuple(ItemProgress(name, item_done[name]) for name in step["items"])
        progress.append(StepProgress(
            name=timing.step, required=bool(step.get("required", True)),
            release_date=timing.release_date, due_date=timing.due_date,
            released=is_released(timing, as_of), completed_on=completed,
            overdue=is_overdue(timing, as_of, completed is not None), items=items,
        ))
    required = [step for step in progress if step.required]
    finished: date | None = None
    if all(step.completed_on is not None for step in required):
        finished = max((s.completed_on for s in required if s.completed_on),
                       default=enrollment.enrolled_on)
    started = min((i.completed_on for s in progress for i in s.items if i.completed_on),
                  default=None)
    all_items = tuple(item for step in progress for item in step.items)
    return Progress(tuple(progress), all_items, started, finished)

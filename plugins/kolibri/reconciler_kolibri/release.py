"""What learnops does on Kolibri's behalf each day: Kolibri has no scheduler and no
dynamic groups, so ``learnops release`` (and every ``sync`` cycle) does it.

- A certification plan step is released to a learner by adding them to the step's
  lesson, on the date the shared schedule rules give (:func:`step_schedule`):
  at enrollment, on a date, or after an earlier step the learner completed (read
  from Kolibri's class summary: every item of that step ``Completed``, the last
  one's activity day as the completion day), plus its delay.
- An assignment with a start date is switched on that day.
- Audience groups are kept equal to the audiences' resolution over the directory.
- With ``manage_users: true``, facility accounts follow the directory.

Everything is computed from the specs it is given (the caller's: the specs as applied,
:func:`reconciler.apply.release.applied_state`) and Kolibri as it is now, so running it
twice does nothing the second time. A learner's enrollment day is the assignment's start
(its date, or the day its lesson was made on Kolibri for ``start: immediately``):
Kolibri records no date when someone joins a group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from reconciler.model import JSON, DesiredState
from reconciler.providers.releases import Release
from reconciler.rules.assignment import assignment_items, is_active
from reconciler.rules.durations import parse_date
from reconciler.rules.schedule import is_released, step_schedule
from reconciler_kolibri.platform import Lesson, Progress, Snapshot
from reconciler_kolibri.translate import catalog, step_title

COMPLETED = "Completed"


def enrolled_on(spec: Mapping[str, JSON], lesson: Lesson) -> date:
    start = spec.get("start", "immediately")
    if isinstance(start, str) and start != "immediately":
        return parse_date(start)
    return date.fromisoformat(lesson.created[:10])


def has_started(spec: Mapping[str, JSON], today: date) -> bool:
    start = spec.get("start", "immediately")
    return not isinstance(start, str) or start == "immediately" or parse_date(start) <= today


def completion_days(snapshot: Snapshot, plan: str, plan_spec: Mapping[str, JSON],
                    progress: Sequence[Progress]) -> dict[str, dict[str, date]]:
    """learner id -> step -> the day they completed every item of it."""
    names = catalog(snapshot.nodes)
    done: dict[tuple[str, str], date] = {}
    for row in progress:
        if row.status == COMPLETED and row.last_activity:
            done[(row.learner_id, row.content_id)] = date.fromisoformat(row.last_activity[:10])
    learners = {row.learner_id for row in progress}
    days: dict[str, dict[str, date]] = {}
    for step in plan_spec.get("steps") or []:
        lesson = snapshot.lessons.get(step_title(plan, str(step["name"])))
        items = [names[i].content_id for i in step.get("items") or [] if i in names]
        if lesson is None or not items:
            continue
        for learner in learners:
            finished = [done.get((learner, content_id)) for content_id in items]
            if all(finished):
                days.setdefault(learner, {})[str(step["name"])] = max(
                    d for d in finished if d is not None)
    return days


def due_releases(desired: DesiredState, snapshot: Snapshot, progress: Sequence[Progress],
                 today: date) -> tuple[list[Release], list[str]]:
    """Releases due on ``today`` that Kolibri does not have yet, and assignments to start."""
    plans = {r.name: r.spec for r in desired.of_kind("CertificationPlan")}
    usernames = {a.id: a.username for a in snapshot.accounts.values()}
    due: set[Release] = set()
    starting: list[str] = []
    completed_cache: dict[str, dict[str, dict[str, date]]] = {}
    for assignment in desired.of_kind("Assignment"):
        spec = assignment.spec
        lesson = snapshot.lessons.get(assignment.name)
        group = snapshot.groups.get(str(spec.get("audience")))
        if lesson is None or group is None or not is_active(spec) or not has_started(
                spec, today):
            continue
        if not lesson.active:
            starting.append(assignment.name)
        enrolled = enrolled_on(spec, lesson)
        for item in assignment_items(spec):
            plan_spec = plans.get(item.name)
            if item.kind != "plan" or plan_spec is None:
                continue
            if item.name not in completed_cache:
                completed_cache[item.name] = completion_days(
                    snapshot, item.name, plan_spec, progress)
            for learner in sorted(group.user_ids):
                completed = completed_cache[item.name].get(learner, {})
                for timing in step_schedule(plan_spec, enrolled, completed):
                    step_lesson = snapshot.lessons.get(step_title(item.name, timing.step))
                    if (step_lesson is None or not is_released(timing, today)
                            or learner in step_lesson.learner_ids):
                        continue
                    assert timing.release_date is not None
                    due.add(Release(item.name, timing.step, usernames.get(learner, learner),
                                    timing.release_date.isoformat()))
    return sorted(due), sorted(starting)

"""A learner's progress on a day, computed straight from the rules: which completions
count (first enrollment or renewal), when a step is done, when the plan is complete
and started: the cases mutation testing found unchecked."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from reconciler_sandbox.progress import (
    Enrollment,
    ItemProgress,
    first_counted,
    object_progress,
    plan_progress,
)

JAN = date(2027, 1, 4)


def enrollment(cycle: int = 1, enrolled_on: date = JAN, kind: str = "plan",
               item: str = "hipaa") -> Enrollment:
    return Enrollment(id=7, employee_id="E1", item_kind=kind, item_name=item, cycle=cycle,
                      plan_version=1 if kind == "plan" else None, enrolled_on=enrolled_on,
                      state="active", inactive_reason=None, started_on=None,
                      completed_on=None)


def day(n: int) -> date:
    return JAN + timedelta(days=n)


def step(name: str, *items: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "items": list(items), "release": {"at": "enrollment"}, **extra}


HIPAA = {"steps": [
    step("basics", "privacy", "phi", due="14d"),
    step("practice", "drill", release={"offset": "7d"}),
    step("quiz", "quiz", release={"after_step": "practice", "delay": "2d"}),
    step("extra", "reading", required=False),
]}


def test_a_first_enrollment_counts_what_was_done_before_it() -> None:
    assert enrollment(cycle=1).counts_from is None
    earlier = {"privacy": [day(-30)]}
    progress = object_progress(enrollment(kind="object", item="privacy"), earlier, day(0))
    assert progress.items == (ItemProgress("privacy", day(-30)),)
    assert (progress.started_on, progress.completed_on) == (day(-30), day(-30))


def test_a_renewal_counts_only_what_was_done_since_it_started() -> None:
    renewal = enrollment(cycle=2, enrolled_on=day(10))
    assert renewal.counts_from == day(10)
    assert first_counted([day(5), day(10), day(12)], renewal.counts_from, day(20)) == day(10)
    assert first_counted([day(5)], renewal.counts_from, day(20)) is None


def test_a_completion_after_the_day_asked_about_does_not_count_yet() -> None:
    assert first_counted([day(3)], None, day(2)) is None
    assert first_counted([day(3)], None, day(3)) == day(3)
    assert object_progress(enrollment(kind="object", item="x"), {"x": [day(3)]},
                           day(2)).completed_on is None


def test_steps_complete_on_release_day_at_the_earliest_and_release_the_next() -> None:
    done = {"privacy": [day(1)], "phi": [day(3)], "drill": [day(2)], "quiz": [day(9)]}
    progress = plan_progress(enrollment(), HIPAA, done, day(20))
    by = {s.name: s for s in progress.steps}
    assert by["basics"].completed_on == day(3)  # the later of its two items
    assert by["practice"].completed_on == day(7)  # done early: credited on release day
    assert by["quiz"].release_date == day(9)  # two days after practice was done
    assert by["quiz"].completed_on == day(9)
    assert by["extra"].completed_on is None and by["extra"].required is False
    assert progress.completed_on == day(9)  # the optional step does not hold it back
    assert progress.started_on == day(1)
    assert [i.object for i in progress.items] == [
        "privacy", "phi", "drill", "quiz", "reading"]


def test_a_step_waiting_for_another_is_neither_released_nor_overdue() -> None:
    progress = plan_progress(enrollment(), HIPAA, {}, day(30))
    by = {s.name: s for s in progress.steps}
    assert (by["quiz"].release_date, by["quiz"].released) == (None, False)
    assert by["quiz"].overdue is False
    assert by["basics"].due_date == day(14)
    assert by["basics"].overdue is True and by["practice"].overdue is False
    assert (progress.started_on, progress.completed_on) == (None, None)


def test_on_its_due_date_a_step_is_still_on_time() -> None:
    by = {s.name: s for s in plan_progress(enrollment(), HIPAA, {}, day(14)).steps}
    assert by["basics"].overdue is False
    assert by["basics"].released is True and by["practice"].released is True


def test_a_plan_with_only_optional_steps_is_complete_on_enrollment() -> None:
    optional = {"steps": [step("extra", "reading", required=False)]}
    progress = plan_progress(enrollment(), optional, {}, day(1))
    assert progress.completed_on == JAN
    assert progress.steps[0].required is False


def test_a_step_is_required_unless_it_says_otherwise() -> None:
    plain = {"steps": [step("only", "reading")]}
    progress = plan_progress(enrollment(), plain, {}, day(1))
    assert progress.steps[0].required is True and progress.completed_on is None


def test_an_enrollment_reads_back_from_its_row() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    row = conn.execute(
        "SELECT 3 AS id, 'E2' AS employee_id, 'plan' AS item_kind, 'hipaa' AS item_name,"
        " 2 AS cycle, 4 AS plan_version, '2027-01-04' AS enrolled_on, 'inactive' AS state,"
        " 'left the audience' AS inactive_reason, '2027-01-05' AS started_on,"
        " NULL AS completed_on").fetchone()
    loaded = Enrollment.from_row(row)
    assert loaded == Enrollment(3, "E2", "plan", "hipaa", 2, 4, JAN, "inactive",
                                "left the audience", day(1), None)


def test_a_step_done_late_is_no_longer_overdue() -> None:
    done = {"privacy": [day(20)], "phi": [day(20)]}
    by = {s.name: s for s in plan_progress(enrollment(), HIPAA, done, day(25)).steps}
    assert by["basics"].completed_on == day(20) and by["basics"].overdue is False


def test_a_renewed_object_needs_doing_again() -> None:
    renewal = enrollment(cycle=2, enrolled_on=day(10), kind="object", item="privacy")
    progress = object_progress(renewal, {"privacy": [day(-30)]}, day(20))
    assert progress.completed_on is None
    assert object_progress(renewal, {"privacy": [day(-30), day(12)]}, day(20)).completed_on \
        == day(12)

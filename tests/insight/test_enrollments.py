"""One enrollment per (learner, item): who wins, when it starts, when it is due."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reconciler.insight.enrollments import planned_enrollments
from reconciler.insight.programs import Programs
from reconciler.rules.assignment import Item

from .insight_kit import assignment, audience, state_of

TODAY = date(2027, 1, 4)
EVERYONE = {"all": frozenset({"E1", "E2"}), "one": frozenset({"E1"})}


def programs(tmp_path: Path, *assignments: str) -> Programs:
    return Programs.of(state_of(tmp_path, audience("all", "{}") + audience("one", "{}")
                                + "".join(assignments)))


def test_the_earliest_start_wins_and_the_other_assignment_is_deduplicated(tmp_path: Path) -> None:
    found = planned_enrollments(programs(
        tmp_path,
        assignment("a-later", "{items: [{object: intro}], audience: all, start: 2027-02-01}"),
        assignment("b-now", "{items: [{object: intro}], audience: one, due: 2027-01-10}"),
    ), EVERYONE, TODAY)
    e1 = next(e for e in found if e.learner == "E1")
    assert (e1.winner.assignment, e1.enrolled_on) == ("b-now", TODAY)
    assert [s.assignment for s in e1.deduplicated] == ["a-later"]
    assert e1.due == date(2027, 1, 10)  # the earliest due date of any source
    e2 = next(e for e in found if e.learner == "E2")
    assert (e2.winner.assignment, e2.enrolled_on, e2.deduplicated) == (
        "a-later", date(2027, 2, 1), ())


def test_on_the_same_start_the_first_name_wins(tmp_path: Path) -> None:
    found = planned_enrollments(programs(
        tmp_path,
        assignment("zeta", "{items: [{object: intro}], audience: one}"),
        assignment("alpha", "{items: [{object: intro}], audience: one, "
                   "notify: {on_assign: false}}"),
    ), EVERYONE, TODAY)
    assert len(found) == 1
    assert found[0].winner.assignment == "alpha"
    assert found[0].winner.on_assign is False  # the winner decides whether a notice goes out


def test_a_past_start_date_enrolls_today_and_inactive_assignments_enroll_no_one(
    tmp_path: Path,
) -> None:
    found = planned_enrollments(programs(
        tmp_path,
        assignment("past", "{items: [{object: quiz}], audience: one, start: 2026-01-01, "
                   "due: 14d}"),
        assignment("off", "{items: [{object: intro}], audience: all, active: false}"),
    ), EVERYONE, TODAY)
    assert [(e.learner, e.item, e.enrolled_on, e.due) for e in found] == [
        ("E1", Item("object", "quiz"), TODAY, date(2027, 1, 18))
    ]

"""explain: each rule's verdict for one learner, their deduplicated enrollments and schedule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.errors import UsageError
from reconciler.insight.explain import explain
from reconciler.rules.assignment import Item

from .insight_kit import assignment, audience, directory, plan, state_of, user

AS_OF = date(2027, 1, 4)
PEOPLE = directory(
    user("E1", "nursing", language="es", location="Boston"),
    user("E2", "nursing", "contractors", language="es"),
    user("E3", "nursing", language="en", active=False),
)
SPECS = (
    audience("contractors", "{groups: [contractors]}")
    + audience("nurses", "{groups: [nursing], exclude: [contractors]}")
    + audience("spanish", "{where: {language: es, location: {exists: true}}}")
    + plan("basics", """  title: Basics
  steps:
    - {name: one, items: [intro], due: 7d}
    - {name: two, items: [quiz], release: {after_step: one, delay: 1d}}
""")
    + assignment("a-nurses", "{items: [{plan: basics}, {object: deep-dive}], audience: nurses, "
                 "start: 2027-02-01}")
    + assignment("b-spanish", "{items: [{plan: basics}], audience: spanish, due: 30d}")
    + assignment("c-old", "{items: [{object: quiz}], audience: nurses, active: false}")
)


def test_a_learner_in_two_audiences_gets_one_enrollment_from_the_earliest_start(
    tmp_path: Path,
) -> None:
    found = explain("E1", state_of(tmp_path, SPECS), PEOPLE, AS_OF)
    assert {v.audience: v.member for v in found.audiences} == {
        "contractors": False, "nurses": True, "spanish": True}
    assert {a.assignment: a.reaches for a in found.assignments} == {
        "a-nurses": True, "b-spanish": True, "c-old": False}
    assert [(e.item, e.winner.assignment, [s.assignment for s in e.deduplicated], e.enrolled_on)
            for e in found.enrollments] == [
        (Item("object", "deep-dive"), "a-nurses", [], date(2027, 2, 1)),
        (Item("plan", "basics"), "b-spanish", ["a-nurses"], AS_OF),
    ]
    (schedule,) = found.schedules
    assert (schedule.plan, schedule.start) == ("basics", AS_OF)
    assert [(s.step, s.earliest_release, s.latest_release) for s in schedule.steps] == [
        ("one", AS_OF, AS_OF), ("two", date(2027, 1, 5), date(2027, 1, 12))]
    assert [(str(o.item), o.assignments, o.learners_deduplicated) for o in found.overlaps] == [
        ("plan basics", ("a-nurses", "b-spanish"), 1)]


def test_the_failing_rules_say_why_a_learner_is_left_out(tmp_path: Path) -> None:
    found = explain("E2", state_of(tmp_path, SPECS), PEOPLE, AS_OF)
    verdicts = {v.audience: v for v in found.audiences}
    failing = {(r.rule, r.detail) for r in verdicts["nurses"].reasons if not r.holds}
    assert failing == {("exclude contractors", "member of excluded audience contractors")}
    failing = {r.rule for r in verdicts["spanish"].reasons if not r.holds}
    assert failing == {"where location"}
    assert found.enrollments == () and found.schedules == ()


def test_an_inactive_learner_is_reached_by_nothing(tmp_path: Path) -> None:
    found = explain("E3", state_of(tmp_path, SPECS), PEOPLE, AS_OF)
    assert not any(v.member for v in found.audiences)
    assert all(not v.reasons[0].holds and v.reasons[0].rule == "active" for v in found.audiences)
    assert found.enrollments == ()


def test_an_unknown_learner_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no user 'E9'"):
        explain("E9", state_of(tmp_path, SPECS), PEOPLE, AS_OF)

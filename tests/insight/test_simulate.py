"""simulate: releases, due dates and notifications per day, as the sandbox would cause them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reconciler.insight.simulate import DayLoad, Tally, simulate

from .insight_kit import assignment, audience, directory, plan, state_of, user

START = date(2027, 1, 4)  # a Monday
PEOPLE = directory(user("E1", "nursing"), user("E2", "nursing"), user("E3", "it"),
                   user("E4", "nursing", active=False))
SPECS = (
    audience("nurses", "{groups: [nursing]}")
    + audience("everyone", "{}")
    + plan("basics", """  title: Basics
  steps:
    - {name: one, items: [intro], due: 7d}
    - {name: two, items: [quiz], release: {after_step: one, delay: 2d}, due: 3d}
""")
    + assignment("a-nurses", "{items: [{plan: basics}], audience: nurses, due: 10d, "
                 "notify: {reminders: [2d]}}")
    + assignment("b-all", "{items: [{plan: basics}, {object: deep-dive}], audience: everyone, "
                 "start: 2027-01-11, notify: {on_assign: false}}")
)


def loads(tmp_path: Path, days: int = 30) -> dict[date, DayLoad]:
    result = simulate(state_of(tmp_path, SPECS), PEOPLE, START, days)
    return {load.day: load for load in result.loads}


def test_overlapping_assignments_notify_each_learner_once_per_item(tmp_path: Path) -> None:
    by_day = loads(tmp_path)
    # E1, E2 enrolled in basics today through a-nurses; b-all reaches them too (deduplicated)
    # and enrolls E3 on its start date without a notice (on_assign: false).
    assert by_day[START].notifications == (Tally("assigned plan basics", 2),)
    assert by_day[date(2027, 1, 11)].notifications == ()
    assert by_day[date(2027, 1, 11)].releases == (
        Tally("object deep-dive", 3), Tally("plan basics / one", 1))


def test_after_step_releases_assume_completion_on_release_day(tmp_path: Path) -> None:
    by_day = loads(tmp_path)
    assert Tally("plan basics / one", 2) in by_day[START].releases
    assert Tally("plan basics / two", 2) in by_day[date(2027, 1, 6)].releases
    assert Tally("plan basics / two", 2) in by_day[date(2027, 1, 9)].due_dates  # 6th + 3d


def test_reminders_and_due_dates_come_from_the_assignment(tmp_path: Path) -> None:
    by_day = loads(tmp_path)
    due = date(2027, 1, 14)  # a-nurses: 10d after the 4th
    assert Tally("plan basics", 2) in by_day[due].due_dates
    assert by_day[date(2027, 1, 12)].notifications == (Tally("reminder plan basics", 2),)


def test_later_steps_are_announced_and_step_due_dates_reminded(tmp_path: Path) -> None:
    by_day = loads(tmp_path)
    assert Tally("step available plan basics", 2) in by_day[date(2027, 1, 6)].notifications
    assert Tally("step available plan basics", 1) in by_day[date(2027, 1, 13)].notifications
    # Step one due the 11th: 2 days ahead; step two (6th + 3d = the 9th): 2 days ahead.
    assert Tally("reminder plan basics", 2) in by_day[date(2027, 1, 9)].notifications
    assert Tally("reminder plan basics", 2) in by_day[date(2027, 1, 7)].notifications


def test_the_window_bounds_the_days_and_the_busiest_day_comes_first(tmp_path: Path) -> None:
    result = simulate(state_of(tmp_path, SPECS), PEOPLE, START, days=2)
    assert [load.day for load in result.loads] == [START]  # the 6th is outside 2 days
    result = simulate(state_of(tmp_path, SPECS), PEOPLE, START, days=30)
    assert result.busiest(1)[0].day == START
    assert (result.learners, result.enrollments) == (3, 6)  # basics and deep-dive each
    # 2 assigned, 2 reminders before the plan's due date, 4 before its steps' (a-nurses's
    # 2d lead reaches E1 and E2 through the enrollment b-all shares), and step two
    # available to E1, E2 (the 6th) and E3 (enrolled the 11th, step two the 13th)
    assert result.notification_count == 11
    assert any("complete each plan step on the day it releases" in a for a in result.assumptions)

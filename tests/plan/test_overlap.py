"""Overlaps: active assignments sharing an item, with the learners deduplicated."""

from __future__ import annotations

from pathlib import Path

from reconciler.plan.overlap import Overlap, overlaps
from reconciler.rules.assignment import Item
from tests.insight.insight_kit import assignment, audience, directory, state_of, user

PEOPLE = directory(
    user("E1", "nursing", language="es"),
    user("E2", "nursing", language="en"),
    user("E3", "physicians", language="es"),
    user("E4", "nursing", language="es", active=False),
)
AUDIENCES = (audience("nurses", "{groups: [nursing]}")
             + audience("spanish", "{where: {language: es}}"))


def test_learners_in_both_audiences_are_counted_once_per_shared_item(tmp_path: Path) -> None:
    state = state_of(tmp_path, AUDIENCES
                     + assignment("a-nurses", "{items: [{object: intro}, {object: quiz}], "
                                  "audience: nurses}")
                     + assignment("b-spanish", "{items: [{object: intro}], audience: spanish}"))
    # E1 is a Spanish-speaking nurse; E4 would be too but is inactive.
    assert overlaps(state, PEOPLE) == [
        Overlap(Item("object", "intro"), ("a-nurses", "b-spanish"), 1)
    ]


def test_an_inactive_assignment_overlaps_nothing(tmp_path: Path) -> None:
    state = state_of(tmp_path, AUDIENCES
                     + assignment("a-nurses", "{items: [{object: intro}], audience: nurses}")
                     + assignment("b-spanish", "{items: [{object: intro}], audience: spanish, "
                                  "active: false}"))
    assert overlaps(state, PEOPLE) == []


def test_a_shared_item_with_disjoint_audiences_is_reported_with_zero_learners(
    tmp_path: Path,
) -> None:
    state = state_of(tmp_path, AUDIENCES + audience("doctors", "{groups: [physicians]}")
                     + assignment("a-nurses", "{items: [{object: intro}], audience: nurses}")
                     + assignment("c-doctors", "{items: [{object: intro}], audience: doctors}")
                     + assignment("d-all", "{items: [{object: quiz}], audience: spanish}"))
    assert overlaps(state, PEOPLE) == [
        Overlap(Item("object", "intro"), ("a-nurses", "c-doctors"), 0)
    ]


def test_three_assignments_on_one_item_count_each_learner_once(tmp_path: Path) -> None:
    state = state_of(tmp_path, AUDIENCES + audience("everyone", "{}")
                     + assignment("a", "{items: [{object: quiz}], audience: nurses}")
                     + assignment("b", "{items: [{object: quiz}], audience: spanish}")
                     + assignment("c", "{items: [{object: quiz}], audience: everyone}"))
    # Everyone active is reached by "c" and at least one other: E1, E2, E3.
    assert overlaps(state, PEOPLE) == [Overlap(Item("object", "quiz"), ("a", "b", "c"), 3)]

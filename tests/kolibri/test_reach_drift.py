"""A lesson a coach gives, in Kolibri's own UI, to more than its assignment's audience (the
whole class, another learner group, learners one by one) is drift: the plan says so and
names who apply takes the lesson from (those it reaches that the audience does not),
apply leaves it with exactly the audience's learners, and the next plan is empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reconciler_kolibri.platform import Lesson
from reconciler_kolibri.provider import KolibriProvider

from .live import LiveKolibri
from .test_applied_readback import planned
from .test_cli import apply, plan_json, program
from .test_enrollments import PHYSICIANS, PRIVACY_FOR_PHYSICIANS
from .test_rename import assert_no_changes

__all__ = ["program"]  # the fixture

VIDEO = "c6f49ea527824f398f4d5d26faf19396"  # the lesson's object, by its spec's name
Coach = Callable[[LiveKolibri, KolibriProvider, Lesson], None]


def the_whole_class(kolibri: LiveKolibri, provider: KolibriProvider, lesson: Lesson) -> None:
    kolibri.shell(f"""
from kolibri.core.lessons.models import Lesson, LessonAssignment
lesson = Lesson.objects.get(id={lesson.id!r})
LessonAssignment.objects.create(lesson=lesson, collection=lesson.collection,
                                assigned_by=lesson.created_by)
""")


def another_group(kolibri: LiveKolibri, provider: KolibriProvider, lesson: Lesson) -> None:
    groups = provider.platform.snapshot().groups
    provider.client.send("PATCH", f"/api/lessons/lesson/{lesson.id}/", {
        "assignments": [groups["nurses"].id, groups["physicians"].id]})


def one_learner(kolibri: LiveKolibri, provider: KolibriProvider, lesson: Lesson) -> None:
    physician = provider.platform.snapshot().accounts["E1002"]
    provider.client.send("PATCH", f"/api/lessons/lesson/{lesson.id}/",
                         {"learner_ids": [physician.id]})


def change_of(document: dict[str, Any], address: str) -> dict[str, Any]:
    [found] = [c for c in document["changes"] if c["address"] == address]
    return dict(found)


@pytest.mark.parametrize("coach", [the_whole_class, another_group, one_learner])
def test_a_lesson_a_coach_gave_beyond_its_audience_is_drift_apply_takes_back(
    coach: Coach, capsys: pytest.CaptureFixture[str], program: Path,
    provider: KolibriProvider, kolibri: LiveKolibri, tmp_path: Path,
) -> None:
    with (program / "audiences.yaml").open("a") as audiences:
        audiences.write(PHYSICIANS)  # E1002, in the class through their own group
    with (program / "assignments.yaml").open("a") as assignments:
        assignments.write(PRIVACY_FOR_PHYSICIANS)
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    coach(kolibri, provider, lesson)
    answer = tmp_path / "assigned.json"
    assert kolibri.assigned_learners(lesson.id, answer) == {"E1001", "E1002", "E1004"}

    document = plan_json(capsys, program)
    drifted = change_of(document, "Assignment/hipaa-nurses")
    assert (drifted["action"], drifted["reason"]) == ("update", "drift"), drifted
    assert [c["address"] for c in document["changes"] if c["action"] != "no-op"] == [
        "Assignment/hipaa-nurses"]
    impact = drifted["impact"]
    assert impact["sample_removed"] == ["E1002"], impact  # reached, not a nurse
    assert (impact["learners_removed"], impact["no_longer_reached"]) == (1, 1), impact
    # The lesson's video only: learnops release never handed E1002 hipaa-annual's steps.
    assert impact["items_lost"] == [{"item": VIDEO, "learners": 1}], impact
    assert (impact["learners_added"], impact["newly_reached"]) == (0, 0), impact
    lines = planned(capsys, program, "Assignment/hipaa-nurses")
    assert lines[0] == "~ update Assignment/hipaa-nurses (drift)", lines
    assert any(line.startswith("    ~ audience: ") and line.endswith(' -> "nurses"')
               for line in lines), lines
    assert lines[-1].startswith("    learners: 1 learner no longer reached; "), lines

    apply(capsys, program)
    assert kolibri.assigned_learners(lesson.id, answer) == {"E1001", "E1004"}
    assert_no_changes(capsys, program)

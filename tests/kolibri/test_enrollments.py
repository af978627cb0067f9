"""What a plan line's "N learners enrolled" counts on Kolibri: the learners Kolibri itself
counts as assigned the assignment's lesson (its ``Lesson.get_all_learners``) when the plan
is made; apply then leaves exactly those the plan says stay reached."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from .live import LiveKolibri
from .program import ASSIGNMENT
from .test_applied_readback import planned
from .test_cli import apply, program
from .test_rename import assert_no_changes

__all__ = ["program"]  # the fixture

PHYSICIANS = """\
---
apiVersion: learnops/v1
kind: Audience
metadata: {name: physicians}
spec: {where: {job_role: Physician}}
"""
PRIVACY_FOR_PHYSICIANS = """\
---
apiVersion: learnops/v1
kind: Assignment
metadata: {name: privacy-physicians}
spec: {title: Privacy for physicians, items: [{object: privacy-101}], audience: physicians}
"""


def assigned(kolibri: LiveKolibri, provider: KolibriProvider, tmp_path: Path) -> set[str]:
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    return kolibri.assigned_learners(lesson.id, tmp_path / "assigned.json")


def test_enrolled_learners_are_those_kolibri_assigns_the_lesson_before_apply(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
    kolibri: LiveKolibri, tmp_path: Path,
) -> None:
    apply(capsys, program)
    assert assigned(kolibri, provider, tmp_path) == {"E1001", "E1004"}  # the nurses
    (program / "assignments.yaml").write_text(
        ASSIGNMENT.replace("audience: nurses", "audience: boston-nurses"))

    lines = planned(capsys, program, "Assignment/hipaa-nurses")
    assert lines[-1].startswith("    learners: 1 learner no longer reached; "), lines
    assert lines[-1].endswith("; 2 learners enrolled"), lines
    apply(capsys, program)
    assert assigned(kolibri, provider, tmp_path) == {"E1004"}  # 2 enrolled, 1 no longer
    assert_no_changes(capsys, program)


def test_a_lesson_a_coach_gave_the_whole_classroom_counts_the_classroom(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
    kolibri: LiveKolibri, tmp_path: Path,
) -> None:
    with (program / "audiences.yaml").open("a") as audiences:
        audiences.write(PHYSICIANS)
    with (program / "assignments.yaml").open("a") as assignments:
        assignments.write(PRIVACY_FOR_PHYSICIANS)
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    # A coach gives the nurses' lesson to the whole class, the physician in it too.
    kolibri.shell(f"""
from kolibri.core.lessons.models import Lesson, LessonAssignment
lesson = Lesson.objects.get(id={lesson.id!r})
LessonAssignment.objects.create(lesson=lesson, collection=lesson.collection,
                                assigned_by=lesson.created_by)
""")
    everyone = assigned(kolibri, provider, tmp_path)
    assert everyone == {"E1001", "E1002", "E1004"}, everyone

    # Kolibri's own count is the plan's, whoever gave the lesson to whom; the class is
    # drift, which the update takes back (tests/kolibri/test_reach_drift.py).
    (program / "assignments.yaml").write_text(
        (program / "assignments.yaml").read_text().replace(
            "title: HIPAA for nurses", "title: HIPAA for nursing staff"))
    lines = planned(capsys, program, "Assignment/hipaa-nurses")
    assert lines[0] == "~ update Assignment/hipaa-nurses (spec changed and drift)", lines
    assert lines[-1].startswith("    learners: 1 learner no longer reached; "), lines
    assert lines[-1].endswith("; 3 learners enrolled"), lines

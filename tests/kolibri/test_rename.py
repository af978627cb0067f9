"""A resource renamed in code, its record moved with ``learnops state mv``: the plan finds
the Kolibri lesson by its record's id and renames it; the same lesson, with every
learner's progress, carries the new name (no second lesson, no one gains or loses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON

from .live import LiveKolibri
from .program import HANDWASHING, write_program
from .test_cli import apply, program, run

__all__ = ["program"]  # the fixture


def rename_the_assignment(capsys: pytest.CaptureFixture[str], program: Path) -> None:
    """hipaa-nurses renamed hipaa-nursing in code, and its record moved to match."""
    assignments = program / "assignments.yaml"
    assignments.write_text(assignments.read_text().replace(
        "metadata: {name: hipaa-nurses}", "metadata: {name: hipaa-nursing}"))
    code, out = run(capsys, "state", "mv", "Assignment/hipaa-nurses",
                    "Assignment/hipaa-nursing", str(program))
    assert code == 0, out


def assert_no_changes(capsys: pytest.CaptureFixture[str], program: Path) -> None:
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out


def test_a_renamed_assignment_moved_in_state_renames_its_lesson_and_keeps_progress(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider, activity: LiveKolibri,
) -> None:
    program = write_program(tmp_path / "program", target)
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    activity.complete("E1001", HANDWASHING, "2027-01-05")
    rename_the_assignment(capsys, program)
    code, out = run(capsys, "plan", str(program))
    assert code == 0, out
    assert "~ update Assignment/hipaa-nursing (renamed from Assignment/hipaa-nurses)" in out
    code, out = run(capsys, "plan", str(program), "--output", "json")
    changed = [c for c in json.loads(out)["changes"] if c["action"] != "no-op"]
    assert [(c["address"], c["action"]) for c in changed] == [
        ("Assignment/hipaa-nursing", "update")]
    assert changed[0]["impact"]["items_gained"] == changed[0]["impact"]["items_lost"] == []

    apply(capsys, program)
    snapshot = provider.platform.snapshot()
    assert "hipaa-nurses" not in snapshot.lessons
    assert snapshot.lessons["hipaa-nursing"].id == lesson.id  # the same lesson, renamed
    assert snapshot.classroom_id is not None
    done = [(p.learner_id, p.status) for p in provider.platform.progress(snapshot.classroom_id)]
    assert (snapshot.accounts["E1001"].id, "Completed") in done
    assert_no_changes(capsys, program)


def test_a_renamed_audience_and_plan_moved_in_state_keep_their_group_and_lessons(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider,
) -> None:
    program = write_program(tmp_path / "program", target)
    apply(capsys, program)
    before = provider.platform.snapshot()
    for name in ("audiences.yaml", "assignments.yaml", "plans.yaml"):
        path = program / name
        path.write_text(path.read_text().replace("nurses]", "ward-nurses]")
                        .replace("{name: nurses}", "{name: ward-nurses}")
                        .replace("audience: nurses", "audience: ward-nurses")
                        .replace("hipaa-annual", "hipaa-yearly"))
    for old, new in (("Audience/nurses", "Audience/ward-nurses"),
                     ("CertificationPlan/hipaa-annual", "CertificationPlan/hipaa-yearly")):
        code, out = run(capsys, "state", "mv", old, new, str(program))
        assert code == 0, out
    code, out = run(capsys, "plan", str(program))
    assert code == 0, out
    assert "~ update Audience/ward-nurses (renamed from Audience/nurses)" in out
    assert ("~ update CertificationPlan/hipaa-yearly (renamed from "
            "CertificationPlan/hipaa-annual)") in out
    assert "+ create" not in out and "- delete" not in out

    apply(capsys, program)
    after = provider.platform.snapshot()
    assert after.groups["ward-nurses"].id == before.groups["nurses"].id
    assert "nurses" not in after.groups
    assert {lesson.id for title, lesson in after.lessons.items()
            if title.startswith("hipaa-yearly: ")} == {
        lesson.id for title, lesson in before.lessons.items()
        if title.startswith("hipaa-annual: ")}
    assert_no_changes(capsys, program)


def test_a_saved_plan_renames_what_it_planned_to(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider,
) -> None:
    program = write_program(tmp_path / "program", target)
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    rename_the_assignment(capsys, program)
    saved = tmp_path / "rename.json"
    code, out = run(capsys, "plan", str(program), "--out", str(saved))
    assert code == 0, out
    code, out = run(capsys, "apply", str(saved))
    assert code == 0, out
    assert provider.platform.snapshot().lessons["hipaa-nursing"].id == lesson.id
    assert_no_changes(capsys, program)


def test_a_renamed_plan_whose_steps_changed_on_kolibri_is_still_the_same_plan(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    before = provider.platform.snapshot().lessons
    provider.platform.delete_lesson(before["hipaa-annual: refresher"])  # a coach's doing
    for name in ("assignments.yaml", "plans.yaml"):
        path = program / name
        path.write_text(path.read_text().replace("hipaa-annual", "hipaa-yearly"))
    code, out = run(capsys, "state", "mv", "CertificationPlan/hipaa-annual",
                    "CertificationPlan/hipaa-yearly", str(program))
    assert code == 0, out
    code, out = run(capsys, "plan", str(program))
    assert code == 0, out
    # Renamed, and its deleted step is drift to put back: the lessons it has are its own.
    assert ("~ update CertificationPlan/hipaa-yearly (drift from "
            "CertificationPlan/hipaa-annual)") in out, out
    assert "+ step refresher added" in out and "+ create" not in out, out

    apply(capsys, program)
    after = provider.platform.snapshot().lessons
    for step in ("basics", "quiz"):  # the same lessons, with whom they were released to
        assert after[f"hipaa-yearly: {step}"].id == before[f"hipaa-annual: {step}"].id
    assert "hipaa-yearly: refresher" in after
    assert not any(title.startswith("hipaa-annual: ") for title in after)
    assert_no_changes(capsys, program)

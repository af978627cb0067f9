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
from .test_cli import apply, run


def test_a_renamed_assignment_moved_in_state_renames_its_lesson_and_keeps_progress(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider, activity: LiveKolibri,
) -> None:
    program = write_program(tmp_path / "program", target)
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    activity.complete("E1001", HANDWASHING, "2027-01-05")
    assignments = program / "assignments.yaml"
    assignments.write_text(assignments.read_text().replace(
        "metadata: {name: hipaa-nurses}", "metadata: {name: hipaa-nursing}"))

    code, out = run(capsys, "state", "mv", "Assignment/hipaa-nurses",
                    "Assignment/hipaa-nursing", str(program))
    assert code == 0, out
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
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0 and "No changes" in out, out

"""What Kolibri cannot hold (an assignment's plans) reads back as it was applied (the
state's record of the write), not as the files say: a plan added to an assignment in the
files is a change whose plan says who gains it, and a resource renamed without ``learnops
state mv`` still reads as it was applied, so nothing reads as drift and nobody is told
they gain what they already have."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON

from .test_cli import apply, program, run
from .test_release_applied import learners_of, privacy_added_in_the_files, release
from .test_rename import assert_no_changes

__all__ = ["program"]  # the fixture


def planned(capsys: pytest.CaptureFixture[str], program: Path, address: str,
            *flags: str) -> list[str]:
    """The plan's lines about ``address``: its header and what follows up to the next."""
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode", *flags)
    assert code == 2, out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if f" {address} (" in line)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(" ")),
               len(lines))
    return [line.split("  [", 1)[0] for line in lines[start:end]]


def test_an_existing_plan_added_to_an_assignment_is_planned_as_its_learners_gain(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider,
) -> None:
    program = privacy_added_in_the_files(capsys, target, tmp_path / "program")
    lines = planned(capsys, program, "Assignment/hipaa-nurses")
    assert lines[0] == "~ update Assignment/hipaa-nurses (spec changed)", lines
    assert '    + items[1].plan: "privacy-annual"' in lines, lines
    assert any(line.startswith("    learners: 2 learners gain privacy-annual")
               for line in lines), lines  # E1001, E1004
    apply(capsys, program)
    assert_no_changes(capsys, program)
    lines = release(capsys, program, "2027-01-04")
    assert "  CertificationPlan/privacy-annual step intro -> E1001" in lines, lines
    assert learners_of(provider, "privacy-annual: intro") == {"E1001", "E1004"}
    assert_no_changes(capsys, program)


def test_an_assignment_renamed_without_state_mv_reads_as_applied(
    capsys: pytest.CaptureFixture[str], program: Path,
) -> None:
    apply(capsys, program)
    assignments = program / "assignments.yaml"
    assignments.write_text(assignments.read_text().replace("hipaa-nurses", "hipaa-nursing"))

    # The old lesson reads with its applied plan and in its applied names: the new one
    # gives its learners nothing they lack, the old one's going takes nothing away.
    created = planned(capsys, program, "Assignment/hipaa-nursing")
    assert created == ["+ create Assignment/hipaa-nursing (new in code)",
                       "    learners: 2 learners newly reached"], created
    removed = planned(capsys, program, "Assignment/hipaa-nurses")
    assert removed[0] == "- inactivate Assignment/hipaa-nurses (removed from code)", removed
    assert not any("lose" in line or "gain" in line for line in removed), removed
    apply(capsys, program)
    assert_no_changes(capsys, program)


def test_a_plan_renamed_without_state_mv_is_a_change_to_its_assignment_not_drift(
    capsys: pytest.CaptureFixture[str], program: Path,
) -> None:
    apply(capsys, program)
    for name in ("assignments.yaml", "plans.yaml"):
        path = program / name
        path.write_text(path.read_text().replace("hipaa-annual", "hipaa-yearly"))

    # Its old plan's lessons go, the new one's come: the assignment's learners are
    # told so, and the assignment was changed in code, not on Kolibri.
    lines = planned(capsys, program, "Assignment/hipaa-nurses", "--allow-delete")
    assert lines == [
        "~ update Assignment/hipaa-nurses (spec changed)",
        '    ~ items[0].plan: "hipaa-annual" -> "hipaa-yearly"',
        "    learners: 2 learners gain hipaa-yearly; 2 learners lose hipaa-annual; "
        "2 learners enrolled"], lines
    code, out = run(capsys, "apply", str(program), "--auto-approve", "--allow-delete")
    assert code == 0, out
    assert_no_changes(capsys, program)


def test_a_lesson_learnops_never_applied_is_adopted_with_the_plans_its_learners_gain(
    capsys: pytest.CaptureFixture[str], program: Path,
) -> None:
    apply(capsys, program)
    code, out = run(capsys, "state", "rm", "Assignment/hipaa-nurses", str(program))
    assert code == 0, out  # the lesson stays on Kolibri, as if a coach had made it
    assignments = program / "assignments.yaml"
    assignments.write_text(assignments.read_text().replace(
        "metadata: {name: hipaa-nurses}",
        'metadata: {name: hipaa-nurses, annotations: {learnops.io/adopt: "true"}}'))

    # Nothing learnops applied gave that lesson a plan: adopting it does.
    lines = planned(capsys, program, "Assignment/hipaa-nurses")
    assert lines[0] == "~ adopt Assignment/hipaa-nurses (adopt requested)", lines
    assert '    + items[0].plan: "hipaa-annual"' in lines, lines
    assert lines[-1] == "    learners: 2 learners gain hipaa-annual; 2 learners enrolled", lines
    apply(capsys, program)
    assert_no_changes(capsys, program)

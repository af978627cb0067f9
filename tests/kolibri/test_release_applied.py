"""``learnops release`` hands out what was applied, not what the files say: a plan newly
added to an assignment, or a step's release moved, reaches learners only once ``apply``
wrote it (the plan is a promise). Until then release says the specs have unapplied
changes, and plan shows the change as an update, which apply records."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON

from .program import ASSIGNMENT, AUDIENCES, OBJECTS, PLAN, write_program
from .test_cli import apply, program, run
from .test_rename import assert_no_changes

__all__ = ["program"]  # the fixture

PRIVACY = """\
---
apiVersion: learnops/v1
kind: CertificationPlan
metadata: {name: privacy-annual}
spec:
  title: Annual privacy
  steps:
    - {name: intro, items: [privacy-101], release: {at: enrollment}}
"""
UNAPPLIED = "warning: the specs have unapplied changes"


def release(capsys: pytest.CaptureFixture[str], program: Path, day: str) -> list[str]:
    code, out = run(capsys, "release", str(program), "--date", day)
    assert code == 0, out
    return out.splitlines()


def learners_of(provider: KolibriProvider, lesson: str) -> set[str]:
    snapshot = provider.platform.snapshot()
    usernames = {account.id: name for name, account in snapshot.accounts.items()}
    return {usernames[i] for i in snapshot.lessons[lesson].learner_ids}


def privacy_added_in_the_files(capsys: pytest.CaptureFixture[str], target: dict[str, JSON],
                               root: Path) -> Path:
    """The program applied with privacy-annual's lesson on Kolibri, assigned to nobody;
    then privacy-annual added to hipaa-nurses in the files only."""
    program = write_program(root, target, files={
        "objects.yaml": OBJECTS, "audiences.yaml": AUDIENCES, "plans.yaml": PLAN + PRIVACY,
        "assignments.yaml": ASSIGNMENT})
    apply(capsys, program)
    (program / "assignments.yaml").write_text(ASSIGNMENT.replace(
        "[{plan: hipaa-annual},", "[{plan: hipaa-annual}, {plan: privacy-annual},"))
    return program


def test_a_plan_added_to_an_assignment_is_released_only_once_applied(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    provider: KolibriProvider,
) -> None:
    program = privacy_added_in_the_files(capsys, target, tmp_path / "program")

    lines = release(capsys, program, "2027-01-04")
    assert [line for line in lines if line.startswith(UNAPPLIED)] == [
        f"{UNAPPLIED} (Assignment/hipaa-nurses): released as last applied; "
        "learnops apply makes them count"], lines
    assert "  CertificationPlan/hipaa-annual step basics -> E1001" in lines
    assert not any("privacy-annual" in line for line in lines), lines
    assert learners_of(provider, "privacy-annual: intro") == set()

    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 2, out
    assert "~ update Assignment/hipaa-nurses (spec changed)" in out, out
    assert "privacy-annual" in out.split("~ update Assignment/hipaa-nurses", 1)[1], out
    apply(capsys, program)
    lines = release(capsys, program, "2027-01-04")
    assert not any(line.startswith(UNAPPLIED) for line in lines), lines
    assert "  CertificationPlan/privacy-annual step intro -> E1004" in lines, lines
    assert learners_of(provider, "privacy-annual: intro") == {"E1001", "E1004"}
    assert_no_changes(capsys, program)


def test_a_step_release_moved_in_the_files_keeps_its_applied_date_until_applied(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    plans = program / "plans.yaml"
    plans.write_text(plans.read_text().replace("date: 2027-06-01", "date: 2027-03-01"))

    lines = release(capsys, program, "2027-03-01")
    assert any(line.startswith(f"{UNAPPLIED} (CertificationPlan/hipaa-annual)")
               for line in lines), lines
    assert not any("refresher" in line for line in lines), lines
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 2, out
    assert "~ update CertificationPlan/hipaa-annual (spec changed)" in out, out
    assert "2027-03-01" in out, out
    apply(capsys, program)
    lines = release(capsys, program, "2027-03-01")
    assert "  CertificationPlan/hipaa-annual step refresher -> E1001" in lines, lines
    assert learners_of(provider, "hipaa-annual: refresher") == {"E1001", "E1004"}

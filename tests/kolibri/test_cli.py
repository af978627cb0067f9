"""learnops against a live Kolibri, end to end through the CLI (``main(argv)``): plan,
apply, an empty re-plan, drift, adoption, inactivation that keeps progress, and the
releases ``learnops release`` and a sync cycle perform on their dates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.apply.executor import StopSignal
from reconciler.cli import clock
from reconciler.cli.main import main
from reconciler.model import JSON
from reconciler.plan.facade import plan_directory
from reconciler.sync.cycle import Syncer, SyncOptions
from reconciler.sync.git import Remote, WorkingCopy

from .live import LiveKolibri
from .program import ASSIGNMENT, HANDWASHING, HIPAA_BASICS, write_program


@pytest.fixture
def program(target: dict[str, JSON], tmp_path: Path) -> Path:
    return write_program(tmp_path / "program", target)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def plan_json(capsys: pytest.CaptureFixture[str], program: Path) -> dict[str, Any]:
    code, out = run(capsys, "plan", str(program), "--output", "json")
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def changes(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["address"]: (c["action"], c["reason"]) for c in document["changes"]
            if c["action"] != "no-op"}


def apply(capsys: pytest.CaptureFixture[str], program: Path) -> str:
    code, out = run(capsys, "apply", str(program), "--auto-approve")
    assert code == 0, out
    return out


def test_plan_apply_and_the_next_plan_is_empty(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 2, out
    assert "+ create Audience/nurses (new in code)" in out
    assert "learners: 2 learners join the audience" in out  # E1001, E1004 (E1003 inactive)
    assert "+ create Assignment/hipaa-nurses" in out
    out = apply(capsys, program)
    assert "Apply complete: 4 applied, 0 failed" in out
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0, out
    assert "No changes" in out
    groups = provider.platform.snapshot().groups
    members = {a.username for a in provider.platform.snapshot().accounts.values()
               if a.id in groups["nurses"].user_ids}
    assert members == {"E1001", "E1004"}


def test_a_lesson_edited_in_kolibri_is_drift_and_apply_puts_it_back(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    provider.client.send("PATCH", f"/api/lessons/lesson/{lesson.id}/",
                         {"description": "Edited by a coach", "resources": []})
    assert changes(plan_json(capsys, program)) == {
        "Assignment/hipaa-nurses": ("update", "drift")}
    apply(capsys, program)
    restored = provider.platform.snapshot().lessons["hipaa-nurses"]
    assert restored.description == "HIPAA for nurses"
    assert restored.node_ids == (HANDWASHING,)
    assert changes(plan_json(capsys, program)) == {}


def test_a_changed_directory_changes_the_group_in_the_plan(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    users = program / "directory" / "users.csv"
    users.write_text(users.read_text() + "E1005,Eve,Ray,eve@example.com,Nurse,Nursing,"
                     "Boston,en,2026-11-01,nursing,\n")
    code, out = run(capsys, "plan", str(program))
    assert code == 0
    assert "~ update Audience/nurses" in out and '+ users: "E1005"' in out
    apply(capsys, program)
    snapshot = provider.platform.snapshot()
    assert snapshot.accounts["E1005"].id in snapshot.groups["nurses"].user_ids
    assert changes(plan_json(capsys, program)) == {}


def test_a_group_made_in_kolibri_is_a_conflict_until_adopted(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    classroom = provider.platform.ensure_classroom()
    made = provider.platform.create_group(classroom, "nurses")
    code, out = run(capsys, "plan", str(program))
    assert code == 1
    assert "error[LO701]: Audience/nurses already exists on the platform" in out
    audiences = (program / "audiences.yaml").read_text()
    (program / "audiences.yaml").write_text(audiences.replace(
        "metadata: {name: nurses}",
        'metadata: {name: nurses, annotations: {learnops.io/adopt: "true"}}'))
    assert changes(plan_json(capsys, program))["Audience/nurses"] == ("adopt",
                                                                      "adopt requested")
    apply(capsys, program)
    assert provider.platform.snapshot().groups["nurses"].id == made.id  # taken over, not made
    assert changes(plan_json(capsys, program)) == {}


def test_removing_an_assignment_inactivates_its_lesson_and_keeps_progress(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
    activity: LiveKolibri,
) -> None:
    apply(capsys, program)
    activity.complete("E1001", HANDWASHING, "2027-01-05")
    (program / "assignments.yaml").unlink()
    assert changes(plan_json(capsys, program)) == {
        "Assignment/hipaa-nurses": ("inactivate", "removed from code")}
    apply(capsys, program)
    snapshot = provider.platform.snapshot()
    assert snapshot.lessons["hipaa-nurses"].active is False
    assert snapshot.lessons["hipaa-nurses"].node_ids == (HANDWASHING,)
    assert snapshot.classroom_id is not None
    done = [(p.learner_id, p.status) for p in provider.platform.progress(snapshot.classroom_id)]
    assert (snapshot.accounts["E1001"].id, "Completed") in done
    assert changes(plan_json(capsys, program)) == {}


def test_release_performs_what_is_due_on_its_day_once_and_plan_lists_it(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
    activity: LiveKolibri,
) -> None:
    apply(capsys, program)
    due = plan_directory(program, today=date(2027, 1, 4)).releases_due
    # (Accounts are the facility's, shared by every test: which are still due varies.)
    assert tuple(line for line in due if " step " in line) == (
        "CertificationPlan/hipaa-annual step basics -> E1001",
        "CertificationPlan/hipaa-annual step basics -> E1004")
    code, out = run(capsys, "release", str(program), "--date", "2027-01-04")
    assert code == 0
    assert "step basics -> E1004" in out
    assert "2 release(s)," in out and "done on 2027-01-04." in out
    code, out = run(capsys, "release", str(program), "--date", "2027-01-04")
    assert out.strip() == "Nothing due on 2027-01-04."

    activity.complete("E1004", HIPAA_BASICS, "2027-01-10")
    code, out = run(capsys, "release", str(program), "--date", "2027-01-11", "--dry-run")
    assert out.strip() == "Nothing due on 2027-01-11."  # the quiz comes 2 days after
    code, out = run(capsys, "release", str(program), "--date", "2027-01-12")
    assert "CertificationPlan/hipaa-annual step quiz -> E1004" in out
    released = provider.platform.snapshot().lessons["hipaa-annual: quiz"].learner_ids
    assert released == {provider.platform.snapshot().accounts["E1004"].id}
    assert changes(plan_json(capsys, program)) == {}  # releases are progress, not drift


def test_release_without_a_date_uses_today_in_the_projects_time_zone(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 11:00 UTC on 3 January is already 4 January on Kiritimati (UTC+14).
    project = program / "learnops.yaml"
    project.write_text(project.read_text() + "timezone: Pacific/Kiritimati\n")
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 1, 3, 11, tzinfo=UTC))
    apply(capsys, program)
    code, out = run(capsys, "release", str(program), "--dry-run")
    assert code == 0, out
    assert out.rstrip().endswith("on 2027-01-04."), out


def test_a_sync_cycle_applies_and_releases_a_dated_step_on_its_date(
    program: Path, provider: KolibriProvider, tmp_path: Path,
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                       cwd=program, check=True, capture_output=True)

    (program / ".gitignore").write_text(".learnops/\n")
    git("init", "--quiet", "--initial-branch=main")
    git("add", "--all")
    git("commit", "--quiet", "-m", "program")
    now = [datetime(2027, 5, 31, 12, tzinfo=UTC)]
    syncer = Syncer(WorkingCopy(Remote.of(str(program), "main"), tmp_path / "copy"),
                    SyncOptions(path=".", auto_apply=True), clock=lambda: now[0])
    try:
        first = syncer.cycle(StopSignal())
        assert first.failure is None, first.failure
        assert {c.address for c in first.applied} >= {"Assignment/hipaa-nurses"}
        assert "CertificationPlan/hipaa-annual step basics -> E1001" in first.released
        assert not any("refresher" in line for line in first.released)
        assert syncer.cycle(StopSignal()).released == ()
        now[0] = datetime(2027, 6, 1, 12, tzinfo=UTC)
        on_the_day = syncer.cycle(StopSignal())
        assert on_the_day.applied == ()
        assert sorted(on_the_day.released) == [
            "CertificationPlan/hipaa-annual step refresher -> E1001",
            "CertificationPlan/hipaa-annual step refresher -> E1004"]
    finally:
        syncer.close()
    assert ASSIGNMENT  # the program the cycle applied


def test_a_spec_feature_kolibri_lacks_is_a_located_plan_error_and_nothing_is_applied(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    (program / "assignments.yaml").write_text(ASSIGNMENT + "  due: 30d\n")
    code, out = run(capsys, "plan", str(program))
    assert code == 1
    assert (f"{program}/assignments.yaml:8:3: error[LO901]: spec.due: kolibri has no due "
            "dates") in out
    code, out = run(capsys, "apply", str(program), "--auto-approve")
    assert code == 1
    assert provider.platform.snapshot().lessons == {}


def test_the_example_repository_applies_and_then_plans_no_changes(
    capsys: pytest.CaptureFixture[str], target: dict[str, JSON], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = tmp_path / "example"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "kolibri" / "specs",
                    example)
    config = (example / "learnops.yaml").read_text()
    (example / "learnops.yaml").write_text(
        config.replace("http://127.0.0.1:8080", str(target["url"]))
        .replace("classroom: learnops ", f"classroom: {target['classroom']} "))
    monkeypatch.setenv("KOLIBRI_USER", str(os.environ[str(target["username_env"])]))
    monkeypatch.setenv("KOLIBRI_PASSWORD", str(os.environ[str(target["password_env"])]))
    assert run(capsys, "validate", str(example), "--target", "provider")[0] == 0
    apply(capsys, example)
    code, out = run(capsys, "plan", str(example), "--detailed-exitcode")
    assert code == 0, out

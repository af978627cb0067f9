"""Plan fidelity on Kolibri when the spec names content by its content id: the plan's
learner impact (who gains and loses which item) must be what apply does. A node has
two names (its content id, and its title's name where that is unique); the plan
must read back the one the spec uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reconciler_kolibri.provider import KolibriProvider

from reconciler.model import JSON

from .program import HANDWASHING, HANDWASHING_CONTENT_ID, write_program
from .test_cli import apply, run


def impacts(capsys: pytest.CaptureFixture[str], program: Path) -> dict[str, dict[str, Any]]:
    code, out = run(capsys, "plan", str(program), "--output", "json")
    assert code == 0, out
    document = json.loads(out)
    return {c["address"]: c.get("impact") or {} for c in document["changes"]
            if c["action"] != "no-op"}


@pytest.fixture
def program(target: dict[str, JSON], tmp_path: Path, capsys: pytest.CaptureFixture[str],
            ) -> Path:
    root = write_program(tmp_path / "program", target)
    apply(capsys, root)
    return root


def test_retitling_an_assignment_that_names_content_by_id_changes_nobodys_items(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    assignments = program / "assignments.yaml"
    assignments.write_text(assignments.read_text().replace(
        "title: HIPAA for nurses", "title: HIPAA for every nurse"))
    impact = impacts(capsys, program)["Assignment/hipaa-nurses"]
    assert impact.get("items_gained", []) == []
    assert impact.get("items_lost", []) == []
    assert impact.get("learners_added", 0) == impact.get("learners_removed", 0) == 0
    apply(capsys, program)
    lesson = provider.platform.snapshot().lessons["hipaa-nurses"]
    assert lesson.node_ids == (HANDWASHING,) and lesson.description == "HIPAA for every nurse"


def test_a_new_nurse_gains_the_content_id_named_video_and_nobody_else_changes(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    users = program / "directory" / "users.csv"
    users.write_text(users.read_text() + "E1005,Eve,Ray,eve@example.com,Nurse,Nursing,"
                     "Boston,en,2026-11-01,nursing,\n")
    impact = impacts(capsys, program)["Audience/nurses"]
    gained = {i["item"]: i["learners"] for i in impact.get("items_gained", [])}
    assert gained == {HANDWASHING_CONTENT_ID: 1, "hipaa-annual": 1}
    assert impact.get("items_lost", []) == []
    assert impact["learners_added"] == 1 and impact.get("learners_removed", 0) == 0
    apply(capsys, program)
    snapshot = provider.platform.snapshot()
    assert snapshot.accounts["E1005"].id in snapshot.groups["nurses"].user_ids
    assert snapshot.lessons["hipaa-nurses"].node_ids == (HANDWASHING,)  # her video
    code, out = run(capsys, "release", str(program), "--date", "2027-01-04", "--dry-run")
    assert code == 0, out
    assert "CertificationPlan/hipaa-annual step basics -> E1005" in out  # and her plan
    assert impacts(capsys, program) == {}


def test_naming_the_video_by_its_title_instead_changes_nothing_on_kolibri(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    before = provider.platform.snapshot().lessons["hipaa-nurses"]
    for name in ("objects.yaml", "assignments.yaml"):
        path = program / name
        path.write_text(path.read_text().replace(HANDWASHING_CONTENT_ID, "handwashing-video"))
    # The spec changed (the state records it: release acts on what was applied), and
    # nobody gains or loses anything by it.
    [(address, impact)] = impacts(capsys, program).items()
    assert address == "Assignment/hipaa-nurses"
    assert impact.get("items_gained", []) == impact.get("items_lost", []) == []
    assert impact.get("learners_added", 0) == impact.get("learners_removed", 0) == 0
    apply(capsys, program)
    assert provider.platform.snapshot().lessons["hipaa-nurses"] == before
    assert impacts(capsys, program) == {}

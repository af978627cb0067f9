"""Kolibri keeps no plan versions: a plan step's lesson changed is changed for every
learner in it. The plan says so (learners move to the new version), never that
enrolled learners keep theirs, and apply then does what it said."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from .program import PLAN
from .test_cli import apply, plan_json, program, run

__all__ = ["program"]  # the fixture


def test_an_edited_plan_is_planned_as_moving_its_learners(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    (program / "plans.yaml").write_text(PLAN.replace(
        "items: [hipaa-quiz]", "items: [hipaa-quiz, privacy-101]"))

    [change] = [c for c in plan_json(capsys, program)["changes"] if c["action"] != "no-op"]
    assert change["address"] == "CertificationPlan/hipaa-annual"
    assert change["impact"]["migrated"] and not change["impact"]["new_version"]
    code, out = run(capsys, "plan", str(program))
    assert code == 0, out
    assert "learners in progress move to the new version" in out
    assert "keep theirs" not in out

    apply(capsys, program)  # one lesson per step, changed in place for everyone in it
    code, out = run(capsys, "plan", str(program), "--detailed-exitcode")
    assert code == 0, out

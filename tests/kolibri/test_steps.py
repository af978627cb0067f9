"""A plan's steps on Kolibri, as they change in code: Kolibri keeps a lesson per step
and no order among them, so the order reads back from the applied spec (a step added
in front is not read back last), and a step renamed keeps its lesson and whom it was
released to."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconciler_kolibri.provider import KolibriProvider

from .test_applied_readback import planned
from .test_cli import apply, program
from .test_release_applied import learners_of, release
from .test_rename import assert_no_changes

__all__ = ["program"]  # the fixture

INTRO = "    - {name: intro, items: [privacy-101], release: {at: enrollment}}\n"


def test_a_step_added_in_front_reads_back_in_front(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    plans = program / "plans.yaml"
    text = plans.read_text()
    plans.write_text(text.replace("  steps:\n", "  steps:\n" + INTRO))

    lines = planned(capsys, program, "CertificationPlan/hipaa-annual")
    assert lines[:2] == ["~ update CertificationPlan/hipaa-annual (spec changed)",
                         "    + step intro added"], lines
    apply(capsys, program)
    assert "hipaa-annual: intro" in provider.platform.snapshot().lessons
    assert_no_changes(capsys, program)  # not "step intro moved first", ever after


def test_a_step_renamed_keeps_its_lesson_and_whom_it_was_released_to(
    capsys: pytest.CaptureFixture[str], program: Path, provider: KolibriProvider,
) -> None:
    apply(capsys, program)
    lines = release(capsys, program, "2027-01-04")
    assert "  CertificationPlan/hipaa-annual step basics -> E1001" in lines, lines
    before = provider.platform.snapshot().lessons["hipaa-annual: basics"]
    plans = program / "plans.yaml"
    plans.write_text(plans.read_text().replace("name: basics", "name: essentials")
                     .replace("after_step: basics", "after_step: essentials"))

    lines = planned(capsys, program, "CertificationPlan/hipaa-annual")
    assert lines[:2] == ["~ update CertificationPlan/hipaa-annual (spec changed)",
                         "    ~ step basics renamed essentials"], lines
    assert not any("removed" in line or "added" in line for line in lines), lines
    apply(capsys, program)
    lessons = provider.platform.snapshot().lessons
    assert "hipaa-annual: basics" not in lessons
    assert lessons["hipaa-annual: essentials"].id == before.id  # the same lesson, renamed
    assert learners_of(provider, "hipaa-annual: essentials") == {"E1001", "E1004"}
    assert_no_changes(capsys, program)
    lines = release(capsys, program, "2027-01-04")
    assert not any("essentials ->" in line for line in lines), lines  # nothing to re-add

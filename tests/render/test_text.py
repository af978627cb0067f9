"""The terminal rendering: a line per change, field diffs and impact under it."""

from __future__ import annotations

from reconciler.render.text import render_text

from .sample import empty_plan, rich_plan


def test_each_changed_resource_gets_one_symbol_line_and_no_ops_none() -> None:
    text = render_text(rich_plan())
    heads = [line for line in text.splitlines() if line[:2] in ("+ ", "~ ", "- ", "! ")]
    assert heads == [
        "+ create LearningObject/hipaa-basics (new in code)  [objects.yaml:1:1]",
        "~ adopt Audience/clinical (adopt requested)",
        "~ update CertificationPlan/hipaa-annual (drift)  [plans.yaml:1:1]",
        "~ update Assignment/hipaa-2027-clinical (spec changed)  [assignments.yaml:4:1]",
        "- inactivate Assignment/old-campaign (removed from code)",
    ]
    assert "privacy-101" not in text


def test_field_diffs_and_impact_sit_under_their_change() -> None:
    lines = render_text(rich_plan()).splitlines()
    start = lines.index(
        "~ update Assignment/hipaa-2027-clinical (spec changed)  [assignments.yaml:4:1]"
    )
    assert lines[start + 1 : start + 5] == [
        '    ~ due: "30d" -> "45d"',
        '    + notify.reminders[1]: "1d"',
        '    - title: "a | b"',
        "    learners: 37 learners added, 3 learners removed, 40 enrolled, 12 in progress",
    ]


def test_the_summary_counts_every_action() -> None:
    text = render_text(rich_plan())
    assert text.rstrip().endswith(
        "Plan: 1 to create, 2 to update, 1 to inactivate, 0 to delete, 1 to adopt, 1 unchanged."
    )
    assert render_text(empty_plan()).rstrip().endswith(
        "No changes: the platform matches the specs (1 resources)."
    )


def test_refusals_and_errors_are_shown_and_the_plan_marked_unappliable() -> None:
    text = render_text(rich_plan(errors=True))
    assert "! update CertificationPlan/hipaa-annual (drift)" in text
    assert "refused: moving learners in progress needs --allow-disruptive" in text
    assert "specs/plans.yaml:1:1: error[LO705]:" in text
    assert "1 error: this plan cannot be applied." in text


def test_colour_only_when_asked() -> None:
    assert "\033[" not in render_text(rich_plan())
    coloured = render_text(rich_plan(), colour=True)
    assert "\033[32m+ create LearningObject/hipaa-basics" in coloured
    assert "\033[31m- inactivate Assignment/old-campaign" in coloured

"""The terminal rendering: a line per change, field diffs and impact under it."""

from __future__ import annotations

from reconciler.model import ADOPT_ANNOTATION, PREVENT_DESTROY_ANNOTATION, Address
from reconciler.plan.model import NO_IMPACT, Change, FieldDiff, Impact, Plan
from reconciler.render.text import render_text

from .sample import empty_plan, rich_plan


def test_each_changed_resource_gets_one_symbol_line_and_no_ops_none() -> None:
    text = render_text(rich_plan())
    heads = [line for line in text.splitlines() if line[:2] in ("+ ", "~ ", "- ", "! ")]
    assert heads == [
        "+ create LearningObject/hipaa-basics (new in code)  [specs/objects.yaml:1:1]",
        "~ adopt Audience/clinical (adopt requested)",
        "~ update CertificationPlan/hipaa-annual (drift)  [specs/plans.yaml:1:1]",
        "~ update Assignment/hipaa-2027-clinical (spec changed)  [specs/assignments.yaml:4:1]",
        "- inactivate Assignment/old-campaign (removed from code)",
    ]
    assert "privacy-101" not in text


def test_field_diffs_and_impact_sit_under_their_change() -> None:
    lines = render_text(rich_plan()).splitlines()
    start = lines.index(
        "~ update Assignment/hipaa-2027-clinical (spec changed)  [specs/assignments.yaml:4:1]"
    )
    assert lines[start + 1 : start + 5] == [
        '    ~ due: "30d" -> "45d"',
        '    + notify.reminders[1]: "1d"',
        '    - title: "a | b"',
        "    learners: 37 learners newly reached; 3 learners no longer reached; "
        "37 learners gain hipaa-annual and hand-hygiene-video; "
        "3 learners lose hipaa-annual and hand-hygiene-video; "
        "20 learners enrolled (40 enrollments); 12 enrollments in progress",
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


def _one_change(diff: tuple[FieldDiff, ...] = (), impact: Impact = NO_IMPACT) -> Plan:
    change = Change(Address("Assignment", "hipaa-2027-clinical"), "update", "spec changed",
                    before={}, after={}, diff=diff, precondition_version=1, impact=impact)
    return Plan("specs", "sha256:" + "0" * 64, "sandbox", 1, (change,), ((change.address,),))


def _learners_line(impact: Impact) -> str:
    lines = render_text(_one_change(impact=impact)).splitlines()
    return next(line.strip() for line in lines if line.strip().startswith("learners:"))


def test_people_and_enrollments_are_never_mixed_up() -> None:
    # Only `due` changed: 45 people hold 90 enrollments (two items each).
    assert _learners_line(Impact(enrolled=90, learners=45)) == (
        "learners: 45 learners enrolled (90 enrollments)"
    )
    assert _learners_line(Impact(enrolled=90, learners=45, in_progress=7)).endswith(
        "45 learners enrolled (90 enrollments); 7 enrollments in progress"
    )
    assert _learners_line(Impact(enrolled=10, learners=10, in_progress=4)) == (
        "learners: 10 learners enrolled; 4 learners in progress"
    )


def test_item_changes_name_the_items_and_who_gains_or_loses_them() -> None:
    gained = Impact(learners_added=31, items_gained=(("hand-hygiene-video", 31),))
    assert _learners_line(gained) == "learners: 31 learners gain hand-hygiene-video"
    lost = Impact(learners_removed=1, items_lost=(("hipaa-annual", 1), ("x", 1)))
    assert _learners_line(lost) == "learners: 1 learner loses hipaa-annual and x"
    many = Impact(learners_added=5, items_gained=tuple((f"item-{i}", 5) for i in range(6)))
    assert _learners_line(many) == "learners: 5 learners gain 6 items"
    reached = Impact(newly_reached=12, no_longer_reached=3)
    assert _learners_line(reached) == (
        "learners: 12 learners newly reached; 3 learners no longer reached"
    )


def test_a_changed_mapping_shows_one_line_per_key_and_never_cuts_a_value() -> None:
    annotations = {ADOPT_ANNOTATION: "true", PREVENT_DESTROY_ANNOTATION: "true"}
    url = "https://lms.example.com/c/" + "x" * 120 + "/end"
    text = render_text(_one_change(diff=(
        FieldDiff("change", "metadata.annotations", {}, annotations),
        FieldDiff("change", "metadata.labels", {"area": "a", "old": "1"}, {"area": "b"}),
        FieldDiff("change", "url", url, url.replace("/end", "/new")),
    )))
    lines = [line.strip() for line in text.splitlines()]
    assert '+ metadata.annotations["learnops.io/adopt"]: "true"' in lines
    assert '+ metadata.annotations["learnops.io/prevent-destroy"]: "true"' in lines
    assert '~ metadata.labels.area: "a" -> "b"' in lines
    assert '- metadata.labels.old: "1"' in lines
    assert lines[lines.index("~ url:") + 1 :][:2] == [
        f'was: "{url}"', f'now: "{url.replace("/end", "/new")}"',
    ]
    assert "…" not in text

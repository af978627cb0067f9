"""The PR comment: summary, impact, folded warnings, changes grouped by kind in
collapsible sections, one location base, always under the cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from reconciler.model import Address
from reconciler.plan.model import Change, FieldDiff, Impact, Plan, Problem
from reconciler.render.markdown import LIMIT, render_markdown

from .sample import rich_plan


def test_summary_table_impact_and_one_details_section_per_change() -> None:
    text = render_markdown(rich_plan())
    # only what happens: no row of zeros
    assert "**Plan:** 1 to create, 2 to update, 1 to inactivate, 1 to adopt · 1 unchanged." in text
    assert "| create |" not in text and "0 to delete" not in text
    assert (
        "**Learner impact:** 37 learners gain and 8 lose at least one item through "
        "assignment and audience changes (each person counted once); "
        "16 enrollments in progress in changed resources" in text
    )
    assert text.count("<details>") == 6 and text.count("</details>") == 6  # + the warnings
    assert (
        "<summary><code>~ update</code> <b>Assignment/hipaa-2027-clinical</b> — spec changed"
        in text
    )
    assert "| ~ | `due` | `\"30d\"` | `\"45d\"` |" in text
    assert "Learners who gain an item, e.g. E1001, E1002; who lose an item, e.g. E1077." in text
    assert "privacy-101" not in text


def test_pipes_in_values_do_not_break_the_table() -> None:
    text = render_markdown(rich_plan())
    assert '| - | `title` | `"a \\| b"` |  |' in text


def test_errors_and_disruptive_changes_stand_out() -> None:
    text = render_markdown(rich_plan(errors=True))
    assert "**Errors** (1):" in text
    assert "⛔ refused: moving learners in progress needs --allow-disruptive" in text
    assert "**1 disruptive change(s)**" in text


def test_a_rename_says_where_the_resource_comes_from_as_the_terminal_does() -> None:
    plan = rich_plan()
    target = Address("Assignment", "hipaa-2027-clinical")
    plan = replace(plan, changes=tuple(
        replace(c, renamed_from=Address("Assignment", "hipaa-2026")) if c.address == target
        else c for c in plan.changes))
    assert ("<b>Assignment/hipaa-2027-clinical</b> — spec changed from Assignment/hipaa-2026"
            in render_markdown(plan))


def test_an_audience_change_alone_makes_a_learner_impact_headline() -> None:
    narrowed = Change(
        Address("Audience", "clinical-employees"), "update", "spec changed",
        before={"where": {}}, after={"where": {"department": {"not": ["Pharmacy"]}}},
        precondition_version=2,
        impact=Impact(learners_removed=7, newly_reached=6, no_longer_reached=7,
                      items_lost=(("hipaa-2027", 7),), may_include_in_progress=True),
    )
    plan = replace(rich_plan(), changes=(narrowed,), order=((narrowed.address,),),
                   learners_added=0, learners_removed=7)
    text = render_markdown(plan)
    assert "**Learner impact:** 0 learners gain and 7 lose at least one item" in text
    assert "those losing items may include learners in progress" in text
    assert "7 learners lose hipaa-2027; may include learners in progress" in text


def huge_plan(count: int) -> Plan:
    base = rich_plan()
    template = base.changes[3]
    diff = tuple(FieldDiff("change", f"steps[{i}].items", ["a"] * 20, ["b"] * 20)
                 for i in range(10))
    changes = tuple(
        replace(template, address=Address("Assignment", f"assignment-{i:05d}"), diff=diff)
        for i in range(count)
    )
    return replace(base, changes=changes, order=(tuple(c.address for c in changes),))


def test_a_large_plan_drops_field_diffs_but_lists_every_change() -> None:
    text = render_markdown(huge_plan(80))
    assert len(text) <= LIMIT
    assert "listed without their field diffs" in text
    assert all(f"assignment-{i:05d}" in text for i in range(80))
    assert "<summary><code>" not in text  # no change sections, one line each


def test_a_huge_plan_is_cut_to_the_cap_and_counts_what_it_left_out() -> None:
    text = render_markdown(huge_plan(5000))
    assert len(text) <= LIMIT
    assert "more changes: the full plan (JSON) is the CI run's `learnops-plan` artifact" in text
    assert "see `--output json`" not in text  # out of a PR reviewer's reach
    assert "assignment-00000" in text and "assignment-04999" not in text


def test_a_small_plan_is_not_summarised() -> None:
    plan = rich_plan()
    assert render_markdown(plan) == render_markdown(plan, limit=10**6)


def _schedule_change(before_offset: str, after_offset: str) -> Plan:
    def spec(offset: str) -> dict[str, object]:
        return {
            "title": "Annual", "visibility": "released", "in_progress": "keep",
            "notify": {"admins": [], "on": []},
            "steps": [
                {"name": "basics", "items": ["a"], "release": {"at": "enrollment"},
                 "due": "14d", "required": True},
                {"name": "quiz", "items": ["b"], "release": {"offset": offset},
                 "required": True},
            ],
        }

    change = Change(
        Address("CertificationPlan", "annual"), "update", "spec changed",
        before=spec(before_offset), after=spec(after_offset),
        diff=(FieldDiff("change", "steps[1].release.offset", before_offset, after_offset),),
        precondition_version=3,
    )
    return Plan(source_dir="specs", source_digest="sha256:" + "0" * 64,
                target_provider="sandbox", state_version=1, changes=(change,),
                order=((change.address,),))


def test_a_changed_plan_shows_its_schedule_before_and_after_as_gantt_charts() -> None:
    text = render_markdown(_schedule_change("7d", "10d"), schedule_start=date(2027, 1, 4))
    assert "Schedule for a learner enrolling on 2027-01-04:" in text
    before, after = text.split("```mermaid\n")[1:3]
    assert "title annual (before)" in before and "title annual (after)" in after
    assert ":milestone, s2, 2027-01-11, 0d" in before  # enrollment + 7d
    assert ":milestone, s2, 2027-01-14, 0d" in after  # enrollment + 10d


def test_without_a_schedule_start_no_chart_is_drawn() -> None:
    assert "```mermaid" not in render_markdown(_schedule_change("7d", "10d"))


def test_a_changed_mapping_is_one_row_per_key_and_values_are_whole() -> None:
    base = rich_plan()
    long_title = "Annual HIPAA certification for every clinical employee " * 3
    change = replace(base.changes[3], diff=(
        FieldDiff("change", "metadata.annotations", {},
                  {"learnops.io/adopt": "true", "learnops.io/prevent-destroy": "true"}),
        FieldDiff("change", "title", "Old", long_title),
    ))
    text = render_markdown(replace(base, changes=(change,), order=((change.address,),)))
    assert '| + | `metadata.annotations["learnops.io/prevent-destroy"]` |  | `"true"` |' in text
    assert f'`"{long_title}"`' in text and "…" not in text


def test_warnings_are_folded_with_a_count_per_code_before_the_changes() -> None:
    warnings = tuple(Problem("LO711" if n % 6 else "LO710", f"warning number {n}",
                             f"specs/audiences.yaml:{n + 1}:1") for n in range(60))
    text = render_markdown(replace(rich_plan(), warnings=warnings))
    assert "<summary><b>Warnings</b> (60: LO710 × 10, LO711 × 50)</summary>" in text
    folded = text.split("<summary><b>Warnings</b>", 1)[1].split("</details>", 1)[0]
    assert folded.count("\n- `specs/audiences.yaml:") == 50
    assert ("- … and 10 more: the full plan (JSON) is the CI run's `learnops-plan` artifact"
            in folded)
    # the first change comes right after the one folded block, not after 60 bullets
    assert text.index("</details>") < text.index("#### LearningObject")


def test_changes_are_grouped_by_kind_and_read_from_one_location_base() -> None:
    plan = rich_plan()
    assignment = next(c for c in plan.changes if c.address.kind == "Assignment")
    # apply order may interleave kinds (an assignment before an object)
    text = render_markdown(replace(plan, changes=(assignment, *plan.changes)))
    headings = [line for line in text.splitlines() if line.startswith("#### ")]
    assert headings == ["#### LearningObject (1 create)", "#### Audience (1 adopt)",
                        "#### CertificationPlan (1 update)",
                        "#### Assignment (2 update, 1 inactivate)"]
    assignments = text.split("#### Assignment", 1)[1]
    assert assignments.count("<b>Assignment/hipaa-2027-clinical</b>") == 2
    places = [line.split("`")[1] for line in text.splitlines() if line.startswith("Defined at")]
    assert places and all(place.startswith("specs/") for place in places)


def test_a_plan_of_ten_thousand_changes_fits_a_comment_and_says_where_the_rest_is() -> None:
    plan = huge_plan(10_000)
    warnings = tuple(Problem("LO711", f"w{n}", f"specs/a.yaml:{n}:1") for n in range(500))
    text = render_markdown(replace(plan, warnings=warnings))
    assert len(text) < 65_536
    assert text.rstrip().endswith("locally: `learnops plan --output json`.")
    assert "more changes: the full plan (JSON)" in text

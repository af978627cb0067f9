"""The PR comment: summary table, impact, collapsible changes, always under the cap."""

from __future__ import annotations

from dataclasses import replace

from reconciler.model import Address
from reconciler.plan.model import FieldDiff, Plan
from reconciler.render.markdown import LIMIT, render_markdown

from .sample import rich_plan


def test_summary_table_impact_and_one_details_section_per_change() -> None:
    text = render_markdown(rich_plan())
    assert "| create | 1 |" in text and "| no-op | 1 |" in text
    assert (
        "**Learner impact:** 37 added, 8 removed by assignment changes; "
        "16 learners in progress affected" in text
    )
    assert text.count("<details>") == 5 and text.count("</details>") == 5
    assert (
        "<summary><code>~ update</code> <b>Assignment/hipaa-2027-clinical</b> — spec changed"
        in text
    )
    assert "| ~ | `due` | `\"30d\"` | `\"45d\"` |" in text
    assert "Learners added e.g. E1001, E1002; removed e.g. E1077." in text
    assert "privacy-101" not in text


def test_pipes_in_values_do_not_break_the_table() -> None:
    text = render_markdown(rich_plan())
    assert '| - | `title` | `"a \\| b"` |  |' in text


def test_errors_and_disruptive_changes_stand_out() -> None:
    text = render_markdown(rich_plan(errors=True))
    assert "**Errors** (1):" in text
    assert "⛔ refused: moving learners in progress needs --allow-disruptive" in text
    assert "**1 disruptive change(s)**" in text


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
    assert "<details>" not in text


def test_a_huge_plan_is_cut_to_the_cap_and_counts_what_it_left_out() -> None:
    text = render_markdown(huge_plan(5000))
    assert len(text) <= LIMIT
    assert "more changes (see `--output json`)" in text
    assert "assignment-00000" in text and "assignment-04999" not in text


def test_a_small_plan_is_not_summarised() -> None:
    plan = rich_plan()
    assert render_markdown(plan) == render_markdown(plan, limit=10**6)

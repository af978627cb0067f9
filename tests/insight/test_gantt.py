"""The mermaid gantt of a plan: valid syntax, bars, milestones and after_step windows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.compiler import compile_dir
from reconciler.insight.gantt import gantt, plan_gantt
from reconciler.insight.programs import Programs

from .gantt_syntax import Task, parse_gantt
from .insight_kit import plan, state_of

ROOT = Path(__file__).resolve().parents[2]
START = date(2027, 1, 4)


@pytest.mark.parametrize("name", sorted(Programs.of(compile_dir(ROOT / "specs").state).plans))
def test_every_plan_of_the_example_specs_is_a_valid_gantt(name: str) -> None:
    spec = Programs.of(compile_dir(ROOT / "specs").state).plans[name]
    tasks = parse_gantt(gantt(spec, START, name))
    assert {task.section for task in tasks} == {str(step["name"]) for step in spec["steps"]}


def test_the_golden_charts_are_valid_gantts() -> None:
    charts = sorted((ROOT / "tests" / "golden").glob("preview-*.mmd"))
    assert charts, "the CLI preview tests keep golden charts"
    for chart in charts:
        assert parse_gantt(chart.read_text(encoding="utf-8")), chart


def test_bars_milestones_and_the_latest_release_of_a_chain(tmp_path: Path) -> None:
    state = state_of(tmp_path, plan("chain", """  title: "Chain: part #1; with care"
  steps:
    - {name: first, items: [intro, deep-dive], due: 10d}
    - {name: second, items: [quiz], release: {after_step: first, delay: 2d}, due: 5d}
    - {name: third, items: [intro], release: {date: 2027-03-01}}
"""))
    text = plan_gantt("chain", state, START)
    assert text.splitlines()[1] == "    title chain - Chain part 1 with care"
    assert parse_gantt(text) == [
        Task("first", "intro, deep-dive", "s1", START, 10, False),
        Task("second", "quiz", "s2", date(2027, 1, 6), 5, False),
        Task("second", "latest, if first is completed on its due date", "s2_latest",
             date(2027, 1, 16), 5, False),
        Task("third", "intro", "s3", date(2027, 3, 1), 0, True),
    ]


def test_an_unbounded_chain_is_drawn_at_its_earliest_with_a_comment(tmp_path: Path) -> None:
    state = state_of(tmp_path, plan("open", """  title: Open
  steps:
    - {name: first, items: [intro]}
    - {name: second, items: [quiz], release: {after_step: first}, due: 5d}
"""))
    text = plan_gantt("open", state, START)
    assert "    %% no latest release: first has no due date" in text
    assert [(t.task_id, t.start, t.milestone) for t in parse_gantt(text)] == [
        ("s1", START, True), ("s2", START, False)]


@pytest.mark.parametrize("bad", [
    "gantt\n    dateFormat YYYY-MM-DD\n    section a\n    x: y :s1, 2027-01-04, 3d\n",
    "gantt\n    dateFormat YYYY-MM-DD\n    section a\n    x :s1, 2027-02-30, 3d\n",
    "gantt\n    dateFormat YYYY-MM-DD\n    section a\n    x :milestone, s1, 2027-01-04, 3d\n",
    "gantt\n    section a\n    x :s1, 2027-01-04, 3d\n",
    "gantt\n    dateFormat YYYY-MM-DD\n    section a\n    x :s1, 2027-01-04, 3d\n"
    "    y :s1, 2027-01-04, 3d\n",
])
def test_the_checker_rejects_what_mermaid_would_not_read(bad: str) -> None:
    with pytest.raises((AssertionError, ValueError)):
        parse_gantt(bad)

"""Issue 10, items 1-3: live plan edits, one apply with a plan edit and an audience
change, and removing an assignment whose audience is inline; end to end through the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fidelity.project import Project, user_row

EVERYONE = ["E1", "E2", "E3"]


def obj(title: str) -> dict[str, Any]:
    return {"title": title, "type": "course"}


def steps(*names: str) -> list[dict[str, Any]]:
    """One object a step; every step after the first releases a week after enrollment."""
    return [
        {"name": name, "items": [f"o-{name}"],
         "release": {"at": "enrollment"} if index == 0 else {"offset": "7d"}}
        for index, name in enumerate(names)
    ]


@pytest.fixture
def program(tmp_path: Path) -> Project:
    """Plan p (steps a, b) for E1-E3 through a named audience; E1 is in progress."""
    project = Project(tmp_path / "repo", "".join(user_row(u) for u in [*EVERYONE, "E4"]))
    for name in "abcdz":
        project.put("LearningObject", f"o-{name}", obj(name))
    project.put("CertificationPlan", "p", {"title": "P", "steps": steps("a", "b")})
    project.put("Audience", "crew", {"users": EVERYONE})
    project.put("Assignment", "give-p", {"items": [{"plan": "p"}], "audience": "crew"})
    assert project.apply().code == 0
    with project.platform() as engine:
        engine.record_completion("E1", "o-a", completed_on=date.today(), actor="E1")
    return project


def version_of(project: Project, learner: str) -> int | None:
    entry = project.enrollment(learner, {"plan": "p"})
    return None if entry is None else int(entry["version"])


def current_version(project: Project) -> int:
    with project.platform() as engine:
        return int(engine.get_resource("CertificationPlan", "p")["status"]["current_version"])


def test_migrate_after_keep_moves_learners_to_the_newest_version(program: Project) -> None:
    program.put("CertificationPlan", "p", {"title": "P", "steps": steps("a", "b", "c")})
    assert program.apply().code == 0
    assert [version_of(program, u) for u in EVERYONE] == [1, 1, 1]  # keep: as designed

    program.put("CertificationPlan", "p", {"title": "P", "steps": steps("a", "b", "c", "d"),
                                           "in_progress": "migrate"})
    planned = program.plan("--allow-disruptive")
    assert planned.code == 2, planned.err
    assert "move to the new version" in planned.out
    assert program.apply("--allow-disruptive").code == 0

    newest = current_version(program)
    assert newest > 1
    assert [version_of(program, u) for u in EVERYONE] == [newest] * 3
    assert program.plan().code == 0


def test_an_edit_after_a_keep_makes_a_new_version(program: Project) -> None:
    """Versions are history: a version nobody is on is not rewritten either."""
    for count in (3, 4):
        program.put("CertificationPlan", "p",
                    {"title": "P", "steps": steps(*"abcd"[:count])})
        assert program.apply().code == 0
    assert current_version(program) == 3


def test_plan_edit_and_audience_change_in_one_apply(program: Project) -> None:
    """The newly reached learner gets the plan as the commit leaves it, not the
    version the same commit replaces, whatever the write order."""
    program.put("CertificationPlan", "p", {"title": "P", "steps": steps("a", "z")})
    program.put("Audience", "crew", {"users": [*EVERYONE, "E4"]})
    planned = program.plan()
    assert planned.code == 2
    assert "1 learner" in planned.out
    assert program.apply().code == 0

    newest = current_version(program)
    assert newest == 2
    assert version_of(program, "E4") == newest
    assert [version_of(program, u) for u in EVERYONE] == [1, 1, 1]
    with program.platform() as engine:
        view = engine.learner_view("E4", date.today())
    (entry,) = view["enrollments"]
    assert [s["name"] for s in entry["steps"]] == ["a"]  # step z not released yet
    assert program.plan().code == 0


def test_removing_an_assignment_with_an_inline_audience(tmp_path: Path) -> None:
    project = Project(tmp_path / "repo", "".join(user_row(u) for u in EVERYONE))
    project.put("LearningObject", "o-a", obj("a"))
    project.put("Assignment", "front-line",
                {"items": [{"object": "o-a"}], "audience": {"users": ["E1", "E2"]}})
    assert project.apply().code == 0
    with project.platform() as engine:
        engine.record_completion("E1", "o-a", completed_on=date.today(), actor="E1")

    project.drop("Assignment", "front-line")
    planned = project.plan()
    assert planned.code == 2, planned.err  # no --allow-delete asked for
    assert "allow-delete" not in planned.err + planned.out
    applied = project.apply()
    assert applied.code == 0, applied.err
    with project.platform() as engine:
        assignment = engine.get_resource("Assignment", "front-line")
        audience = engine.get_resource("Audience", "front-line-audience")
    assert assignment["status"]["active"] is False
    assert audience["spec"]["users"] == ["E1", "E2"]  # kept: the assignment still names it
    assert project.plan().code == 0
    assert project.apply().code == 0


def test_a_delete_something_still_uses_is_a_plan_time_error(tmp_path: Path) -> None:
    """A named audience removed with the assignment that keeps naming it (inactive):
    the delete could never apply, so the plan says so, located, and exits 1."""
    project = Project(tmp_path / "repo", "".join(user_row(u) for u in EVERYONE))
    project.put("LearningObject", "o-a", obj("a"))
    project.put("Audience", "crew", {"users": ["E1"]})
    project.put("Assignment", "give", {"items": [{"object": "o-a"}], "audience": "crew"})
    assert project.apply().code == 0
    project.drop("Assignment", "give")
    project.drop("Audience", "crew")

    planned = project.plan("--allow-delete")
    assert planned.code == 1
    said = planned.out + planned.err
    assert "Audience/crew: error[LO706]: Audience/crew cannot be deleted: Assignment/give" in said
    assert project.apply("--allow-delete").code == 1
    with project.platform() as engine:
        assert engine.get_resource("Assignment", "give")["status"]["active"] is True


def test_step_edits_read_by_step_name(program: Project) -> None:
    program.put("CertificationPlan", "p", {"title": "P", "steps": steps("a", "b", "c")})
    assert program.apply().code == 0
    edited = steps("a", "z", "c", "b")
    edited[3]["items"] = ["o-d"]
    program.put("CertificationPlan", "p", {"title": "P", "steps": edited})

    text = program.plan().out
    assert "+ step z added" in text
    assert "~ step b moved after c" in text
    assert "~ step b: items +o-d -o-b" in text
    assert "steps[1]" not in text and ".name" not in text
    markdown = program.cli("plan", str(program.root), "--output", "markdown").out
    assert "| + | step z added | | |" in markdown
    assert "| ~ | step b: items +o-d -o-b | | |" in markdown
    document = json.loads(program.cli("plan", str(program.root), "--output", "json").out)
    (change,) = [c for c in document["changes"] if c["address"] == "CertificationPlan/p"]
    assert {(d["op"], d["path"]) for d in change["diff"]} == {
        ("add", "steps.z"), ("change", "steps.b.position"), ("change", "steps.b.items"),
    }

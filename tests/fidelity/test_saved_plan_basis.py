"""Issue 10, item 6: a saved plan goes stale when what it planned against moved
(resources, the directory), not when learners make progress."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fidelity.project import USERS_HEADER, Project, user_row


def saved_plan(tmp_path: Path) -> tuple[Project, Path]:
    project = Project(tmp_path / "repo", user_row("E1") + user_row("E2"))
    project.put("LearningObject", "o-a", {"title": "a", "type": "course"})
    project.put("LearningObject", "o-b", {"title": "b", "type": "course"})
    project.put("Audience", "crew", {"users": ["E1"]})
    project.put("Assignment", "give", {"items": [{"object": "o-a"}], "audience": "crew"})
    assert project.apply().code == 0
    project.put("Audience", "crew", {"users": ["E1", "E2"]})
    saved = tmp_path / "plan.json"
    assert project.cli("plan", str(project.root), "--out", str(saved)).code == 0
    return project, saved


def test_learner_activity_leaves_a_saved_plan_applicable(tmp_path: Path) -> None:
    project, saved = saved_plan(tmp_path)
    with project.platform() as engine:
        engine.record_completion("E1", "o-a", completed_on=date.today(), actor="E1")
        engine.learner_view("E1", date.today())
    applied = project.cli("apply", str(saved))
    assert applied.code == 0, applied.err
    assert project.enrollment("E2", {"object": "o-a"}) is not None
    assert project.plan().code == 0


def test_a_directory_change_makes_a_saved_plan_stale(tmp_path: Path) -> None:
    project, saved = saved_plan(tmp_path)
    with project.platform() as engine:
        engine.import_users_csv(USERS_HEADER + user_row("E2", role="Physician"), actor="hris")
    applied = project.cli("apply", str(saved))
    assert applied.code == 1
    assert "the plan is stale" in applied.err


def test_a_resource_written_by_someone_else_makes_a_saved_plan_stale(tmp_path: Path) -> None:
    project, saved = saved_plan(tmp_path)
    with project.platform() as engine:
        live = engine.get_resource("LearningObject", "o-b")
        engine.put_resource("LearningObject", "o-b",
                            {**live, "spec": {**live["spec"], "title": "B!"}},
                            if_match=live["metadata"]["version"], actor="lms-admin")
    applied = project.cli("apply", str(saved))
    assert applied.code == 1
    assert "the plan is stale" in applied.err

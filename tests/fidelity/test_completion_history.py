"""Issue 10, items 4 and 9: finishing ahead of the schedule, and an inactivated
assignment's history; through the CLI, checked in status, report and learner view."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from reconciler_sandbox.engine import Platform

from fidelity.project import Project, user_row

TODAY = date.today()
RELEASE = TODAY + timedelta(days=7)
FINISHED = ("completed", "certificate_issued")


def program(tmp_path: Path) -> Project:
    """Plan p: step one (o-a) at enrollment, step two (o-b) a week later, with a
    certificate; o-b is also assigned directly, so E1 can do it on day one."""
    project = Project(tmp_path / "repo", user_row("E1") + user_row("E2"))
    for name in ("o-a", "o-b"):
        project.put("LearningObject", name, {"title": name, "type": "course"})
    project.put("CertificationPlan", "p", {
        "title": "P",
        "steps": [{"name": "one", "items": ["o-a"], "release": {"at": "enrollment"}},
                  {"name": "two", "items": ["o-b"], "release": {"offset": "7d"}}],
        "certificate": {"template": "p-cert", "valid_for": "1y"},
        "notify": {"admins": ["admin@x.example"], "on": ["completed"]},
    })
    project.put("Audience", "crew", {"users": ["E1", "E2"]})
    project.put("Assignment", "give-p", {"items": [{"plan": "p"}], "audience": "crew"})
    project.put("Assignment", "give-b", {"items": [{"object": "o-b"}], "audience": "crew"})
    assert project.apply().code == 0
    return project


def report_row(project: Project, engine: Platform, as_of: date) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(engine.enrollments_report_csv(as_of)))
    return next(r for r in rows if r["employee_id"] == "E1" and r["item"] == "p")


def plan_status(project: Project, engine: Platform) -> dict[str, int]:
    status = engine.get_resource("CertificationPlan", "p")["status"]
    return {key: status[key] for key in ("completed", "in_progress", "certified")}


def test_completing_ahead_of_the_schedule_finishes_on_release_day(tmp_path: Path) -> None:
    project = program(tmp_path)
    db = str(project.root / ".learnops" / "sandbox.db")
    for item in ("o-b", "o-a"):
        done = project.cli("sandbox", "complete", "E1", item, "--db", db)
        assert done.code == 0, done.err
    assert "plan" not in done.out  # not finished: step two is not released yet

    with project.platform() as engine:
        view = engine.learner_view("E1", TODAY)
        (entry,) = [e for e in view["enrollments"] if e["item"] == {"plan": "p"}]
        assert entry["status"] == "in_progress"
        assert view["certificates"] == []
        assert report_row(project, engine, TODAY)["status"] == "in_progress"
        assert plan_status(project, engine) == {"completed": 0, "in_progress": 1,
                                                "certified": 0}
        engine.tick()
        assert [e for e in engine.events() if e["kind"] in FINISHED] == []
        assert [n for n in engine.notifications() if n["kind"] in FINISHED] == []

    later = Platform(project.root / ".learnops" / "sandbox.db", today=lambda: RELEASE)
    try:
        later.tick(RELEASE)  # the scheduler's run of release day
        view = later.learner_view("E1", RELEASE)
        (entry,) = [e for e in view["enrollments"] if e["item"] == {"plan": "p"}]
        assert entry["status"] == "completed"
        assert entry["completed_on"] == RELEASE.isoformat()
        assert [c["issued_on"] for c in view["certificates"]] == [RELEASE.isoformat()]
        assert report_row(project, later, RELEASE)["status"] == "completed"
        assert plan_status(project, later) == {"completed": 1, "in_progress": 0,
                                               "certified": 1}
        happened = {(e["kind"], e["on"]) for e in later.events() if e["kind"] in FINISHED}
        assert happened == {(kind, RELEASE.isoformat()) for kind in FINISHED}
        told = {(n["kind"], n["recipient"]) for n in later.notifications()
                if n["kind"] == "completed"}
        assert told == {("completed", "admin@x.example")}
    finally:
        later.close()


def test_an_inactivated_assignment_keeps_its_completions(tmp_path: Path) -> None:
    project = program(tmp_path)
    with project.platform() as engine:
        engine.record_completion("E1", "o-b", completed_on=TODAY, actor="E1")
    project.put("Assignment", "give-b", {"items": [{"object": "o-b"}], "audience": "crew",
                                         "active": False})
    assert project.apply().code == 0
    with project.platform() as engine:
        status = engine.get_resource("Assignment", "give-b")["status"]
    assert status["active"] is False
    assert status["completed"] == 1  # earned before inactivation, still counted
    assert status["inactive"] == 2
    assert status["enrolled"] == 0

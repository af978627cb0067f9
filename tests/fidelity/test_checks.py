"""The harness's comparisons catch what they are there to catch: a plan's word and a
platform that disagree, per learner (tests/fidelity/checks.py). The scenarios in
test_harness.py show they pass when the two agree; these show they fail when not."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reconciler_sandbox import engine, plans

from fidelity.checks import (
    Held,
    Holding,
    Snapshot,
    _lost_in_progress,
    _moved_in_progress,
    _versions,
    item_key,
    plan_and_apply,
    time_passes,
)
from fidelity.harness import run_scenario
from fidelity.project import Project, user_row

P1 = item_key({"plan": "p1"})
O1 = item_key({"object": "o1"})
DAY = date(2026, 1, 1)


def on(version: int, status: str = "in_progress", cycle: int = 1) -> Holding:
    return Holding(version, status, cycle, "2026-01-01")


def plan_document(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"changes": list(changes), "learners": {"added": 0, "removed": 0}}


def plan_update(name: str, **impact: Any) -> dict[str, Any]:
    disruptive = bool(impact.pop("disruptive", False))
    return {"address": f"CertificationPlan/{name}", "action": "update",
            "disruptive": disruptive,
            "impact": {"in_progress": 0, "migrated": False, "new_version": False, **impact}}


def snap(held: Held, newest: int) -> Snapshot:
    return Snapshot(DAY, held, held, {"p1": newest})


def test_a_migrate_chain_moves_learners_from_every_older_version() -> None:
    """v1 and v2 learners (a keep, then a migrate to v3): each must reach v3."""
    before = snap({"E1": {P1: on(1)}, "E2": {P1: on(2, "not_started")}}, 2)
    moved_one = snap({"E1": {P1: on(3)}, "E2": {P1: on(2, "not_started")}}, 3)
    change = plan_update("p1", migrated=True, in_progress=1, disruptive=True)
    found = _versions(plan_document(change), before, moved_one)
    assert found == ['E2 was to move to the new version of {"plan": "p1"}, stayed on 2 '
                     "(not_started)"]
    moved_both = snap({"E1": {P1: on(3)}, "E2": {P1: on(3, "not_started")}}, 3)
    assert _versions(plan_document(change), before, moved_both) == []


def test_versions_of_a_plan_no_change_touched_stay() -> None:
    before = snap({"E1": {P1: on(1)}}, 2)
    after = snap({"E1": {P1: on(2)}}, 2)
    assert _versions(plan_document(), before, after) == [
        'E1 no change of the plan touched version 1 of {"plan": "p1"}, is on 2']


def test_finished_learners_keep_their_version_under_migrate() -> None:
    before = snap({"E1": {P1: on(1, "completed")}}, 1)
    after = snap({"E1": {P1: on(2, "completed")}}, 2)
    change = plan_update("p1", migrated=True)
    assert _versions(plan_document(change), before, after) == [
        'E1 finished, was to keep version 1 of {"plan": "p1"}, is on 2']


def test_learners_moved_in_progress_are_as_many_as_the_plan_says() -> None:
    before = {"E1": {P1: on(1)}, "E2": {P1: on(1)}, "E3": {P1: on(1, "completed")}}
    after = {"E1": {P1: on(2)}, "E2": {P1: on(2)}, "E3": {P1: on(1, "completed")}}
    said_one = plan_update("p1", migrated=True, in_progress=1, disruptive=True)
    assert _moved_in_progress(plan_document(said_one), before, after) == [
        "CertificationPlan/p1: plan says 1 learner(s) in progress move to a new version; "
        "the platform moved ['E1', 'E2']"]
    said_two = plan_update("p1", migrated=True, in_progress=2, disruptive=True)
    assert _moved_in_progress(plan_document(said_two), before, after) == []
    quiet = plan_update("p1", migrated=True, in_progress=2)
    assert _moved_in_progress(plan_document(quiet), before, after) == [
        "CertificationPlan/p1 moved ['E1', 'E2'] in progress, not marked disruptive"]


def test_a_kept_version_moving_anyone_in_progress_is_a_mismatch() -> None:
    before, after = {"E1": {P1: on(1)}}, {"E1": {P1: on(2)}}
    kept = plan_update("p1", new_version=True, in_progress=1)
    assert _moved_in_progress(plan_document(kept), before, after)[0] == (
        "CertificationPlan/p1: plan says 0 learner(s) in progress move to a new version; "
        "the platform moved ['E1']")


def test_an_item_lost_in_progress_needs_a_change_that_says_so() -> None:
    before = {"E1": {O1: on(1)}, "E2": {O1: on(1, "not_started")}}
    after: Held = {"E1": {}, "E2": {}}
    removal = {"address": "Assignment/a1", "action": "inactivate",
               "impact": {"in_progress": 0, "sample_removed": ["E1", "E2"]}}
    assert _lost_in_progress(plan_document(removal), before, after) == [
        'E1 lost {"object": "o1"} while in progress; no change of the plan said learners '
        "in progress are affected"]
    removal["impact"]["in_progress"] = 1
    assert _lost_in_progress(plan_document(removal), before, after) == []
    removal["before"] = {"items": [{"object": "o1"}], "audience": "listed"}
    removal["impact"]["in_progress"] = 0
    assert _lost_in_progress(plan_document(removal), before, after)[-1] == (
        "Assignment/a1: plan says 0 enrollment(s) in progress; "
        "[('E1', '{\"object\": \"o1\"}')] were lost in progress")
    audience = {"address": "Audience/listed", "action": "update",
                "impact": {"learners_removed": 2, "sample_removed": ["E9"],
                           "may_include_in_progress": True}}
    assert _lost_in_progress(plan_document(audience), before, after) == []
    audience["impact"]["may_include_in_progress"] = False
    assert len(_lost_in_progress(plan_document(audience), before, after)) == 1


def test_steps_released_follow_the_learners_own_version(tmp_path: Path) -> None:
    """On a real platform 4 days on: a step 3 days after enrollment is out; told the
    version says 7 days (as if the learner were on another version), the check fails."""
    project = Project(tmp_path / "repo", user_row("E1"))
    for name in ("o1", "o2"):
        project.put("LearningObject", name, {"title": name, "type": "course"})
    plan = {"title": "P", "steps": [
        {"name": "s1", "items": ["o1"], "release": {"at": "enrollment"}},
        {"name": "s2", "items": ["o2"], "release": {"offset": "3d"}}]}
    project.put("CertificationPlan", "p", plan)
    project.put("Assignment", "a", {"items": [{"plan": "p"}], "audience": {"users": ["E1"]}})
    assert plan_and_apply(project, ["E1"], {"a": "immediately"}) == []
    later = copy.deepcopy(plan)
    later["steps"][1]["release"] = {"offset": "7d"}
    assert time_passes(project, ["E1"], 4, {"a": "immediately"}, {"p": {1: plan}}) == []
    [found] = time_passes(project, ["E1"], 0, {"a": "immediately"}, {"p": {1: later}})
    assert "has steps ['s1', 's2'] released" in found and "releases ['s1'] by then" in found


def test_a_whole_scenario_on_a_platform_that_moves_kept_learners_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness end to end (its project, its own handle on the platform between
    CLI runs) against a planted bug: every new plan version takes every learner, kept
    or finished. Seed 4's chain edits a kept plan (rename-step): the harness says
    who was to keep version 1; on the real platform, the same seed passes."""

    def everyone_moves(conn: Any, plan: str, spec: Any, today: date,
                       at: Any) -> tuple[int, list[int]]:
        version, moved = plans.record_plan_spec(conn, plan, spec, today, at)
        taken = [row[0] for row in conn.execute(
            "UPDATE enrollments SET plan_version = ? WHERE item_kind = 'plan'"
            " AND item_name = ? AND state = 'active' AND plan_version < ? RETURNING id",
            (version, plan, version))]
        return version, taken or moved

    assert run_scenario(4, tmp_path / "real", rounds=1).mismatches == ()
    monkeypatch.setattr(engine, "record_plan_spec", everyone_moves)
    outcome = run_scenario(4, tmp_path / "broken", rounds=1)
    assert outcome.edit == "setup > rename-step"
    assert 'rename-step: E5 was to keep version 1 of {"plan": "p1"}, is on 2' in (
        outcome.mismatches)

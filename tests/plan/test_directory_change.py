"""The directory difference: who is added, changed or deactivated, and in which order."""

from __future__ import annotations

from reconciler.plan.directory_change import after_deactivations, user_changes
from reconciler.plan.model import FieldDiff
from reconciler.rules.directory import User


def nurse(employee_id: str, **attributes: str) -> User:
    return User(employee_id, {"job_role": "Nurse", **attributes}, frozenset({"nursing"}))


def test_equal_directories_make_no_change() -> None:
    people = [nurse("E1"), nurse("E2", language="es")]
    assert user_changes(people, list(reversed(people))) == ()


def test_leavers_come_first_then_joiners_and_movers_by_id() -> None:
    platform = [nurse("E1"), nurse("E2"), nurse("E3")]
    source = [nurse("E3", job_role="Physician"), nurse("E1"), nurse("E0")]
    changes = user_changes(source, platform)
    assert [(c.employee_id, c.kind) for c in changes] == [
        ("E2", "deactivated"), ("E0", "added"), ("E3", "changed")]
    assert changes[0].user == User("E2", {"job_role": "Nurse"}, frozenset({"nursing"}), False)
    assert changes[2].diff == (FieldDiff("change", "job_role", "Nurse", "Physician"),)


def test_a_person_missing_from_the_source_who_is_already_inactive_is_left_alone() -> None:
    gone = User("E1", {}, frozenset(), active=False)
    assert user_changes([], [gone]) == ()


def test_group_attribute_and_reactivation_diffs() -> None:
    before = User("E1", {"job_role": "Nurse", "location": "Miami"}, frozenset({"a"}), False)
    after = User("E1", {"job_role": "Nurse", "language": "es"}, frozenset({"a", "b"}), True)
    (change,) = user_changes([after], [before])
    assert change.kind == "changed"  # coming back is a change, not a new hire
    assert change.diff == (
        FieldDiff("add", "language", None, "es"),
        FieldDiff("remove", "location", "Miami", None),
        FieldDiff("change", "groups", ["a"], ["a", "b"]),
        FieldDiff("change", "active", False, True),
    )


def test_marked_inactive_in_the_source_is_a_deactivation() -> None:
    (change,) = user_changes([User("E1", {}, frozenset(), False)], [User("E1")])
    assert change.kind == "deactivated"


def test_resource_changes_are_planned_without_the_leavers() -> None:
    platform = [nurse("E1"), nurse("E2")]
    changes = user_changes([nurse("E1"), nurse("E9")], platform)
    middle = {user.employee_id: user.active for user in after_deactivations(platform, changes)}
    assert middle == {"E1": True, "E2": False}  # the new hire E9 is not there yet


def test_the_planner_takes_a_directory_snapshot_and_plans_its_impact() -> None:
    # The path a generic harness takes: plan_state with a snapshot, no CLI, no files.
    from reconciler.directory import snapshot
    from reconciler.plan.planner import PlanOptions, plan_state
    from tests.plan.builders import (
        Users,
        assignment,
        audience,
        desired,
        kind_generations,
        live,
        lo,
        state,
    )

    nurses = audience(where={"job_role": ["Nurse"]})
    give = assignment("nurses", ("object", "hygiene"))
    wanted = [desired("LearningObject", "hygiene", lo("hygiene")),
              desired("Audience", "nurses", nurses),
              desired("Assignment", "hygiene-nurses", give)]
    on_platform = [live("LearningObject", "hygiene", lo("hygiene")),
                   live("Audience", "nurses", nurses),
                   live("Assignment", "hygiene-nurses", give, status={"in_progress": 1})]
    platform = [nurse("E1"), nurse("E2")]
    source = snapshot("csv users.csv", [nurse("E1"), nurse("E3"), nurse("E2", job_role="Clerk")])
    plan = plan_state(state(*wanted), kind_generations(wanted), on_platform, Users(platform),
                      target_provider="sandbox", state_version=1,
                      options=PlanOptions(source_dir="specs"), source=source)
    assert plan.has_changes and not any(c.is_change for c in plan.changes)
    assert plan.directory is not None and plan.directory.digest == source.digest
    assert [(c.employee_id, c.kind) for c in plan.directory.changes] == [
        ("E2", "changed"), ("E3", "added")]
    ((name, impact),) = plan.directory.impact
    assert name == "hygiene-nurses"
    assert (impact.learners_added, impact.learners_removed) == (1, 1)
    assert impact.sample_added == ("E3",) and impact.sample_removed == ("E2",)
    assert impact.items_gained == (("hygiene", 1),) and impact.may_include_in_progress

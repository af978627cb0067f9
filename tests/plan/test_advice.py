"""Plan-time warnings on who is reached: overlapping assignments, unknown attributes."""

from __future__ import annotations

from reconciler.plan.model import Plan, Problem

from .builders import Users, assignment, audience, desired, live, make_plan, people

A = "Assignment"
NURSES = audience(where={"job_role": "Nurse"})
EVERYONE = audience()


def directory() -> Users:
    return Users([*people("E1", "E2", job_role="Nurse"), *people("E3", job_role="Physician")])


def warnings(plan: Plan, code: str) -> list[Problem]:
    return [w for w in plan.warnings if w.code == code]


def test_a_new_assignment_overlapping_another_on_the_same_item_is_a_warning() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
         desired(A, "all-hipaa", assignment("everyone", ("plan", "hipaa")), line=9)],
        [live("Audience", "nurses", NURSES), live("Audience", "everyone", EVERYONE),
         live(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa")))],
        users=directory(),
    )
    [found] = warnings(plan, "LO710")
    assert found.where == "specs/assignments.yaml:9:1"
    assert "plan hipaa is handed out by several active assignments (all-hipaa, nurses-hipaa)" \
        in found.message
    assert "2 learner(s) are in more than one" in found.message


def test_an_overlap_nobody_changes_or_nobody_is_in_is_not_news() -> None:
    standing = [
        desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
        desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
        desired(A, "all-hipaa", assignment("everyone", ("plan", "hipaa"))),
    ]
    on_platform = [live(r.kind, r.name, r.spec) for r in standing]
    unchanged = make_plan(standing, on_platform, users=directory())
    assert warnings(unchanged, "LO710") == []
    physicians = audience(where={"job_role": "Physician"})
    disjoint = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "physicians", physicians),
         desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
         desired(A, "doctors-hipaa", assignment("physicians", ("plan", "hipaa")))],
        users=directory(),
    )
    assert warnings(disjoint, "LO710") == []


def test_a_where_on_an_attribute_nobody_has_is_a_warning_with_a_guess() -> None:
    typo = audience(where={"jobrole": "Nurse"})
    plan = make_plan(
        [desired("Audience", "nurses", typo, line=4),
         desired(A, "hipaa", assignment("nurses", ("plan", "hipaa")))],
        users=directory(),
    )
    [found] = warnings(plan, "LO711")
    assert found.where == "specs/audiences.yaml:4:1"
    assert "no user in the directory has the attribute 'jobrole'" in found.message
    assert found.message.endswith("did you mean 'job_role'?")
    assert plan.ok  # a warning, not an error


def test_a_plan_that_touches_no_audience_or_assignment_never_reads_the_directory() -> None:
    users = directory()
    make_plan([desired("LearningObject", "x", {"title": "X", "type": "course"})], users=users)
    assert users.calls == 0

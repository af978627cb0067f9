"""Learner impact, the cases a training team reads in a plan and mutation testing found
unchecked: status counts of every kind, inactive and reactivated assignments, audiences
moved, deleted, included two levels deep or through includes the plan adds."""

from __future__ import annotations

from reconciler.model import Address
from reconciler.plan.model import Impact, Plan
from reconciler.rules.directory import User

from .builders import (
    Users,
    assignment,
    audience,
    cert_plan,
    desired,
    live,
    lo,
    make_plan,
    people,
)

A = "Assignment"
NURSES = audience(where={"job_role": "Nurse"})
EVERYONE = audience()
HIPAA = assignment("nurses", ("plan", "hipaa"))


def staff() -> Users:
    return Users([
        *people("E1", "E2", "E3", job_role="Nurse"),
        *people("E4", "E5", job_role="Physician"),
        User("E6", {"job_role": "Nurse"}, active=False),
    ])


def impact_of(plan: Plan, kind: str, name: str) -> Impact:
    return plan.by_address()[Address(kind, name)].impact


def test_a_learning_object_change_reports_its_enrolled_and_in_progress_learners() -> None:
    plan = make_plan(
        [desired("LearningObject", "privacy", lo("privacy", title="Privacy, revised"))],
        [live("LearningObject", "privacy", lo("privacy"),
              status={"enrolled": 7, "in_progress": 2, "learners": 6})],
    )
    impact = impact_of(plan, "LearningObject", "privacy")
    assert (impact.enrolled, impact.in_progress, impact.learners) == (7, 2, 6)
    assert (impact.new_version, impact.migrated) == (False, False)  # only plans have versions


def test_reactivating_an_inactive_assignment_shows_its_learners_gaining_the_item() -> None:
    inactive = {**HIPAA, "active": False}
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired(A, "hipaa", HIPAA)],
        [live("Audience", "nurses", NURSES), live(A, "hipaa", inactive)],
        users=staff(),
    )
    impact = impact_of(plan, A, "hipaa")
    assert impact.learners_added == 3 and impact.items_gained == (("hipaa", 3),)
    assert impact.newly_reached == 3


def test_an_assignment_the_platform_reports_inactive_gives_nothing_before_the_plan() -> None:
    # The spec says active, the platform's status says it is not (inactivated there).
    plan = make_plan(
        [desired("Audience", "nurses", NURSES),
         desired(A, "hipaa", HIPAA),
         desired(A, "hipaa-too", assignment("nurses", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES),
         live(A, "hipaa", HIPAA, status={"active": False})],
        users=staff(),
    )
    # hipaa gave nothing before, so the new hipaa-too gives the item to every nurse.
    assert impact_of(plan, A, "hipaa-too").learners_added == 3


def test_an_assignment_the_platform_reports_active_still_gives_its_item() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES),
         desired(A, "hipaa", HIPAA),
         desired(A, "hipaa-too", assignment("nurses", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES),
         live(A, "hipaa", HIPAA, status={"active": True, "enrolled": 3})],
        users=staff(),
    )
    assert impact_of(plan, A, "hipaa-too").learners_added == 0


def test_deleting_an_assignment_takes_the_item_from_its_learners() -> None:
    doomed = {**HIPAA, "on_remove": "delete"}
    plan = make_plan(
        [desired("Audience", "nurses", NURSES)],
        [live("Audience", "nurses", NURSES), live(A, "hipaa", doomed, status={"enrolled": 3})],
        users=staff(), allow_delete=True,
    )
    change = plan.by_address()[Address(A, "hipaa")]
    assert change.action == "delete"
    assert change.impact.learners_removed == 3
    assert change.impact.items_lost == (("hipaa", 3),)
    assert change.impact.no_longer_reached == 3


def test_moving_an_assignment_to_a_smaller_audience_counts_who_is_no_longer_reached() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "hipaa", assignment("nurses", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES), live("Audience", "everyone", EVERYONE),
         live(A, "hipaa", assignment("everyone", ("plan", "hipaa")))],
        users=staff(),
    )
    impact = impact_of(plan, A, "hipaa")
    assert (impact.newly_reached, impact.no_longer_reached) == (0, 2)
    assert impact.learners_removed == 2 and impact.sample_removed == ("E4", "E5")


def test_an_assignment_losing_several_items_lists_each_of_them() -> None:
    three = assignment("nurses", ("plan", "hipaa"), ("object", "privacy"),
                       ("object", "fire-safety"))
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired(A, "hipaa", HIPAA)],
        [live("Audience", "nurses", NURSES), live(A, "hipaa", three)],
        users=staff(),
    )
    impact = impact_of(plan, A, "hipaa")
    assert sorted(impact.items_lost) == [("fire-safety", 3), ("privacy", 3)]
    assert impact.items_gained == ()
    assert impact.learners_removed == 3


def test_deleting_an_audience_shows_everyone_leaving_it() -> None:
    plan = make_plan([], [live("Audience", "nurses", NURSES)], users=staff(), allow_delete=True)
    change = plan.by_address()[Address("Audience", "nurses")]
    assert change.action == "delete"
    assert (change.impact.no_longer_reached, change.impact.newly_reached) == (3, 0)
    assert change.impact.sample_removed == ("E1", "E2", "E3")


def test_an_audience_change_reaches_assignments_through_two_levels_of_include() -> None:
    # hipaa targets "clinical", which includes "care", which includes "nurses".
    clinical = audience(include=["care"])
    care = audience(include=["nurses"])
    wider = audience(where={"job_role": ["Nurse", "Physician"]})
    plan = make_plan(
        [desired("Audience", "nurses", wider), desired("Audience", "care", care),
         desired("Audience", "clinical", clinical),
         desired(A, "hipaa", assignment("clinical", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES), live("Audience", "care", care),
         live("Audience", "clinical", clinical),
         live(A, "hipaa", assignment("clinical", ("plan", "hipaa")))],
        users=staff(),
    )
    impact = impact_of(plan, "Audience", "nurses")
    assert impact.items_gained == (("hipaa", 2),)
    assert impact.learners_added == 2


def test_an_audience_change_reaches_assignments_of_audiences_excluding_it() -> None:
    # "staff" is everyone but "outsiders"; moving the physicians into outsiders takes
    # hipaa from them through the assignment on staff.
    staff_spec = audience(exclude=["outsiders"])
    plan = make_plan(
        [desired("Audience", "outsiders", audience(where={"job_role": "Physician"})),
         desired("Audience", "staff", staff_spec),
         desired(A, "hipaa", assignment("staff", ("plan", "hipaa")))],
        [live("Audience", "outsiders", audience(users=["nobody"])),
         live("Audience", "staff", staff_spec),
         live(A, "hipaa", assignment("staff", ("plan", "hipaa")),
              status={"in_progress": 1})],
        users=staff(),
    )
    impact = impact_of(plan, "Audience", "outsiders")
    assert impact.items_lost == (("hipaa", 2),)
    assert impact.learners_removed == 2
    assert impact.may_include_in_progress is True


def test_an_include_the_plan_adds_is_followed_to_the_assignments_it_feeds() -> None:
    # The plan makes "wards" include "nurses" and widens "nurses"; the assignment on
    # wards gains the physicians through the include that did not exist before.
    wider = audience(where={"job_role": ["Nurse", "Physician"]})
    plan = make_plan(
        [desired("Audience", "nurses", wider),
         desired("Audience", "wards", audience(include=["nurses"])),
         desired(A, "hipaa", assignment("wards", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES),
         live("Audience", "wards", audience(users=["E1"])),
         live(A, "hipaa", assignment("wards", ("plan", "hipaa")))],
        users=staff(),
    )
    # Each change's impact is its own (issue 10, item 7): both audiences feed the
    # assignment and say what it gains; the plan counts the four people once.
    assert impact_of(plan, "Audience", "nurses").items_gained == (("hipaa", 4),)
    assert impact_of(plan, "Audience", "wards").items_gained == (("hipaa", 4),)
    assert plan.learners_added == 4


def test_one_item_gained_through_two_assignments_of_an_audience_counts_both() -> None:
    # Both assignments are fed by "base"; each gives hipaa to different people.
    base = audience(users=["E1"])
    nurse_part = audience(include=["base"], where={"job_role": "Nurse"})
    physician_part = audience(include=["base"], where={"job_role": "Physician"})
    on_platform = [
        live("Audience", "base", base),
        live("Audience", "nurse-part", nurse_part),
        live("Audience", "physician-part", physician_part),
        live(A, "hipaa-n", assignment("nurse-part", ("plan", "hipaa"))),
        live(A, "hipaa-p", assignment("physician-part", ("plan", "hipaa"))),
    ]
    plan = make_plan(
        [desired("Audience", "base", audience(users=["E1", "E2", "E4", "E5"])),
         *(desired(r.address.kind, r.address.name, r.spec) for r in on_platform[1:])],
        on_platform,
        users=staff(),
    )
    impact = impact_of(plan, "Audience", "base")
    assert impact.items_gained == (("hipaa", 3),)  # E2 through hipaa-n, E4 and E5 hipaa-p
    assert impact.learners_added == 3


def test_no_in_progress_warning_when_nobody_is_in_progress() -> None:
    hipaa = assignment("staff", ("plan", "hipaa"))
    plan = make_plan(
        [desired("Audience", "staff", NURSES), desired(A, "hipaa", hipaa)],
        [live("Audience", "staff", EVERYONE),
         live(A, "hipaa", hipaa, status={"enrolled": 5, "in_progress": 0})],
        users=staff(),
    )
    impact = impact_of(plan, "Audience", "staff")
    assert impact.learners_removed == 2
    assert impact.may_include_in_progress is False


def test_an_audience_change_and_the_removal_of_its_assignment_in_one_plan() -> None:
    hipaa = assignment("staff", ("plan", "hipaa"))
    plan = make_plan(
        [desired("Audience", "staff", NURSES)],
        [live("Audience", "staff", EVERYONE), live(A, "hipaa", hipaa)],
        users=staff(),
    )
    by = plan.by_address()
    assert by[Address(A, "hipaa")].action == "inactivate"
    assert by[Address(A, "hipaa")].impact.learners_removed == 5
    audience_change = by[Address("Audience", "staff")].impact
    assert audience_change.no_longer_reached == 2
    assert audience_change.learners_removed == 0  # the inactivation has the credit


def test_plan_versions_only_for_spec_changes_of_a_certification_plan() -> None:
    old = cert_plan("privacy", "hipaa-quiz")
    status = {"enrolled": 4, "in_progress": 1, "learners": 4}
    relabelled = make_plan(
        [desired("CertificationPlan", "hipaa", old, labels={"team": "compliance"})],
        [live("CertificationPlan", "hipaa", old, status=status)],
    )
    change = relabelled.by_address()[Address("CertificationPlan", "hipaa")]
    assert change.action == "update"
    assert (change.impact.new_version, change.impact.migrated) == (False, False)
    assert (change.impact.enrolled, change.impact.in_progress, change.impact.learners) == (
        4, 1, 4)

    edited = make_plan(
        [desired("CertificationPlan", "hipaa", {**old, "title": "HIPAA, 2027"})],
        [live("CertificationPlan", "hipaa", old, status=status)],
    )
    impact = edited.changes[0].impact
    assert (impact.new_version, impact.migrated, impact.learners) == (True, False, 4)


def test_adopting_a_plan_that_differs_makes_a_new_version() -> None:
    old = cert_plan("privacy", "hipaa-quiz")
    plan = make_plan(
        [desired("CertificationPlan", "hipaa", {**old, "title": "Ours now"},
                 annotations={"learnops.io/adopt": "true"})],
        [live("CertificationPlan", "hipaa", old, managed=False, status={"in_progress": 2})],
    )
    change = plan.changes[0]
    assert change.action == "adopt"
    assert (change.impact.new_version, change.impact.in_progress) == (True, 2)


def test_one_item_lost_through_two_assignments_of_an_audience_counts_both() -> None:
    base = audience(users=["E1", "E2", "E4", "E5"])
    nurse_part = audience(include=["base"], where={"job_role": "Nurse"})
    physician_part = audience(include=["base"], where={"job_role": "Physician"})
    on_platform = [
        live("Audience", "base", base),
        live("Audience", "nurse-part", nurse_part),
        live("Audience", "physician-part", physician_part),
        live(A, "hipaa-n", assignment("nurse-part", ("plan", "hipaa"))),
        live(A, "hipaa-p", assignment("physician-part", ("plan", "hipaa"))),
    ]
    plan = make_plan(
        [desired("Audience", "base", audience(users=["E1"])),
         *(desired(r.address.kind, r.address.name, r.spec) for r in on_platform[1:])],
        on_platform,
        users=staff(),
    )
    impact = impact_of(plan, "Audience", "base")
    assert impact.items_lost == (("hipaa", 3),)  # E2 through hipaa-n, E4 and E5 hipaa-p
    assert impact.learners_removed == 3

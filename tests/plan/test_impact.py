"""Learner impact: who gains or loses an item, deduplicated across assignments."""

from __future__ import annotations

from reconciler.model import Address
from reconciler.providers import LiveResource
from reconciler.rules.directory import User

from .builders import Users, assignment, audience, cert_plan, desired, live, make_plan, people

A = "Assignment"
NURSES = audience(where={"job_role": "Nurse"})
EVERYONE = audience()


def directory() -> Users:
    return Users([
        *people("E1", "E2", "E3", job_role="Nurse"),
        *people("E4", "E5", job_role="Physician"),
        User("E6", {"job_role": "Nurse"}, active=False),
    ])


def test_a_new_assignment_adds_its_audience_minus_inactive_users() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES),
         desired(A, "hipaa", assignment("nurses", ("plan", "hipaa")))],
        [live("Audience", "nurses", NURSES)],
        users=directory(),
    )
    impact = plan.by_address()[Address(A, "hipaa")].impact
    assert (impact.learners_added, impact.learners_removed) == (3, 0)
    assert impact.sample_added == ("E1", "E2", "E3")


def test_learners_already_given_the_item_by_another_assignment_are_not_added() -> None:
    on_platform = [
        live("Audience", "nurses", NURSES),
        live("Audience", "everyone", EVERYONE),
        live(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
    ]
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
         desired(A, "all-hipaa", assignment("everyone", ("plan", "hipaa")))],
        on_platform,
        users=directory(),
    )
    impact = plan.by_address()[Address(A, "all-hipaa")].impact
    assert impact.learners_added == 2 and impact.sample_added == ("E4", "E5")


def test_overlapping_new_assignments_each_say_their_own_and_the_plan_counts_people() -> None:
    """Issue 10, item 7: another change reaching the same people does not make a
    change's impact smaller; the plan's total counts each person once."""
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "a-first", assignment("nurses", ("plan", "hipaa"))),
         desired(A, "b-second", assignment("everyone", ("plan", "hipaa")))],
        users=directory(),
    )
    by = plan.by_address()
    first, second = by[Address(A, "a-first")].impact, by[Address(A, "b-second")].impact
    assert (first.learners_added, second.learners_added) == (3, 5)
    assert plan.learners_added == 5


def test_removing_an_assignment_removes_only_learners_no_one_else_still_reaches() -> None:
    on_platform = [
        live("Audience", "nurses", NURSES),
        live("Audience", "everyone", EVERYONE),
        live(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
        live(A, "all-hipaa", assignment("everyone", ("plan", "hipaa")), status={
            "enrolled": 5, "in_progress": 2}),
    ]
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa")))],
        on_platform,
        users=directory(),
    )
    change = plan.by_address()[Address(A, "all-hipaa")]
    assert change.action == "inactivate"
    assert change.impact.learners_removed == 2 and change.impact.sample_removed == ("E4", "E5")
    assert (change.impact.enrolled, change.impact.in_progress) == (5, 2)


def test_narrowing_an_audience_shows_who_leaves_it() -> None:
    plan = make_plan(
        [desired("Audience", "staff", audience(where={"job_role": "Physician"}))],
        [live("Audience", "staff", EVERYONE)],
        users=directory(),
    )
    impact = plan.changes[0].impact
    # No assignment targets it: people leave the audience but lose no item.
    assert (impact.newly_reached, impact.no_longer_reached) == (0, 3)
    assert (impact.learners_added, impact.learners_removed) == (0, 0)
    assert impact.sample_removed == ("E1", "E2", "E3")


def test_narrowing_an_assigned_audience_says_who_loses_the_item_and_who_may_be_in_progress(
) -> None:
    hipaa = assignment("staff", ("plan", "hipaa"))
    plan = make_plan(
        [desired("Audience", "staff", audience(where={"job_role": {"not": ["Nurse"]}})),
         desired(A, "hipaa", hipaa)],
        [live("Audience", "staff", EVERYONE),
         live(A, "hipaa", hipaa, status={"enrolled": 5, "learners": 5, "in_progress": 1})],
        users=directory(),
    )
    by = plan.by_address()
    assert by[Address(A, "hipaa")].action == "no-op"
    impact = by[Address("Audience", "staff")].impact
    assert impact.items_lost == (("hipaa", 3),)
    assert (impact.learners_added, impact.learners_removed) == (0, 3)
    assert impact.may_include_in_progress and impact.in_progress == 0


def test_an_audience_change_reaches_assignments_through_audiences_that_include_it() -> None:
    hipaa = assignment("everyone-else", ("plan", "hipaa"))
    wider = audience(include=["physicians"])
    plan = make_plan(
        [desired("Audience", "physicians", audience(where={"job_role": ["Physician", "Nurse"]})),
         desired("Audience", "everyone-else", wider), desired(A, "hipaa", hipaa)],
        [live("Audience", "physicians", audience(where={"job_role": "Physician"})),
         live("Audience", "everyone-else", wider), live(A, "hipaa", hipaa)],
        users=directory(),
    )
    impact = plan.by_address()[Address("Audience", "physicians")].impact
    assert impact.items_gained == (("hipaa", 3),) and impact.learners_added == 3
    assert not impact.may_include_in_progress


def test_learners_still_given_the_item_by_another_assignment_lose_nothing() -> None:
    on_platform = [
        live("Audience", "staff", EVERYONE), live("Audience", "nurses", NURSES),
        live(A, "all-hipaa", assignment("staff", ("plan", "hipaa")), status={"in_progress": 2}),
        live(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
    ]
    plan = make_plan(
        [desired("Audience", "staff", audience(where={"job_role": "Physician"})),
         desired("Audience", "nurses", NURSES),
         desired(A, "all-hipaa", assignment("staff", ("plan", "hipaa"))),
         desired(A, "nurses-hipaa", assignment("nurses", ("plan", "hipaa")))],
        on_platform,
        users=directory(),
    )
    impact = plan.by_address()[Address("Audience", "staff")].impact
    assert impact.no_longer_reached == 3  # the nurses leave the audience...
    assert impact.items_lost == () and impact.learners_removed == 0  # ...but keep hipaa
    assert not impact.may_include_in_progress


def test_editing_a_kept_plan_makes_a_new_version_and_is_not_disruptive() -> None:
    old = cert_plan("a", "b")
    new = cert_plan("a", "b", title="Renamed")
    plan = make_plan(
        [desired("CertificationPlan", "hipaa", new)],
        [live("CertificationPlan", "hipaa", old, status={"enrolled": 10, "in_progress": 4})],
    )
    change = plan.changes[0]
    assert change.impact.new_version and not change.impact.migrated
    assert (change.impact.enrolled, change.impact.in_progress) == (10, 4)
    assert not change.disruptive and plan.ok


def test_a_plan_edited_where_the_platform_keeps_no_versions_moves_its_learners() -> None:
    """Kolibri: a step lesson changed is changed for everyone in it, whatever the
    spec's in_progress says; the plan must not promise that learners keep theirs."""
    old = cert_plan("a", "b")
    new = cert_plan("a", "b", title="Renamed")
    on_platform = [live("CertificationPlan", "hipaa", old, status={"in_progress": 4})]
    wanted = [desired("CertificationPlan", "hipaa", new)]

    refused = make_plan(wanted, on_platform, plan_versions=False)
    change = refused.changes[0]
    assert change.impact.migrated and not change.impact.new_version
    assert change.disruptive and not refused.ok
    assert "keeps no plan versions" in refused.errors[0].message
    assert "in_progress: keep" not in refused.errors[0].message  # it could not help
    allowed = make_plan(wanted, on_platform, plan_versions=False, allow_disruptive=True)
    assert allowed.ok and allowed.changes[0].impact.migrated


def test_migrating_learners_in_progress_is_disruptive_and_needs_the_flag() -> None:
    old = cert_plan("a", "b", in_progress="migrate")
    new = cert_plan("a", "b", in_progress="migrate", title="Renamed")
    on_platform = [live("CertificationPlan", "hipaa", old, status={"in_progress": 4})]
    wanted = [desired("CertificationPlan", "hipaa", new)]

    refused = make_plan(wanted, on_platform)
    change = refused.changes[0]
    assert change.impact.migrated and change.disruptive
    assert change.refusal == "disruptive-not-allowed"
    assert "--allow-disruptive" in refused.errors[0].message

    allowed = make_plan(wanted, on_platform, allow_disruptive=True)
    assert allowed.ok and allowed.changes[0].disruptive and allowed.changes[0].refusal is None


def test_migrating_with_nobody_in_progress_is_not_disruptive() -> None:
    old = cert_plan("a", "b", in_progress="migrate")
    new = cert_plan("a", "b", in_progress="migrate", title="Renamed")
    plan = make_plan(
        [desired("CertificationPlan", "hipaa", new)],
        [live("CertificationPlan", "hipaa", old, status={"enrolled": 3, "in_progress": 0})],
    )
    assert plan.ok and not plan.changes[0].disruptive


def test_a_broken_live_audience_does_not_stop_the_plan() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES),
         desired(A, "hipaa", assignment("nurses", ("plan", "hipaa")))],
        [live("Audience", "dangling", audience(include=["gone"]), managed=False),
         live("Audience", "nurses", NURSES)],
        users=directory(),
    )
    assert plan.ok
    assert plan.by_address()[Address(A, "hipaa")].impact.learners_added == 3


def test_a_due_date_change_reports_people_apart_from_their_enrollments() -> None:
    # Two items per learner: 3 people hold 6 enrollments; nobody gains or loses anything.
    spec = assignment("nurses", ("plan", "hipaa"), ("object", "video"))
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired(A, "hipaa", {**spec, "due": "45d"})],
        [live("Audience", "nurses", NURSES),
         live(A, "hipaa", spec, status={"enrolled": 6, "learners": 3, "in_progress": 2})],
        users=directory(),
    )
    impact = plan.by_address()[Address(A, "hipaa")].impact
    assert (impact.learners, impact.enrolled, impact.in_progress) == (3, 6, 2)
    assert (impact.learners_added, impact.learners_removed) == (0, 0)
    assert (impact.newly_reached, impact.no_longer_reached) == (0, 0)
    assert impact.items_gained == () and impact.items_lost == ()


def test_adding_and_removing_items_names_them_with_who_gains_or_loses_each() -> None:
    before = assignment("nurses", ("plan", "hipaa"), ("object", "old-video"))
    after = assignment("nurses", ("plan", "hipaa"), ("object", "video"))
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "e1", audience(users=["E1"])),
         desired(A, "hipaa", after), desired(A, "video-e1", assignment("e1", ("object", "video")))],
        [live("Audience", "nurses", NURSES), live("Audience", "e1", audience(users=["E1"])),
         live(A, "hipaa", before), live(A, "video-e1", assignment("e1", ("object", "video")))],
        users=directory(),
    )
    impact = plan.by_address()[Address(A, "hipaa")].impact
    assert impact.items_gained == (("video", 2),)  # E1 has it from video-e1 already
    assert impact.items_lost == (("old-video", 3),)
    assert (impact.newly_reached, impact.no_longer_reached) == (0, 0)
    assert (impact.learners_added, impact.learners_removed) == (2, 3)


def test_widening_the_audience_shows_who_is_newly_reached() -> None:
    spec = assignment("nurses", ("plan", "hipaa"))
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "hipaa", {**spec, "audience": "everyone"})],
        [live("Audience", "nurses", NURSES), live("Audience", "everyone", EVERYONE),
         live(A, "hipaa", spec)],
        users=directory(),
    )
    impact = plan.by_address()[Address(A, "hipaa")].impact
    assert (impact.newly_reached, impact.no_longer_reached) == (2, 0)
    assert impact.items_gained == (("hipaa", 2),)


def test_people_gaining_items_from_two_assignments_are_counted_once_in_the_plan() -> None:
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "a-plan", assignment("nurses", ("plan", "hipaa"))),
         desired(A, "b-video", assignment("everyone", ("object", "video")))],
        users=directory(),
    )
    by = plan.by_address()
    first, second = by[Address(A, "a-plan")].impact, by[Address(A, "b-video")].impact
    assert first.items_gained == (("hipaa", 3),) and second.items_gained == (("video", 5),)
    # Each change says its own; the plan counts the 5 people who gain something once.
    assert (first.learners_added, second.learners_added) == (3, 5)
    assert plan.learners_added == 5
    assert second.sample_added == ("E1", "E2", "E3", "E4", "E5")  # who gain it through b


def test_a_change_looks_only_at_assignments_sharing_its_items() -> None:
    """Changing one assignment resolves and reads the status of the assignments
    handing out the same items (they decide who gains), not of unrelated ones; what
    the change does is what it always was."""
    from dataclasses import replace

    looked: list[str] = []

    class Watched(dict[str, object]):
        def __init__(self, name: str) -> None:
            super().__init__(active=True, in_progress=0)
            self.name = name

        def get(self, key: str, default: object = None) -> object:
            looked.append(self.name)
            return super().get(key, default)

    def watched(name: str, spec: dict[str, object]) -> LiveResource:
        return replace(live(A, name, spec), status=Watched(name))

    on_platform = [
        live("Audience", "nurses", NURSES), live("Audience", "everyone", EVERYONE),
        watched("nurses-hipaa", assignment("nurses", ("plan", "hipaa"))),
        watched("all-hipaa", assignment("everyone", ("plan", "hipaa"))),
        watched("all-fire", assignment("everyone", ("plan", "fire"))),
    ]
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired("Audience", "everyone", EVERYONE),
         desired(A, "nurses-hipaa", assignment("everyone", ("plan", "hipaa"))),
         desired(A, "all-hipaa", assignment("everyone", ("plan", "hipaa"))),
         desired(A, "all-fire", assignment("everyone", ("plan", "fire")))],
        on_platform, users=directory(),
    )
    impact = plan.by_address()[Address(A, "nurses-hipaa")].impact
    # The physicians join nurses-hipaa's reach but all-hipaa gave them hipaa already.
    assert (impact.newly_reached, impact.learners_added) == (2, 0)
    assert "all-fire" not in looked and {"nurses-hipaa", "all-hipaa"} <= set(looked)


def test_an_assignment_the_platform_says_reaches_more_takes_it_from_those_only_it_reached(
) -> None:
    """A platform that counts whom an assignment reaches (status ``reached``; Kolibri:
    a coach gave its lesson to the whole class) is believed over the audience: putting
    the assignment back to its audience takes the item from those beyond it, and an
    inactive person was never reached; an item the platform says fewer hold
    (``reached_items``: Kolibri hands a plan's steps to the audience's group alone) is
    lost by none of the others."""
    given = assignment("nurses", ("object", "video"), ("plan", "hipaa"))
    beyond = {**given, "audience": {"include": ["nurses"], "users": ["E4", "E6"]}}
    counted = {"reached": ["E1", "E2", "E3", "E4", "E6"],
               "reached_items": {"plan": {"hipaa": ["E1", "E2", "E3"]}}}
    plan = make_plan(
        [desired("Audience", "nurses", NURSES), desired(A, "video", given)],
        [live("Audience", "nurses", NURSES), live(A, "video", beyond, status=counted)],
        users=directory(),
    )
    change = plan.by_address()[Address(A, "video")]
    assert change.action == "update"
    impact = change.impact
    assert (impact.learners_removed, impact.sample_removed) == (1, ("E4",))
    assert (impact.no_longer_reached, impact.newly_reached) == (1, 0)
    assert impact.items_lost == (("video", 1),) and impact.learners_added == 0

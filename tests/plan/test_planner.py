"""Classification: what the planner decides for each resource, and why."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from reconciler.model import ADOPT_ANNOTATION, PREVENT_DESTROY_ANNOTATION, Address
from reconciler.plan.model import FieldDiff
from reconciler.plan.serialize import plan_to_json
from reconciler.schemas import load_schema

from .builders import Users, assignment, audience, cert_plan, desired, live, lo, make_plan, people

LO = "LearningObject"


def test_a_resource_missing_on_the_platform_is_created_with_no_precondition() -> None:
    plan = make_plan([desired(LO, "hipaa-basics", lo("hipaa-basics"))])
    (change,) = plan.changes
    assert (change.action, change.reason) == ("create", "new in code")
    assert change.precondition_version is None
    assert change.after == lo("hipaa-basics") and change.before is None
    assert plan.order == ((Address(LO, "hipaa-basics"),),)
    assert plan.ok and plan.has_changes


def test_an_unchanged_managed_resource_is_a_no_op_and_is_not_written() -> None:
    spec = lo("hipaa-basics")
    plan = make_plan([desired(LO, "hipaa-basics", spec)], [live(LO, "hipaa-basics", spec)])
    (change,) = plan.changes
    assert (change.action, change.reason) == ("no-op", "unchanged")
    assert plan.order == () and not plan.has_changes
    assert plan.summary()["no-op"] == 1


def test_a_platform_that_omits_defaults_and_reorders_sets_does_not_flap() -> None:
    spec = lo("hipaa-basics", languages=["en", "es"])
    stored = {"title": spec["title"], "type": "course", "languages": ["es", "en"], "url": None}
    plan = make_plan(
        [desired(LO, "hipaa-basics", spec)],
        [live(LO, "hipaa-basics", stored, spec_hash=desired(LO, "x", spec).spec_hash)],
    )
    assert plan.changes[0].action == "no-op"


def test_a_spec_edit_is_an_update_showing_exactly_that_field() -> None:
    old = assignment("everyone", ("plan", "hipaa"), due="30d")
    new = assignment("everyone", ("plan", "hipaa"), due="45d")
    plan = make_plan(
        [desired("Assignment", "hipaa-2027", new)],
        [live("Assignment", "hipaa-2027", old, version=7)],
    )
    (change,) = plan.changes
    assert (change.action, change.reason) == ("update", "spec changed")
    assert change.diff == (FieldDiff("change", "due", "30d", "45d"),)
    assert change.precondition_version == 7
    assert change.spec_hash == desired("Assignment", "x", new).spec_hash


def test_a_change_behind_learnops_back_is_drift_showing_what_to_restore() -> None:
    spec = lo("hipaa-basics", duration="45m")
    written = desired(LO, "hipaa-basics", spec)
    tampered = {**spec, "duration": "5m"}
    plan = make_plan([written], [live(LO, "hipaa-basics", tampered, spec_hash=written.spec_hash)])
    (change,) = plan.changes
    assert (change.action, change.reason) == ("update", "drift")
    assert change.diff == (FieldDiff("change", "duration", "5m", "45m"),)


def test_drift_and_a_spec_edit_together_say_both() -> None:
    applied = lo("hipaa-basics", duration="45m")
    tampered = {**applied, "duration": "5m"}
    edited = lo("hipaa-basics", duration="60m")
    plan = make_plan(
        [desired(LO, "hipaa-basics", edited)],
        [live(LO, "hipaa-basics", tampered, spec_hash=desired(LO, "x", applied).spec_hash)],
    )
    assert plan.changes[0].reason == "spec changed and drift"


def test_a_label_only_edit_is_a_metadata_update_under_metadata_paths() -> None:
    spec = lo("hipaa-basics")
    plan = make_plan(
        [desired(LO, "hipaa-basics", spec, labels={"area": "privacy"})],
        [live(LO, "hipaa-basics", spec, labels={"area": "compliance"})],
    )
    (change,) = plan.changes
    assert (change.action, change.reason) == ("update", "metadata changed")
    assert change.diff == (FieldDiff("change", "metadata.labels.area", "compliance", "privacy"),)


def test_an_unmanaged_resource_of_the_same_name_is_a_located_error_saying_how_to_adopt() -> None:
    plan = make_plan(
        [desired(LO, "hipaa-basics", lo("hipaa-basics"), line=12)],
        [live(LO, "hipaa-basics", lo("hipaa-basics"), managed=False)],
    )
    assert not plan.ok and plan.changes == () and plan.order == ()
    (error,) = plan.errors
    assert error.where == "specs/learningobjects.yaml:12:1"
    assert "LearningObject/hipaa-basics" in error.message
    assert ADOPT_ANNOTATION in error.message and "not managed by learnops" in error.message


def test_the_adopt_annotation_turns_the_conflict_into_an_adopt_with_its_diff() -> None:
    on_platform = lo("hipaa-basics", duration="30m")
    wanted = lo("hipaa-basics", duration="45m")
    plan = make_plan(
        [desired(LO, "hipaa-basics", wanted, annotations={ADOPT_ANNOTATION: "true"})],
        [live(LO, "hipaa-basics", on_platform, managed=False, version=2)],
    )
    (change,) = plan.changes
    assert (change.action, change.reason) == ("adopt", "adopt requested")
    assert change.precondition_version == 2
    assert FieldDiff("change", "duration", "30m", "45m") in change.diff
    assert FieldDiff("add", f'metadata.annotations["{ADOPT_ANNOTATION}"]', None, "true") in (
        change.diff
    )
    assert plan.ok


def test_an_existing_object_is_only_checked_to_exist() -> None:
    spec = lo("privacy-101", existing=True)
    present = make_plan(
        [desired(LO, "privacy-101", spec)],
        [live(LO, "privacy-101", lo("privacy-101", title="Other"), managed=False)],
    )
    assert present.ok
    assert (present.changes[0].action, present.changes[0].reason) == ("no-op", "exists")

    missing = make_plan([desired(LO, "privacy-101", spec, line=4)])
    (error,) = missing.errors
    assert error.where == "specs/learningobjects.yaml:4:1"
    assert "existing: true" in error.message and missing.changes == ()


def test_an_assignment_removed_from_code_is_inactivated_at_its_live_version() -> None:
    spec = assignment("everyone", ("object", "hipaa-basics"))
    plan = make_plan([], [live("Assignment", "old", spec, version=9)])
    (change,) = plan.changes
    assert (change.action, change.reason) == ("inactivate", "removed from code")
    assert change.precondition_version == 9 and change.before == spec and change.after is None
    assert plan.ok


def test_a_group_appended_to_an_audience_is_a_member_added_without_an_index() -> None:
    before = audience(groups=["nursing", "pharmacy"], exclude=["contractors"])
    after = audience(groups=["nursing", "pharmacy", "front-desk"])
    plan = make_plan([desired("Audience", "a", after)], [live("Audience", "a", before)])
    assert plan.changes[0].diff == (
        FieldDiff("remove", "exclude", old="contractors"),
        FieldDiff("add", "groups", new="front-desk"),
    )


def test_a_reordered_set_is_no_change_but_reordered_step_items_are() -> None:
    plan = make_plan(
        [desired("Audience", "a", audience(groups=["pharmacy", "nursing"])),
         desired("CertificationPlan", "p", cert_plan("b", "a"))],
        [live("Audience", "a", audience(groups=["nursing", "pharmacy"])),
         live("CertificationPlan", "p", cert_plan("a", "b"))],
    )
    by = plan.by_address()
    assert by[Address("Audience", "a")].action == "no-op"
    # cert_plan puts its first item in step one and the rest in step two; steps are
    # diffed by name, their items as one list each.
    assert by[Address("CertificationPlan", "p")].diff == (
        FieldDiff("change", "steps.first.items", old=["a"], new=["b"]),
        FieldDiff("change", "steps.second.items", old=["b"], new=["a"]),
    )


def test_active_false_in_code_is_an_inactivate_carrying_the_spec_to_write() -> None:
    spec = assignment("everyone", ("object", "hipaa-basics"))
    off = {**spec, "active": False}
    plan = make_plan([desired("Assignment", "a", off, labels={"team": "hr"})],
                     [live("Assignment", "a", spec, version=4, status={"active": True})])
    (change,) = plan.changes
    assert (change.action, change.reason) == ("inactivate", "inactivated in code")
    assert change.after == off and change.precondition_version == 4
    assert dict(change.labels) == {"team": "hr"}
    document = plan_to_json(plan)
    Draft202012Validator(load_schema("plan.schema.json")).validate(document)


def test_active_true_again_is_an_update_saying_re_activated() -> None:
    spec = assignment("everyone", ("object", "hipaa-basics"))
    plan = make_plan([desired("Assignment", "a", spec)],
                     [live("Assignment", "a", {**spec, "active": False})])
    assert (plan.changes[0].action, plan.changes[0].reason) == ("update", "re-activated")


def test_an_inactivated_assignment_stays_a_no_op_on_the_next_plan() -> None:
    spec = assignment("everyone", ("object", "hipaa-basics"), active=False)
    plan = make_plan([], [live("Assignment", "old", spec)])
    assert (plan.changes[0].action, plan.changes[0].reason) == ("no-op", "already inactive")
    assert not plan.has_changes


def test_on_remove_delete_needs_allow_delete() -> None:
    on_platform = [live("Assignment", "old", assignment("x", on_remove="delete"))]
    refused = make_plan([], on_platform)
    assert refused.changes[0].action == "delete"
    assert refused.changes[0].refusal == "delete-not-allowed"
    assert "--allow-delete" in refused.errors[0].message and not refused.ok

    allowed = make_plan([], on_platform, allow_delete=True)
    assert allowed.ok and allowed.changes[0].refusal is None
    assert allowed.order == ((Address("Assignment", "old"),),)


def test_other_kinds_cannot_be_inactivated_so_their_removal_is_a_delete() -> None:
    on_platform = [live(LO, "old-video", lo("old-video"), version=5)]
    refused = make_plan([], on_platform)
    (change,) = refused.changes
    assert (change.action, change.refusal) == ("delete", "delete-not-allowed")
    assert "only assignments can be inactivated" in refused.errors[0].message
    assert refused.order == ()

    allowed = make_plan([], on_platform, allow_delete=True)
    assert allowed.ok and allowed.changes[0].precondition_version == 5
    assert allowed.order == ((Address(LO, "old-video"),),)


def test_prevent_destroy_makes_any_removal_an_error() -> None:
    annotated = live("Assignment", "kept", assignment("x"),
                     annotations={PREVENT_DESTROY_ANNOTATION: "true"})
    plan = make_plan([], [annotated], allow_delete=True)
    assert plan.changes[0].refusal == "prevent-destroy"
    assert plan.errors[0].where == "Assignment/kept"
    assert PREVENT_DESTROY_ANNOTATION in plan.errors[0].message


def test_unmanaged_resources_not_in_the_code_are_left_alone() -> None:
    plan = make_plan([], [live(LO, "theirs", lo("theirs"), managed=False)])
    assert plan.changes == () and plan.ok and not plan.has_changes


def test_writes_follow_the_graph_and_removals_run_dependents_first() -> None:
    wanted = [desired(LO, "a", lo("a")), desired("CertificationPlan", "p", cert_plan("a"))]
    gone = [
        live(LO, "old-object", lo("old-object")),
        live("CertificationPlan", "old-plan", cert_plan("old-object")),
        live("Audience", "old-audience", audience()),
        # Deleted, not inactivated: an inactive assignment would keep using the rest.
        live("Assignment", "old-assignment",
             assignment("old-audience", ("plan", "old-plan"), on_remove="delete")),
    ]
    plan = make_plan(wanted, gone, users=Users(people("E1")), allow_delete=True)
    assert plan.ok
    assert plan.order[:2] == ((Address(LO, "a"),), (Address("CertificationPlan", "p"),))
    removals = [set(generation) for generation in plan.order[2:]]
    assert removals == [
        {Address("Assignment", "old-assignment")},
        {Address("CertificationPlan", "old-plan")},
        {Address("Audience", "old-audience"), Address(LO, "old-object")},
    ]
    flattened = [c.address for c in plan.to_write()]
    assert flattened.index(Address("Assignment", "old-assignment")) < flattened.index(
        Address(LO, "old-object")
    )


def test_the_plan_records_what_a_saved_plan_is_checked_against() -> None:
    plan = make_plan([desired(LO, "a", lo("a"))], state_version=17)
    assert plan.state_version == 17 and plan.target_provider == "sandbox"
    assert plan.source_dir == "specs" and plan.source_digest.startswith("sha256:")


def test_the_directory_is_read_only_when_assignments_or_audiences_change() -> None:
    users = Users(people("E1"))
    make_plan([desired(LO, "a", lo("a"))], users=users)
    assert users.calls == 0
    make_plan([desired("Audience", "all", audience())], users=users)
    assert users.calls == 1

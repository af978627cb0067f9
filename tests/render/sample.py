"""A hand-built plan with one of everything renderers must show."""

from __future__ import annotations

from reconciler.model import Address, Location
from reconciler.plan.model import Change, FieldDiff, Impact, Plan, Problem

DIGEST = "sha256:" + "0f" * 32
HASH = "sha256:" + "1e" * 32


def rich_plan(*, errors: bool = False) -> Plan:
    create = Change(
        Address("LearningObject", "hipaa-basics"), "create", "new in code",
        after={"title": "HIPAA Basics", "type": "course"}, spec_hash=HASH,
        labels={"area": "compliance"}, location=Location("objects.yaml", 1, 1),
    )
    update = Change(
        Address("Assignment", "hipaa-2027-clinical"), "update", "spec changed",
        before={"due": "30d", "title": "a | b"}, after={"due": "45d", "title": "a | b"},
        diff=(
            FieldDiff("change", "due", "30d", "45d"),
            FieldDiff("add", "notify.reminders[1]", None, "1d"),
            FieldDiff("remove", "title", "a | b", None),
        ),
        precondition_version=7,
        impact=Impact(learners_added=37, learners_removed=3, in_progress=12, enrolled=40,
                      sample_added=("E1001", "E1002"), sample_removed=("E1077",),
                      learners=20, newly_reached=37, no_longer_reached=3,
                      items_gained=(("hipaa-annual", 37), ("hand-hygiene-video", 37)),
                      items_lost=(("hipaa-annual", 3), ("hand-hygiene-video", 3))),
        spec_hash=HASH, location=Location("assignments.yaml", 4, 1),
    )
    drift = Change(
        Address("CertificationPlan", "hipaa-annual"), "update", "drift",
        before={"title": "X"}, after={"title": "Annual"},
        diff=(FieldDiff("change", "steps[1].release.offset", "9d", "7d"),),
        precondition_version=3,
        impact=Impact(enrolled=10, in_progress=4, migrated=True), disruptive=True,
        refusal="disruptive-not-allowed" if errors else None, spec_hash=HASH,
        location=Location("plans.yaml", 1, 1),
    )
    inactivate = Change(
        Address("Assignment", "old-campaign"), "inactivate", "removed from code",
        before={"audience": "all"}, precondition_version=2, spec_hash=HASH,
        impact=Impact(learners_removed=5),  # as a plan saved without per-item detail
    )
    adopt = Change(
        Address("Audience", "clinical"), "adopt", "adopt requested",
        before={"groups": ["nursing"]}, after={"groups": ["nursing"]}, precondition_version=1,
        annotations={"learnops.io/adopt": "true"}, spec_hash=HASH,
        diff=(FieldDiff("add", 'metadata.annotations["learnops.io/adopt"]', None, "true"),),
    )
    unchanged = Change(
        Address("LearningObject", "privacy-101"), "no-op", "unchanged",
        before={"title": "P"}, after={"title": "P"}, precondition_version=4, spec_hash=HASH,
    )
    problems = (
        Problem("LO705", "CertificationPlan/hipaa-annual moves 4 learner(s) in progress",
                "specs/plans.yaml:1:1"),
    ) if errors else ()
    return Plan(
        source_dir="specs", source_digest=DIGEST, target_provider="sandbox", state_version=42,
        changes=(create, adopt, drift, update, inactivate, unchanged),
        order=(
            (create.address, adopt.address),
            (drift.address,),
            (update.address,),
            (inactivate.address,),
        ),
        warnings=(Problem("LO099", "a warning", None),),
        errors=problems,
        learners_added=37, learners_removed=8,  # the planner's distinct-people totals
    )


def empty_plan() -> Plan:
    unchanged = Change(Address("LearningObject", "a"), "no-op", "unchanged",
                       before={}, after={}, precondition_version=1)
    return Plan("specs", DIGEST, "sandbox", 1, (unchanged,), ())

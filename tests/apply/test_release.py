"""The specs as applied (:func:`reconciler.apply.release.applied_state`), what release acts
on: each resource as its record's spec says it was written, never what nobody applied."""

from __future__ import annotations

from collections.abc import Mapping

from plan.builders import desired as resource
from plan.builders import state

from reconciler.apply.release import applied_state
from reconciler.model import JSON, DesiredResource
from reconciler.state import Record

APPLIED: dict[str, JSON] = {"title": "HIPAA", "items": [{"plan": "hipaa"}], "audience": "nurses"}
ADDED: dict[str, JSON] = {**APPLIED, "items": [{"plan": "hipaa"}, {"plan": "privacy"}]}
VIDEO: dict[str, JSON] = {"title": "Video", "type": "video", "existing": True}


def record(wanted: DesiredResource, spec: Mapping[str, JSON] | None) -> Record:
    return Record(wanted.address, "id-1", wanted.spec_hash, spec=spec)


def test_a_resource_changed_since_it_was_applied_is_acted_on_as_applied() -> None:
    was = resource("Assignment", "nurses", APPLIED)
    applied = applied_state(state(resource("Assignment", "nurses", ADDED)),
                            {was.address: record(was, APPLIED)})
    assert [r.spec for r in applied.state.resources] == [APPLIED]
    assert applied.unapplied == (was.address,)


def test_what_was_applied_as_it_is_in_the_files_stays_and_nothing_is_unapplied() -> None:
    wanted = resource("Assignment", "nurses", APPLIED)
    video = resource("LearningObject", "video", VIDEO)  # the platform's, never written
    applied = applied_state(state(video, wanted), {wanted.address: record(wanted, None)})
    assert applied.state.resources == (video, wanted)
    assert applied.unapplied == ()


def test_what_nobody_applied_is_left_out_and_a_removal_not_yet_applied_stays() -> None:
    new = resource("CertificationPlan", "privacy", {"title": "Privacy", "steps": []})
    old = resource("Assignment", "nurses", APPLIED)
    imported = resource("Audience", "nurses", {"users": ["E1"]})
    changed = resource("Audience", "nurses", {"users": ["E1", "E2"]})
    applied = applied_state(state(new, changed), {
        old.address: record(old, APPLIED),  # removed from the files, still on the platform
        imported.address: record(imported, None),  # no spec to act on: left out too
    })
    assert [(r.address, r.spec) for r in applied.state.resources] == [(old.address, APPLIED)]
    assert set(applied.unapplied) == {new.address, changed.address, old.address}
    inactivated = Record(old.address, "id-1", None)  # inactivated: kept without a spec
    assert applied_state(state(), {old.address: inactivated}).unapplied == ()

"""Pairing a moved record with its resource (:mod:`reconciler.plan.moves`): by its platform
id, and for a resource that is several platform objects, by any one of them."""

from __future__ import annotations

from dataclasses import replace

from plan.builders import live
from reconciler.model import Address
from reconciler.plan.moves import found_by_id
from reconciler.providers import LiveResource
from reconciler.state import Record

OLD, NEW = Address("CertificationPlan", "annual"), Address("CertificationPlan", "yearly")


def on_platform(platform_id: str) -> dict[Address, LiveResource]:
    return {OLD: replace(live(OLD.kind, OLD.name, {"steps": []}), platform_id=platform_id)}


def test_a_plan_whose_step_lessons_changed_is_found_by_a_lesson_it_still_has() -> None:
    found, renamed = found_by_id(on_platform("l1,l2,l4"), {NEW: Record(NEW, "l1,l2,l3", None)})
    assert renamed == {NEW: OLD}
    assert found[NEW].address == NEW and OLD not in found


def test_no_shared_object_no_pairing_and_ids_are_whole_not_prefixes() -> None:
    for recorded in ("l3", "l", "l2x,l0"):
        found, renamed = found_by_id(on_platform("l1,l2"), {NEW: Record(NEW, recorded, None)})
        assert renamed == {} and set(found) == {OLD}, recorded

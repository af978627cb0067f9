"""The state-store contract: what plan and apply rely on, whatever the provider and
whatever the state backend (OpenTofu's ``statemgr.TestFull``, as pytest tests).

Use it from a test module: ``from reconciler.testing.state_contract import *`` and
a fixture ``target`` yielding a :class:`reconciler.state.target.Target` over a fresh,
empty platform and a fresh state. Tests a backend cannot pass by design (an outside
write is invisible to ``state: platform`` only through the platform's own API) are
gated on what the store says it is, never on its name alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.apply.events import ApplyResult
from reconciler.apply.executor import RetryPolicy, execute
from reconciler.apply.lock import ApplyLease
from reconciler.errors import LockHeldError, NotFoundError
from reconciler.model import (
    ADOPT_ANNOTATION,
    JSON,
    KINDS,
    Address,
    DesiredResource,
    DesiredState,
    Location,
    ProjectConfig,
    ProviderConfig,
    content_hash,
)
from reconciler.plan.model import Plan
from reconciler.plan.planner import PlanOptions, plan_state
from reconciler.providers import ChangeCounter, WriteRequest
from reconciler.state import PendingWrite, StateConflictError
from reconciler.state.target import Target

__all__ = [
    "test_a_change_behind_learnops_back_is_drift_and_apply_reverts_it",
    "test_a_pending_write_survives_until_it_is_recorded_or_failed",
    "test_a_resource_learnops_never_applied_is_a_conflict_until_adopted",
    "test_a_second_apply_is_kept_out_by_the_lock_naming_the_holder",
    "test_a_stale_serial_is_refused",
    "test_a_write_killed_before_its_record_is_settled_by_the_next_plan",
    "test_apply_records_every_resource_and_replanning_changes_nothing",
    "test_removing_a_resource_deletes_it_and_forgets_its_record",
]

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, deadline=5.0)


def course(title: str) -> dict[str, JSON]:
    return {"title": title, "type": "course", "languages": [], "completion": {"type": "view"},
            "prerequisites": [], "existing": False}


NURSES: dict[str, JSON] = {"users": [], "groups": ["nursing"], "include": [], "where": {},
                           "exclude": []}


def resource(kind: str, name: str, spec: Mapping[str, JSON],
             annotations: Mapping[str, str] | None = None) -> DesiredResource:
    return DesiredResource(Address(kind, name), spec, Location(f"{kind.lower()}.yaml", 1, 1),
                           annotations=dict(annotations or {}))


def program(title: str = "Hand Hygiene") -> list[DesiredResource]:
    return [resource("LearningObject", "hand-hygiene", course(title)),
            resource("Audience", "nurses", NURSES)]


def plan(target: Target, wanted: Iterable[DesiredResource]) -> Plan:
    resources = list(wanted)
    desired = DesiredState(ProjectConfig("contract", Path("."), ProviderConfig("contract")),
                           tuple(resources), content_hash([str(r.address) for r in resources]))
    generations = [sorted(r.address for r in resources if r.kind == kind) for kind in KINDS]
    provider = target.provider
    version = provider.state_version() if isinstance(provider, ChangeCounter) else None
    live = provider.read_resources(KINDS)
    return plan_state(
        desired, [g for g in generations if g], live, provider.read_users,
        target_provider=provider.name, state_version=version,
        snapshot=target.state.snapshot(live),
        options=PlanOptions(allow_delete=True, source_dir="specs"),
    )


def apply(target: Target, wanted: Iterable[DesiredResource]) -> tuple[Plan, ApplyResult]:
    with ApplyLease(target.state, wait=5.0, poll=0.05) as lock:
        made = plan(target, wanted)
        assert made.ok, made.errors
        result = execute(made, target.provider, descendants=lambda _: (), retry=FAST,
                         state=target.state, lease=lock)
    return made, result


def outside_write(target: Target, kind: str, name: str, spec: Mapping[str, JSON],
                  **request: Any) -> None:
    """A write by someone else, straight through the provider (no state record)."""
    request.setdefault("spec_hash", content_hash(dict(spec)))
    target.provider.write(WriteRequest(
        address=Address(kind, name), idempotency_key=content_hash([kind, name, spec]),
        spec=spec, **request,
    ))


def records_only_in_state(target: Target) -> None:
    if not target.state.editable:
        pytest.skip(f"{target.state.backend} state keeps ownership on the platform itself")


# -- the contract ----------------------------------------------------------------------


def test_apply_records_every_resource_and_replanning_changes_nothing(target: Target) -> None:
    lineage, serial = target.state.serial()
    _, result = apply(target, program())
    assert result.ok and len(result.applied) == 2
    snapshot = target.state.snapshot()
    assert snapshot.lineage == lineage
    assert snapshot.serial > serial  # every apply that wrote raises it
    wanted = {r.address: r for r in program()}
    assert set(snapshot.records) == set(wanted)
    for address, record in snapshot.records.items():
        assert record.spec_hash == wanted[address].spec_hash
        assert record.platform_id
    assert not snapshot.pending
    again = plan(target, program())
    assert not again.has_changes, [(c.address, c.action) for c in again.changes]
    assert again.state_serial == snapshot.serial


def test_a_change_behind_learnops_back_is_drift_and_apply_reverts_it(target: Target) -> None:
    apply(target, program())
    live = {r.address: r for r in target.provider.read_resources(["LearningObject"])}
    hand = live[Address("LearningObject", "hand-hygiene")]
    # An edit in the platform's UI: the metadata stays what learnops wrote.
    outside_write(target, "LearningObject", "hand-hygiene", course("Edited by hand"),
                  action="update", precondition_version=hand.version,
                  spec_hash=hand.spec_hash)
    drifted = plan(target, program()).by_address()[hand.address]
    assert (drifted.action, drifted.reason) == ("update", "drift")
    apply(target, program())
    after = {r.address: r for r in target.provider.read_resources(["LearningObject"])}
    assert after[hand.address].spec["title"] == "Hand Hygiene"
    assert not plan(target, program()).has_changes


def test_removing_a_resource_deletes_it_and_forgets_its_record(target: Target) -> None:
    apply(target, program())
    made, result = apply(target, program()[:1])
    gone = Address("Audience", "nurses")
    assert made.by_address()[gone].action == "delete"
    assert result.ok
    assert gone not in target.state.snapshot().records
    assert gone not in {r.address for r in target.provider.read_resources(["Audience"])}


def test_a_resource_learnops_never_applied_is_a_conflict_until_adopted(target: Target) -> None:
    records_only_in_state(target)
    outside_write(target, "LearningObject", "hand-hygiene", course("Hand Hygiene"),
                  action="create")
    conflict = plan(target, program())
    assert [problem.code for problem in conflict.errors] == ["LO701"]
    adopted = [replace(r, annotations={ADOPT_ANNOTATION: "true"}) for r in program()]
    made, result = apply(target, adopted)
    assert made.by_address()[Address("LearningObject", "hand-hygiene")].action == "adopt"
    assert result.ok
    assert Address("LearningObject", "hand-hygiene") in target.state.snapshot().records


def test_a_second_apply_is_kept_out_by_the_lock_naming_the_holder(target: Target) -> None:
    first = target.state.acquire_lock("ana@ci pid 1", 30.0)
    with pytest.raises(LockHeldError) as held:
        target.state.acquire_lock("ben@laptop pid 2", 30.0)
    assert held.value.holder == "ana@ci pid 1"
    renewed = target.state.renew_lock(first, 30.0)
    assert renewed.lock_id == first.lock_id
    target.state.release_lock(renewed)
    second = target.state.acquire_lock("ben@laptop pid 2", 30.0)
    target.state.force_unlock(second.lock_id)
    with pytest.raises(NotFoundError):
        target.state.force_unlock(second.lock_id)
    target.state.release_lock(target.state.acquire_lock("cy pid 3", 30.0))


def test_a_stale_serial_is_refused(target: Target) -> None:
    records_only_in_state(target)
    lock = target.state.acquire_lock("ana", 30.0)
    try:
        _, serial = target.state.serial()
        assert target.state.persist(lock, serial) == serial + 1
        with pytest.raises(StateConflictError, match="moved"):
            target.state.persist(lock, serial)
    finally:
        target.state.release_lock(lock)


def test_a_pending_write_survives_until_it_is_recorded_or_failed(target: Target) -> None:
    records_only_in_state(target)
    address = Address("LearningObject", "hand-hygiene")
    lock = target.state.acquire_lock("ana", 30.0)
    try:
        target.state.begin(lock, PendingWrite(address, "create", "key-1", "2026-12-01T00:00:00Z"))
        assert [p.address for p in target.state.snapshot().pending] == [address]
        target.state.fail(lock, address)
        assert target.state.snapshot().pending == ()
    finally:
        target.state.release_lock(lock)
    stranger = target.state.acquire_lock("ben", 30.0)
    target.state.release_lock(stranger)
    with pytest.raises(LockHeldError):  # a writer must hold the lease
        target.state.begin(lock, PendingWrite(address, "create", "key-2", "2026-12-01T00:00:00Z"))


class Killed(BaseException):
    """The apply's process dying at that line: no handler catches it."""


class _DiesBeforeTheFirstRecord:
    """The state, as an apply sees it when its process dies after the platform took the
    first write and before the record of it."""

    def __init__(self, state: Any) -> None:
        self._state = state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)

    def record(self, lease: Any, record: Any) -> None:
        raise Killed


def test_a_write_killed_before_its_record_is_settled_by_the_next_plan(target: Target) -> None:
    hand, nurses = Address("LearningObject", "hand-hygiene"), Address("Audience", "nurses")
    with ApplyLease(target.state, wait=5.0, poll=0.05) as lock:
        made = plan(target, program())
        with pytest.raises(Killed):
            execute(made, target.provider, descendants=lambda _: (), retry=FAST, parallelism=1,
                    state=_DiesBeforeTheFirstRecord(target.state), lease=lock)
    again = plan(target, program())
    assert again.ok, again.errors  # not someone else's resource (LO701)
    if target.state.editable:  # platform state: the write itself carried the record
        assert [(s.address, s.landed) for s in again.settled] == [(hand, True)]
    assert {c.address for c in again.changes if c.is_change} == {nurses}
    _, result = apply(target, program())
    assert result.ok
    snapshot = target.state.snapshot()
    assert set(snapshot.records) == {hand, nurses} and not snapshot.pending
    assert not plan(target, program()).has_changes

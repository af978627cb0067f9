"""The provider contract: what the planner and the executor may rely on, whichever
provider a project uses. Every test runs against ``sandbox`` (in-process), ``rest``
(over HTTP to a real sandbox server) and ``kolibri`` (a live Kolibri); what depends on
a capability a platform does not declare (preconditions, idempotency keys, a change
counter, an apply lock, learnops' metadata, creating objects) is skipped for it, by
name. A platform that holds only part of a spec (``PartialHolder``) reads back what it
says it holds."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import (
    InvalidRequest,
    LockHeldError,
    NotFoundError,
    PermanentError,
    PreconditionFailed,
    PreconditionRequired,
)
from reconciler.model import (
    JSON,
    KINDS,
    MANAGED_BY,
    Address,
    DesiredResource,
    DesiredState,
    Location,
    ProjectConfig,
    ProviderConfig,
    content_hash,
)
from reconciler.providers import (
    ChangeCounter,
    LiveResource,
    PartialHolder,
    PlatformLocker,
    Provider,
    WriteAction,
    WriteRequest,
)

OBJECT = "LearningObject"


def course(title: str) -> dict[str, JSON]:
    return {"title": title, "type": "course", "languages": [], "completion": {"type": "view"},
            "prerequisites": [], "existing": False}


NURSES: dict[str, JSON] = {"users": [], "groups": ["nursing"], "include": [], "where": {},
                           "exclude": []}
PLAN: dict[str, JSON] = {
    "title": "Annual HIPAA", "visibility": "released",
    "steps": [{"name": "basics", "items": ["hipaa-basics"], "release": {"at": "enrollment"},
               "required": True}],
    "notify": {"admins": [], "on": []}, "in_progress": "keep",
}
ASSIGNMENT: dict[str, JSON] = {
    "items": [{"plan": "hipaa-annual"}], "audience": "nurses", "start": "immediately",
    "notify": {"on_assign": True, "reminders": []}, "active": True, "on_remove": "inactivate",
}

_keys = iter(range(1_000_000))


def write(
    provider: Provider,
    action: WriteAction,
    kind: str,
    name: str,
    spec: Mapping[str, JSON] | None = None,
    *,
    version: int | None = None,
    key: str | None = None,
    **extra: Any,
) -> LiveResource | None:
    request = WriteRequest(
        address=Address(kind, name), action=action,
        idempotency_key=key or f"test-{next(_keys)}", precondition_version=version,
        spec=spec, spec_hash=None if spec is None else content_hash(dict(spec)), **extra,
    )
    return provider.write(request)


def create(provider: Provider, kind: str, name: str, spec: Mapping[str, JSON],
           **extra: Any) -> LiveResource:
    created = write(provider, "create", kind, name, spec, **extra)
    assert created is not None
    return created


def needs(provider: Provider, capability: str) -> None:
    """Skip what rests on a capability ``provider`` does not declare."""
    if not getattr(provider.capabilities, capability):
        pytest.skip(f"{provider.name} declares no {capability}")


def counter(provider: Provider) -> ChangeCounter:
    if not isinstance(provider, ChangeCounter):
        pytest.skip(f"{provider.name} has no change counter")
    return provider


def locker(provider: Provider) -> PlatformLocker:
    if not isinstance(provider, PlatformLocker):
        pytest.skip(f"{provider.name} has no apply lock of its own (the state store's is used)")
    return provider


def an_object(provider: Provider) -> LiveResource:
    """``LearningObject/hipaa-basics``: created where learnops creates objects, else the
    platform's own (the live Kolibri's seeded content has it)."""
    if provider.capabilities.creates_objects:
        return create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    return live(provider, OBJECT, "hipaa-basics")


def as_held(provider: Provider, kind: str, name: str, spec: Mapping[str, JSON],
            others: Mapping[Address, Mapping[str, JSON]] = {}) -> Mapping[str, JSON]:
    """``spec`` as ``provider`` reads it back: all of it, or the part a PartialHolder holds."""
    if not isinstance(provider, PartialHolder):
        return spec
    where = Location("contract.yaml", 1, 1)
    resources = tuple(DesiredResource(address, dict(body), where)
                      for address, body in {**others, Address(kind, name): spec}.items())
    desired = DesiredState(ProjectConfig("contract", Path("."), ProviderConfig("contract")),
                           resources, "")
    return provider.held(desired, desired.by_address()[Address(kind, name)]).spec


def program(provider: Provider) -> dict[str, LiveResource]:
    """One resource of each kind, created in apply order."""
    return {
        "object": an_object(provider),
        "audience": create(provider, "Audience", "nurses", NURSES),
        "plan": create(provider, "CertificationPlan", "hipaa-annual", PLAN),
        "assignment": create(provider, "Assignment", "hipaa-nurses", ASSIGNMENT),
    }


def live(provider: Provider, kind: str, name: str) -> LiveResource:
    [found] = [r for r in provider.read_resources([kind]) if r.address.name == name]
    return found


# -- reading ------------------------------------------------------------------------


def test_a_fresh_platform_has_no_resources(provider: Provider) -> None:
    # Only what the platform brings itself: content learnops points at, never writes.
    assert [r for r in provider.read_resources() if r.spec.get("existing") is not True] == []
    if isinstance(provider, ChangeCounter):
        assert isinstance(provider.state_version(), int)


def test_a_created_audience_reads_back_as_the_platform_holds_it(provider: Provider) -> None:
    created = create(provider, "Audience", "nurses", NURSES)
    [read] = provider.read_resources(["Audience"])
    assert read == created
    assert read.address == Address("Audience", "nurses")
    assert read.spec == as_held(provider, "Audience", "nurses", NURSES)


def test_a_created_resource_reads_back_as_learnops_wrote_it(provider: Provider) -> None:
    needs(provider, "creates_objects")
    needs(provider, "metadata")
    created = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"),
                     labels={"area": "compliance"},
                     annotations={"learnops.io/prevent-destroy": "true"})
    [read] = provider.read_resources([OBJECT])
    assert read == created
    assert read.address == Address(OBJECT, "hipaa-basics")
    assert read.spec == course("HIPAA Basics")
    assert read.managed_by == MANAGED_BY
    assert read.spec_hash == content_hash(course("HIPAA Basics"))
    assert read.labels == {"area": "compliance"}
    assert read.annotations == {"learnops.io/prevent-destroy": "true"}
    assert read.version >= 1


def test_every_kind_is_read_in_apply_order_and_by_name_across_pages(
    provider: Provider,
) -> None:
    names = ["e-team", "a-team", "d-team", "b-team", "c-team"]  # > 2 pages
    for name in names:
        create(provider, "Audience", name, NURSES)
    made = program(provider)
    everything = provider.read_resources()
    assert [r.address.kind for r in everything] == sorted(
        (r.address.kind for r in everything), key=KINDS.index
    )
    audiences = [r.address.name for r in everything if r.address.kind == "Audience"]
    assert audiences == sorted([*names, "nurses"])
    assert {r.address for r in everything} >= {r.address for r in made.values()}
    assert [r.address for r in provider.read_resources(["Assignment"])] == [
        Address("Assignment", "hipaa-nurses")
    ]


def test_status_reports_what_the_platform_knows(provider: Provider) -> None:
    made = program(provider)
    assignment = live(provider, "Assignment", "hipaa-nurses")
    plan = live(provider, "CertificationPlan", "hipaa-annual")
    assert assignment.status.get("active") is True
    # The one active nurse is enrolled; the inactive one never is.
    assert assignment.status.get("enrolled") == 1
    if not isinstance(provider, PartialHolder):  # a platform with plan versions
        assert "current_version" in plan.status
    assert made["assignment"].address == assignment.address


def test_the_directory_reads_back_with_attributes_groups_and_status(provider: Provider) -> None:
    users = {user.employee_id: user for user in provider.read_users()}
    assert sorted(users) == ["E1001", "E1002", "E1003"]
    ana = users["E1001"]
    assert ana.groups == frozenset({"nursing", "new-hires"})
    assert ana.attributes["job_role"] == "Nurse"
    assert ana.attributes["language"] == "es"
    assert ana.active
    assert not users["E1003"].active
    assert "location" not in users["E1003"].attributes  # an empty cell is absent


# -- writing with preconditions -------------------------------------------------------


def test_an_update_against_the_version_read_changes_the_resource(provider: Provider) -> None:
    needs(provider, "preconditions")
    needs(provider, "creates_objects")
    created = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    updated = write(provider, "update", OBJECT, "hipaa-basics", course("HIPAA Basics 2027"),
                    version=created.version)
    assert updated is not None
    assert updated.version > created.version
    assert live(provider, OBJECT, "hipaa-basics").spec["title"] == "HIPAA Basics 2027"


def test_an_update_against_a_stale_version_is_refused_and_changes_nothing(
    provider: Provider,
) -> None:
    needs(provider, "preconditions")
    needs(provider, "creates_objects")
    created = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    write(provider, "update", OBJECT, "hipaa-basics", course("Someone else's edit"),
          version=created.version)
    with pytest.raises(PreconditionFailed):
        write(provider, "update", OBJECT, "hipaa-basics", course("Mine"),
              version=created.version)
    assert live(provider, OBJECT, "hipaa-basics").spec["title"] == "Someone else's edit"


def test_an_update_without_a_version_is_refused(provider: Provider) -> None:
    needs(provider, "preconditions")
    needs(provider, "creates_objects")
    create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    with pytest.raises(PreconditionRequired):
        write(provider, "update", OBJECT, "hipaa-basics", course("Blind write"))


def test_creating_a_name_that_exists_is_refused(provider: Provider) -> None:
    needs(provider, "preconditions")
    needs(provider, "creates_objects")
    create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    with pytest.raises(PreconditionFailed):
        create(provider, OBJECT, "hipaa-basics", course("Again"))
    assert live(provider, OBJECT, "hipaa-basics").spec["title"] == "HIPAA Basics"


def test_a_retried_write_with_the_same_idempotency_key_happens_once(
    provider: Provider,
) -> None:
    needs(provider, "idempotent_writes")
    needs(provider, "creates_objects")
    counter(provider)
    first = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"), key="apply-1")
    before = provider.state_version()
    again = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"), key="apply-1")
    assert again == first
    assert provider.state_version() == before
    updated = write(provider, "update", OBJECT, "hipaa-basics", course("v2"),
                    version=first.version, key="apply-2")
    replayed = write(provider, "update", OBJECT, "hipaa-basics", course("v2"),
                     version=first.version, key="apply-2")
    assert replayed == updated


def test_every_write_raises_the_state_version_and_reads_do_not(provider: Provider) -> None:
    needs(provider, "creates_objects")
    counter(provider)
    versions = [provider.state_version()]
    created = create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    versions.append(provider.state_version())
    write(provider, "update", OBJECT, "hipaa-basics", course("v2"), version=created.version)
    versions.append(provider.state_version())
    provider.read_resources()
    provider.read_users()
    versions.append(provider.state_version())
    assert versions[0] < versions[1] < versions[2] == versions[3]


def test_an_invalid_spec_is_refused_with_a_pointer_into_the_spec(provider: Provider) -> None:
    needs(provider, "creates_objects")
    broken = {**course("HIPAA Quiz"), "completion": {"type": "min_score"}}  # no min_score
    with pytest.raises(InvalidRequest) as caught:
        create(provider, OBJECT, "hipaa-quiz", broken)
    assert caught.value.pointer.startswith("/spec/completion")
    assert provider.read_resources([OBJECT]) == []


def test_a_reference_to_a_missing_resource_is_refused(provider: Provider) -> None:
    with pytest.raises(InvalidRequest, match="Audience/nurses"):
        create(provider, "Assignment", "hipaa-nurses",
               {**ASSIGNMENT, "items": [{"object": "hipaa-basics"}]})


# -- removing -------------------------------------------------------------------------


def test_inactivating_an_assignment_keeps_it_but_stops_it(provider: Provider) -> None:
    made = program(provider)
    before = provider.state_version() if isinstance(provider, ChangeCounter) else None
    inactive = write(provider, "inactivate", "Assignment", "hipaa-nurses",
                     version=made["assignment"].version)
    assert inactive is not None
    if provider.capabilities.preconditions:
        assert inactive.version > made["assignment"].version
    assert inactive.status.get("active") is False
    assert live(provider, "Assignment", "hipaa-nurses").status.get("active") is False
    if isinstance(provider, ChangeCounter):
        assert provider.state_version() > before


def test_delete_removes_the_resource_and_a_second_delete_finds_nothing(
    provider: Provider,
) -> None:
    created = create(provider, "Audience", "nurses", NURSES)
    assert write(provider, "delete", "Audience", "nurses", version=created.version) is None
    assert provider.read_resources(["Audience"]) == []
    with pytest.raises(NotFoundError):
        write(provider, "delete", "Audience", "nurses", version=created.version)


def test_a_resource_still_referred_to_cannot_be_deleted(provider: Provider) -> None:
    made = program(provider)
    with pytest.raises(PermanentError, match="Assignment/hipaa-nurses"):
        write(provider, "delete", "Audience", "nurses", version=made["audience"].version)
    assert live(provider, "Audience", "nurses") == made["audience"]


def test_a_delete_needs_the_version_read(provider: Provider) -> None:
    needs(provider, "preconditions")
    needs(provider, "creates_objects")
    create(provider, OBJECT, "hipaa-basics", course("HIPAA Basics"))
    with pytest.raises(PreconditionRequired):
        write(provider, "delete", OBJECT, "hipaa-basics")
    assert len(provider.read_resources([OBJECT])) == 1


# -- the apply lock -------------------------------------------------------------------


def test_the_apply_lock_keeps_a_second_apply_out_and_names_the_holder(
    provider: Provider,
) -> None:
    locker(provider)
    lock = provider.acquire_lock("ci-run-41", ttl_seconds=60)
    assert lock.holder == "ci-run-41"
    with pytest.raises(LockHeldError) as caught:
        provider.acquire_lock("laptop", ttl_seconds=60)
    assert caught.value.holder == "ci-run-41"
    renewed = provider.renew_lock(lock, ttl_seconds=600)
    assert renewed.lock_id == lock.lock_id
    assert renewed.expires_at > lock.expires_at
    provider.release_lock(renewed)
    assert provider.acquire_lock("laptop", ttl_seconds=60).holder == "laptop"


def test_force_unlock_breaks_a_stuck_lock(provider: Provider) -> None:
    locker(provider)
    stuck = provider.acquire_lock("crashed-apply", ttl_seconds=3600)
    provider.force_unlock(stuck.lock_id)
    assert provider.acquire_lock("next-apply", ttl_seconds=60).holder == "next-apply"

"""Builds the :class:`Plan`: desired state against live state, resource by resource.

Classification (DESIGN §3): absent live -> ``create``; an unmanaged live resource
of the same name is a conflict (an error saying how to adopt) unless the code asks
to adopt it; ``existing: true`` objects are only checked to exist; a managed one is
``update`` when its essence differs (reason ``spec changed``, ``drift`` when the
platform no longer matches the hash learnops wrote, or both), else ``no-op``.
Managed assignments gone from the code are inactivated, or deleted when their last
applied ``on_remove`` says so; other kinds have no inactive state and are deleted,
which like every delete needs ``--allow-delete``. Safety refusals are decided here,
not at apply time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Final

from reconciler.directory import DirectorySnapshot
from reconciler.directory.attributes import directory_attributes
from reconciler.model import (
    ADOPT_ANNOTATION,
    JSON,
    KINDS,
    MANAGED_BY,
    PREVENT_DESTROY_ANNOTATION,
    Address,
    DesiredResource,
    DesiredState,
    Location,
)
from reconciler.plan.advice import UNKNOWN_ATTRIBUTE, reach_warnings
from reconciler.plan.basis import directory_basis, resources_basis
from reconciler.plan.diff import diff_essence
from reconciler.plan.directory_change import (
    after_deactivations,
    plan_directory_change,
    user_changes,
)
from reconciler.plan.impact import assess
from reconciler.plan.model import Action, Change, FieldDiff, Plan, Problem, Reason, UserChange
from reconciler.plan.moves import found_by_id
from reconciler.plan.normalize import (
    essence,
    essence_json,
    matches_hash,
    normalize_spec,
    set_list_paths,
)
from reconciler.plan.order import write_order
from reconciler.plan.removals import inline_owner, remaining_specs, users_of
from reconciler.plan.settle import settle, settled_records
from reconciler.providers import (
    ChangeCounter,
    DirectoryWriter,
    LiveResource,
    Provider,
    TermsReader,
    held_by,
    read_in_terms_of,
)
from reconciler.providers.honoured import unsupported
from reconciler.rules.assignment import is_active
from reconciler.rules.audience import Directory
from reconciler.rules.directory import User
from reconciler.state import Record, Snapshot, StateReader

if TYPE_CHECKING:  # the compiler facade imports every earlier stage; planning needs none
    from reconciler.compiler import Compiled

# Stable codes of plan-time problems (the LO7xx block belongs to the plan stage).
UNMANAGED_CONFLICT: Final = "LO701"
EXISTING_MISSING: Final = "LO702"
PREVENT_DESTROY: Final = "LO703"
DELETE_NOT_ALLOWED: Final = "LO704"
DISRUPTIVE_NOT_ALLOWED: Final = "LO705"
STILL_USED: Final = "LO706"
DIRECTORY_NOT_WRITABLE: Final = "LO707"


@dataclass(frozen=True)
class PlanOptions:
    allow_delete: bool = False
    allow_disruptive: bool = False
    source_dir: str = ""  # the spec directory as the user named it (prefixes locations)
    writes_directory: bool = True  # the platform takes directory changes (DirectoryWriter)


def build_plan(
    compiled: Compiled,
    provider: Provider,
    *,
    state: StateReader | None = None,
    allow_delete: bool = False,
    allow_disruptive: bool = False,
    source_dir: str | None = None,
    target: str | None = None,
    directory: DirectorySnapshot | None = None,
) -> Plan:
    """Read the platform through ``provider`` and plan ``compiled`` against it, with
    ownership, applied hashes and essences from ``state`` (``None``: the records the
    platform itself keeps, ``state: platform``).

    ``target`` is the ``--target`` name ``provider`` was opened for (``None``: the
    default); the plan records it with the platform's identity and the absolute spec
    directory, so a saved plan is applied to that platform, from those specs only.
    ``directory``: the snapshot of the project's directory source, if it names one."""
    options = PlanOptions(
        allow_delete=allow_delete,
        allow_disruptive=allow_disruptive,
        source_dir=str(compiled.state.project.root) if source_dir is None else source_dir,
        writes_directory=isinstance(provider, DirectoryWriter),
    )
    if state is None:
        from reconciler.state.platform import PlatformState

        state = PlatformState(provider)
    # The versions are read first: a write racing the reads below raises one, and a
    # saved plan made from a moved platform or state is then refused as stale.
    state_version = provider.state_version() if isinstance(provider, ChangeCounter) else None
    # A platform read in the desired state's terms reads what it cannot hold itself (an
    # assignment's plans) as it was applied: the records are read first for it.
    records_first = isinstance(provider, TermsReader)
    snapshot = state.snapshot() if records_first else None
    applied = snapshot.applied_specs(compiled.state) if snapshot is not None else None
    read_in_terms_of(provider, compiled.state, applied=applied)
    live = provider.read_resources(KINDS)
    if snapshot is None:
        snapshot = state.snapshot(live)
    renamed = found_by_id({r.address: r for r in live}, snapshot.records)[1]
    if records_first and renamed:  # read the renamed resources in their new names' terms
        read_in_terms_of(provider, compiled.state, {old: new for new, old in renamed.items()},
                         applied)
        live = provider.read_resources(KINDS)
    read: list[list[User]] = []  # the directory, once read

    def read_users() -> list[User]:
        if not read:
            read.append(list(provider.read_users()))
        return read[0]

    # What the target's platform cannot honour is an error of this plan, never an
    # approximation (validate --target reports the same without a platform call).
    unable = unsupported(compiled.documents, provider.capabilities, provider.name)
    warnings = tuple(
        Problem(d.code, d.message, _where(options.source_dir, d.location))
        for d in (*compiled.warnings, *(d for d in unable if not d.is_error))
    )
    plan = plan_state(
        compiled.state,
        compiled.graph.generations(),
        live,
        read_users,
        target_provider=provider.name,
        state_version=state_version,
        snapshot=snapshot,
        options=options,
        warnings=warnings,
        capability_errors=tuple(
            Problem(d.code, d.message, _where(options.source_dir, d.location))
            for d in unable if d.is_error
        ),
        source=directory,
        held=held_by(provider, compiled.state),
        plan_versions=provider.capabilities.plan_versions,
    )
    return replace(
        plan,
        source_root=str(compiled.state.project.root),
        target_name=target or "provider",
        platform=provider.identity,
        state_backend=state.backend,
        basis=resources_basis(live),
        directory_basis=directory_basis(read[0]) if read else None,
        preconditions=provider.capabilities.preconditions,
    )


def plan_state(
    desired: DesiredState,
    generations: Sequence[Sequence[Address]],
    live_resources: Iterable[LiveResource],
    read_users: Callable[[], Iterable[User]],
    *,
    target_provider: str,
    state_version: int | None,
    snapshot: Snapshot | None = None,
    options: PlanOptions = PlanOptions(),
    warnings: tuple[Problem, ...] = (),
    capability_errors: tuple[Problem, ...] = (),
    source: DirectorySnapshot | None = None,
    held: Callable[[DesiredResource], DesiredResource] | None = None,
    plan_versions: bool = True,
) -> Plan:
    """The plan of ``desired`` against already-read live state (no platform calls
    except ``read_users``, and only when assignments or audiences change, or when a
    directory ``source`` is given: then its people are desired state too).
    ``snapshot``: the state's records (``None``: the platform's own metadata).
    ``held``: the part of a desired resource the platform holds (``PartialHolder``),
    what the live resource is compared with; ``None``: all of it. ``plan_versions``:
    the platform keeps learners on the plan version they enrolled in (Capabilities)."""
    live = {resource.address: resource for resource in live_resources}
    wanted = desired.by_address()
    settled = (
        settle(snapshot.pending, live, wanted, held) if snapshot is not None
        else ()
    )
    records: Mapping[Address, Record] = (
        settled_records(snapshot.records, settled) if snapshot is not None
        else _platform_records(live.values())
    )
    live, renamed = found_by_id(live, records)
    errors: list[Problem] = list(capability_errors)
    changes: dict[Address, Change] = {}
    for wanted_resource in desired.resources:
        address = wanted_resource.address
        change = _classify(
            wanted_resource, live.get(address), records.get(address), options, errors,
            compared=wanted_resource if held is None else held(wanted_resource),
        )
        if change is not None:
            changes[address] = change
    # A record whose resource is gone from the platform has nothing left to remove.
    removed = {
        address: live[address]
        for address in sorted((records.keys() - wanted.keys()) & live.keys())
    }
    owned, kept = _inline_audiences(removed, wanted, live)
    for address in kept:
        changes[address] = _of_live(
            removed.pop(address), "no-op", "kept for its assignment", records[address]
        )
    for address, gone in removed.items():
        changes[address] = _removal(gone, records[address], options, errors,
                                    owned=address in owned)
    for address, old in renamed.items():  # the write renames it (state mv)
        if address in changes:
            moved = changes[address]
            if moved.action == "no-op":
                moved = replace(moved, action="update", reason="renamed",
                                spec_hash=wanted[address].spec_hash)
            changes[address] = replace(moved, renamed_from=old)
    _refuse_unapplicable_deletes(changes, wanted, live, options, errors)

    # With a directory source, the platform's users are compared with it and resource
    # changes are planned against them with the leavers already gone (the order apply
    # writes in); without one, the platform's users are read once, and only if needed.
    platform_users = cache(lambda: tuple(read_users()))
    people: tuple[UserChange, ...] = ()
    if source is not None:
        people = user_changes(source.users, platform_users())
        planned_users = cache(lambda: Directory(after_deactivations(platform_users(), people)))
        directory = planned_users
    else:
        directory = cache(lambda: Directory(platform_users()))
    assessment = assess(tuple(changes.values()), desired, live, directory,
                        plan_versions=plan_versions)
    for address, impact in assessment.impacts.items():
        change = replace(changes[address], impact=impact)
        if impact.migrated and impact.in_progress > 0:
            change = replace(change, disruptive=True)
            if not options.allow_disruptive:
                change = replace(change, refusal="disruptive-not-allowed")
                errors.append(Problem(
                    DISRUPTIVE_NOT_ALLOWED,
                    f"{address} moves {impact.in_progress} learner(s) in progress to a new "
                    + ("version (in_progress: migrate); pass --allow-disruptive to do so, or use "
                       "in_progress: keep" if plan_versions else
                       f"version ({target_provider} keeps no plan versions: a changed plan "
                       "changes for everyone in it); pass --allow-disruptive to do so"),
                    _where(options.source_dir, change.location) or str(address),
                ))
        changes[address] = change

    if any(c.is_change and c.address.kind in ("Assignment", "Audience") for c in changes.values()):
        where = {r.address: _where(options.source_dir, r.location) for r in desired.resources}
        reach = reach_warnings(tuple(changes.values()), desired, directory(), where)
        if directory_attributes(desired.project) is not None:
            # validate read the same users file and named each unknown key at its line
            reach = [problem for problem in reach if problem.code != UNKNOWN_ATTRIBUTE]
        warnings += tuple(reach)

    directory_plan = None
    if source is not None:
        directory_plan = plan_directory_change(
            source, platform_users(), people, tuple(changes.values()), desired, live
        )
        if people and not options.writes_directory:
            errors.append(Problem(
                DIRECTORY_NOT_WRITABLE,
                f"{target_provider} cannot take directory changes ({len(people)} user(s) "
                f"differ from {source.source}); feed its directory another way, or drop "
                "directory: from learnops.yaml for this target",
                "learnops.yaml",
            ))
    order = write_order(
        generations, changes, {address: resource.spec for address, resource in removed.items()}
    )
    return Plan(
        source_dir=options.source_dir,
        source_digest=desired.digest,
        target_provider=target_provider,
        state_version=state_version,
        changes=_in_order(changes, generations, removed),
        order=order,
        warnings=warnings,
        errors=tuple(errors),
        directory=directory_plan,
        state_lineage=snapshot.lineage if snapshot is not None else None,
        state_serial=snapshot.serial if snapshot is not None else None,
        learners_added=len(assessment.added),
        learners_removed=len(assessment.removed),
        settled=settled,
    )


def _platform_records(live: Iterable[LiveResource]) -> dict[Address, Record]:
    return {
        resource.address: Record(resource.address, resource.address.name, resource.spec_hash)
        for resource in live if resource.managed_by == MANAGED_BY
    }


def _classify(
    resource: DesiredResource,
    live: LiveResource | None,
    record: Record | None,
    options: PlanOptions,
    errors: list[Problem],
    *,
    compared: DesiredResource,
) -> Change | None:
    def change(action: Action, reason: Reason, diff: tuple[FieldDiff, ...] = (),
               after: Mapping[str, JSON] = resource.spec) -> Change:
        # One Change per resource, built once: most of a large plan is no-ops, which
        # write nothing and so stamp no hash (hashing every spec was a third of this).
        return Change(
            address=resource.address,
            action=action,
            reason=reason,
            before=None if live is None else live.spec,
            after=after,
            diff=diff,
            precondition_version=None if live is None else live.version,
            spec_hash=None if action == "no-op" else resource.spec_hash,
            labels=resource.labels,
            annotations=resource.annotations,
            location=resource.location,
        )

    def where() -> str:
        return _where(options.source_dir, resource.location) or str(resource.address)

    if resource.kind == "LearningObject" and resource.spec.get("existing") is True:
        if live is None:
            errors.append(Problem(
                EXISTING_MISSING,
                f"{resource.address} is marked existing: true but the platform has no "
                "learning object of that name; create it there, or drop existing: true "
                "to let learnops create it",
                where(),
            ))
            return None
        # Checked, never written: the platform's copy is the truth.
        return change("no-op", "exists", after=live.spec)
    if live is None:
        return change("create", "new in code")

    # Most resources are unchanged and the platform hands back what learnops wrote:
    # equal as written means equal essences, without normalising either side.
    if (
        compared.spec == live.spec
        and compared.labels == live.labels
        and compared.annotations == live.annotations
    ):
        diff: tuple[FieldDiff, ...] = ()
    else:
        desired_essence = essence(
            compared.kind, compared.spec, compared.labels, compared.annotations
        )
        live_essence = essence(resource.kind, live.spec, live.labels, live.annotations)
        # Equality is cheap, deepdiff is not.
        diff = (
            () if desired_essence == live_essence
            else diff_essence(
                live_essence, desired_essence, set_lists=set_list_paths(resource.kind)
            )
        )
    if record is None:
        if resource.annotations.get(ADOPT_ANNOTATION) == "true":
            return change("adopt", "adopt requested", diff)
        owner = (
            f"managed by {live.managed_by!r}"
            if live.managed_by and live.managed_by != MANAGED_BY
            else "not managed by learnops"
        )
        errors.append(Problem(
            UNMANAGED_CONFLICT,
            f"{resource.address} already exists on the platform and is {owner}; to adopt "
            f'it, add the annotation {ADOPT_ANNOTATION}: "true" to its metadata (or rename '
            "the resource)",
            where(),
        ))
        return None
    if not diff and compared is not resource:
        # A platform holding part of a spec shows no change to the rest (a step's release,
        # an assignment's plans or start): learnops acts on that part itself, from what was
        # applied, so a change to it is written (and recorded) like any other.
        unshown = _unshown_diff(resource, record)
        if unshown is not None:
            return change("update", "spec changed", unshown)
    if not diff:
        return change("no-op", "unchanged")
    if resource.kind == "Assignment" and is_active(live.spec) != is_active(resource.spec):
        # ``active: false`` does what removing the assignment does, so it reads the same;
        # the executor still writes the whole desired spec (labels and all) as an update.
        if is_active(resource.spec):
            return change("update", "re-activated", diff)
        return change("inactivate", "inactivated in code", diff)
    return change("update", _update_reason(resource, live, record), diff)


def _unshown_diff(resource: DesiredResource,
                  record: Record) -> tuple[FieldDiff, ...] | None:
    """How ``resource`` differs from the spec its record says was applied (``None``: it
    does not); a record without that spec (written before learnops kept it, or
    imported) has only its hash to tell, and no lines to show."""
    if record.spec_hash == resource.spec_hash:
        return None  # the very spec applied (most resources: no normalising needed)
    if record.spec is None:
        return ()
    applied, wanted = essence(resource.kind, record.spec), essence(resource.kind, resource.spec)
    if applied == wanted:
        return None
    return diff_essence(applied, wanted, set_lists=set_list_paths(resource.kind))


def _update_reason(resource: DesiredResource, live: LiveResource, record: Record) -> Reason:
    if normalize_spec(resource.kind, resource.spec) == normalize_spec(resource.kind, live.spec):
        return "metadata changed"
    code_changed = resource.spec_hash != record.spec_hash
    # Drift: the platform no longer holds what learnops applied, as the state knows it
    # (the essence where the backend keeps it, else the hash the platform keeps).
    drifted = (
        essence_json(resource.kind, live)["spec"] != record.essence.get("spec")
        if record.essence is not None
        else not matches_hash(resource.kind, live.spec, record.spec_hash)
    )
    if code_changed and drifted:
        return "spec changed and drift"
    if drifted:
        return "drift"
    return "spec changed"


def _removal(
    resource: LiveResource, record: Record, options: PlanOptions, errors: list[Problem], *,
    owned: bool = False,
) -> Change:
    """``owned``: an inline audience going with its assignment (no --allow-delete)."""
    where = str(resource.address)
    # Only assignments have an inactive state; the other kinds can only be deleted
    # (the platform keeps their learners' records for reports).
    inactivates = resource.address.kind == "Assignment"
    deletes = _deletes(resource)
    change = _of_live(resource, "delete" if deletes else "inactivate", "removed from code",
                      record)
    if not deletes and _inactive(resource):
        return replace(change, action="no-op", reason="already inactive")
    if resource.annotations.get(PREVENT_DESTROY_ANNOTATION) == "true":
        errors.append(Problem(
            PREVENT_DESTROY,
            f"{resource.address} was removed from the code but carries "
            f'{PREVENT_DESTROY_ANNOTATION}: "true"; put its spec back, or apply it without '
            "the annotation first",
            where,
        ))
        return replace(change, refusal="prevent-destroy")
    if deletes and not options.allow_delete and not owned:
        why = (
            "with on_remove: delete; pass --allow-delete to delete it, or set "
            "on_remove: inactivate"
            if inactivates
            else "and only assignments can be inactivated; pass --allow-delete to delete it "
            "(learners' records stay for reports), or put its spec back"
        )
        errors.append(Problem(
            DELETE_NOT_ALLOWED, f"{resource.address} was removed from the code {why}", where
        ))
        return replace(change, refusal="delete-not-allowed")
    return change


def _inline_audiences(
    removed: Mapping[Address, LiveResource],
    wanted: Mapping[Address, DesiredResource],
    live: Mapping[Address, LiveResource],
) -> tuple[frozenset[Address], frozenset[Address]]:
    """Removed inline audiences (see :mod:`reconciler.plan.removals`): those whose
    assignment stays and still names them (kept), and the others (deleted with their
    assignment, no ``--allow-delete`` of their own)."""
    if not removed:  # the common case: nothing left the code
        return frozenset(), frozenset()
    deleted = frozenset(a for a, r in removed.items() if _deletes(r))
    remaining = remaining_specs({a: r.spec for a, r in wanted.items()}, live, deleted)
    owned: set[Address] = set()
    kept: set[Address] = set()
    for address in removed:
        owner = inline_owner(address, live)
        if owner is None:
            continue
        owned.add(address)
        if owner in remaining and remaining[owner].get("audience") == address.name:
            kept.add(address)
    return frozenset(owned - kept), frozenset(kept)


def _of_live(resource: LiveResource, action: Action, reason: Reason, record: Record) -> Change:
    """A change to a live resource the code no longer holds (``record``: the state's)."""
    return Change(
        address=resource.address,
        action=action,
        reason=reason,
        before=resource.spec,
        precondition_version=resource.version,
        spec_hash=record.spec_hash,
        labels=resource.labels,
        annotations=resource.annotations,
    )


def _refuse_unapplicable_deletes(
    changes: dict[Address, Change],
    wanted: Mapping[Address, DesiredResource],
    live: Mapping[Address, LiveResource],
    options: PlanOptions,
    errors: list[Problem],
) -> None:
    """A delete that something staying on the platform still names would fail at
    apply time, every time: refuse it now, saying who uses it."""
    deletes = [c for c in changes.values() if c.action == "delete" and not c.refused]
    if not deletes:
        return
    deleted = frozenset(c.address for c in deletes)
    remaining = remaining_specs({a: r.spec for a, r in wanted.items()}, live, deleted)
    for change in deletes:
        users = users_of(change.address, remaining)
        if not users:
            continue
        named = ", ".join(str(user) for user in users)
        errors.append(Problem(
            STILL_USED,
            f"{change.address} cannot be deleted: {named} still uses it and stays on the "
            "platform (an assignment removed from code is inactivated, not deleted); put "
            "its spec back, or delete what uses it in the same change (on_remove: delete)",
            _where(options.source_dir, change.location) or str(change.address),
        ))
        changes[change.address] = replace(change, refusal="still-used")


def _deletes(resource: LiveResource) -> bool:
    """Removing ``resource`` from code deletes it (only assignments inactivate)."""
    return resource.address.kind != "Assignment" or resource.spec.get("on_remove") == "delete"


def _inactive(resource: LiveResource) -> bool:
    return resource.spec.get("active") is False or resource.status.get("active") is False


def _in_order(
    changes: Mapping[Address, Change],
    generations: Sequence[Sequence[Address]],
    removed: Mapping[Address, LiveResource],
) -> tuple[Change, ...]:
    """Every change, in the order a reviewer reads best: apply order, removals last."""
    # The graph holds each address once, and none of the removed ones.
    ordered = [changes[a] for generation in generations for a in generation if a in changes]
    if len(ordered) + len(removed) < len(changes):  # some the graph does not hold
        seen = {change.address for change in ordered}
        ordered.extend(changes[a] for a in sorted(changes) if a not in seen and a not in removed)
    ordered.extend(changes[a] for a in sorted(removed, key=_removal_key))
    return tuple(ordered)


def _removal_key(address: Address) -> tuple[int, str]:
    return (-KINDS.index(address.kind) if address.kind in KINDS else 0, address.name)


def _where(source_dir: str, location: Location | None) -> str | None:
    if location is None:
        return None
    base = source_dir.rstrip("/")
    prefix = f"{base}/" if base and base != "." else ""
    return f"{prefix}{location.file}:{location.line}:{location.col}"


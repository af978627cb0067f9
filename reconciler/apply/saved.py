"""Saved plans (``learnops apply PLANFILE``): applied exactly as reviewed, to the
platform they were made against, or not at all.

Terraform's saved-plan rule, tightened: the plan is refused as stale when its specs
or its platform moved, or when it is applied to another target; and as tampered
when a change would write anything but what its specs compile to, since a reviewer
approved the specs' content, not whatever the file says now. Every check runs
before the first write; the state version is checked under the apply lock.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from reconciler.compiler import Compiled, compile_dir
from reconciler.directory import read_snapshot
from reconciler.errors import PlanFileError, StalePlanError
from reconciler.model import KINDS, DesiredResource, DesiredState, content_hash
from reconciler.plan.basis import directory_basis, resources_basis
from reconciler.plan.directory_change import user_changes
from reconciler.plan.model import Change, Plan
from reconciler.plan.serialize import plan_from_json
from reconciler.providers import AppliedSpecs, Provider, read_in_terms_of
from reconciler.state.target import Target

DEFAULT_TARGET = "provider"


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan that matches the specs it was made from, compiled again."""

    plan: Plan
    compiled: Compiled
    file: Path


def open_saved_plan(plan_file: Path) -> SavedPlan:
    """Read ``plan_file``, compile the spec directory it was made from and check the
    plan against it. :class:`PlanFileError` when the file is unreadable, not a plan,
    tampered or inconsistent; :class:`StalePlanError` when the specs changed since."""
    where = str(plan_file)
    try:
        document = json.loads(plan_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise PlanFileError(f"cannot read the plan: {problem}", where=where) from None
    try:
        plan = plan_from_json(document)
    except PlanFileError as problem:
        raise PlanFileError(problem.message, where=where) from None
    # The summary is what a reviewer reads first: it must say what the changes do.
    if document["summary"] != plan.summary():
        raise _tampered("its summary does not count its changes", where)
    root = _spec_root(plan, where)
    compiled = compile_dir(root)
    if compiled.state.digest != plan.source_digest:
        raise StalePlanError(
            f"the plan is stale: the specs in {root} changed since it was made "
            "(nothing was written); plan again",
            where=where,
        )
    inconsistency = first_inconsistency(plan, compiled.state)
    if inconsistency is not None:
        raise _tampered(inconsistency, where)
    return SavedPlan(plan=plan, compiled=compiled, file=plan_file)


def saved_target(saved: SavedPlan, target: str | None) -> str | None:
    """The target a saved plan applies to: the one it records. ``target`` (an explicit
    ``--target``) may only repeat it; ``None`` stands for the default provider."""
    plan, where = saved.plan, str(saved.file)
    if plan.target_name is None or plan.platform is None:
        raise PlanFileError(
            "the plan does not say which target and platform it was made for "
            "(nothing was written); plan again",
            where=where,
        )
    if target is not None and target != plan.target_name:
        raise StalePlanError(
            f"the plan was made for target '{plan.target_name}', not '{target}'; "
            f"nothing was written: a saved plan applies to its own target (leave out "
            f"--target), or plan again with --target {target}",
            where=where,
        )
    return None if plan.target_name == DEFAULT_TARGET else plan.target_name


def check_target(saved: SavedPlan, provider: Provider, target: str | None,
                 applied: AppliedSpecs | None = None) -> None:
    """The plan must be applied to the target and platform it was made against
    (``target``: the ``--target`` name ``provider`` was opened for; ``applied``: the
    state's applied specs, which a platform holding part of a spec reads back by)."""
    plan, where = saved.plan, str(saved.file)
    name = saved_target(saved, target) or DEFAULT_TARGET
    if (plan.target_name, plan.target_provider, plan.platform) != (
        name, provider.name, provider.identity
    ):
        raise StalePlanError(
            f"the plan was made for target '{plan.target_name}' ({plan.target_provider} "
            f"at {plan.platform}), not '{name}' ({provider.name} at {provider.identity}); "
            "nothing was written: plan again for this target",
            where=where,
        )
    read_in_terms_of(provider, saved.compiled.state,  # reads as the plan's were
                     {c.renamed_from: c.address for c in plan.changes if c.renamed_from},
                     applied)


def check_platform_unmoved(saved: SavedPlan, target: Target) -> None:
    """Call under the apply lock, so nothing moves the platform between this and the
    writes: any apply since the plan was made raised the state's serial; what the plan
    was made against (:mod:`reconciler.plan.basis`: the live resources, and the
    platform's users when it read them) must not have moved. Learner activity moves
    neither. A plan without a basis (an older file) falls back to the platform's
    state version, which any write by anyone raises (where it counts them)."""
    plan, where = saved.plan, str(saved.file)
    lineage, serial, version = target.mark()
    if plan.state_serial is not None and plan.state_backend != target.state.backend:
        raise StalePlanError(
            f"the plan was made against {plan.state_backend} state, the target now uses "
            f"{target.state.backend} (nothing was written); plan again",
            where=where,
        )
    if plan.state_lineage is not None and plan.state_lineage != lineage:
        raise StalePlanError(
            f"the plan was made against another state (lineage {plan.state_lineage}, now "
            f"{lineage}; nothing was written); plan again",
            where=where,
        )
    moved_state = plan.state_serial is not None and plan.state_serial != serial
    if moved_state and target.state.editable:  # learnops' own serial: the clearer reason
        raise StalePlanError(
            f"the plan is stale: the state moved since it was made (serial "
            f"{plan.state_serial}, now {serial}; nothing was written); plan again",
            where=where,
        )
    if plan.basis is not None and not moved_state:
        _check_basis(plan, target.provider, where)
        return
    if version != plan.state_version or moved_state:
        raise StalePlanError(
            f"the plan is stale: the platform changed since it was made (state version "
            f"{plan.state_version}, now {version}; nothing was written); plan again",
            where=where,
        )


def _check_basis(plan: Plan, provider: Provider, where: str) -> None:
    moved = []
    if resources_basis(provider.read_resources(KINDS)) != plan.basis:
        moved.append("resources it planned against")
    if plan.directory_basis is not None and (
        directory_basis(provider.read_users()) != plan.directory_basis
    ):
        moved.append("the directory")
    if moved:
        raise StalePlanError(
            f"the plan is stale: {' and '.join(moved)} changed on the platform since it "
            "was made (nothing was written); plan again",
            where=where,
        )


def check_directory_unmoved(saved: SavedPlan, provider: Provider, target: str | None) -> None:
    """Call under the apply lock, after :func:`check_platform_unmoved`: the directory
    source must hold the people the plan was made from (its digest), and the plan's
    directory change must be what they and the platform's users make."""
    plan, where = saved.plan, str(saved.file)
    snapshot = read_snapshot(saved.compiled.state.project, target)
    if snapshot is None or plan.directory is None:
        if snapshot is not None or plan.directory is not None:
            raise StalePlanError(
                "the plan is stale: learnops.yaml names another directory than when it "
                "was made (nothing was written); plan again",
                where=where,
            )
        return
    if snapshot.digest != plan.directory.digest:
        raise StalePlanError(
            f"the plan is stale: the directory ({snapshot.source}) changed since it was "
            "made (nothing was written); plan again",
            where=where,
        )
    if user_changes(snapshot.users, provider.read_users()) != plan.directory.changes:
        raise _tampered("its directory changes are not what the directory makes", where)


def first_inconsistency(plan: Plan, desired: DesiredState) -> str | None:
    """What in ``plan`` the specs ``desired`` do not back, if anything: every write of
    a spec must write exactly the compiled resource, and removals only what the specs
    no longer hold."""
    wanted = desired.by_address()
    repeated = [address for address, n in Counter(c.address for c in plan.changes).items()
                if n > 1]
    if repeated:
        return f"it lists {repeated[0]} more than once"
    for change in plan.changes:
        match change.action:
            case "create" | "update" | "adopt":
                resource = wanted.get(change.address)
                if resource is None:
                    return f"it would {change.action} {change.address}, which the specs lack"
                problem = _unlike(change, resource)
                if problem is not None:
                    return f"{change.address}: {problem}"
            case "inactivate" if change.after is not None:
                # ``active: false`` in code: the spec written must be the compiled one.
                resource = wanted.get(change.address)
                if resource is None:
                    return f"it would inactivate {change.address}, which the specs lack"
                problem = _unlike(change, resource)
                if problem is not None:
                    return f"{change.address}: {problem}"
            case "inactivate" | "delete":
                if change.address in wanted:
                    return f"it would {change.action} {change.address}, which the specs hold"
            case "no-op":
                pass  # writes nothing
            case _:
                assert_never(change.action)
    return None


def _unlike(change: Change, resource: DesiredResource) -> str | None:
    if change.after is None or content_hash(dict(change.after)) != resource.spec_hash:
        return "its 'after' is not the spec the specs compile to"
    if change.spec_hash != resource.spec_hash:
        return "its spec_hash is not the hash of the compiled spec"
    if dict(change.labels) != dict(resource.labels):
        return "its labels are not the compiled ones"
    if dict(change.annotations) != dict(resource.annotations):
        return "its annotations are not the compiled ones"
    return None


def _spec_root(plan: Plan, where: str) -> Path:
    """The spec directory the plan was made from, wherever apply runs."""
    if plan.source_root is None:
        raise PlanFileError(
            "the plan does not record the absolute path of its spec directory "
            "(source.root; nothing was written); plan again",
            where=where,
        )
    root = Path(plan.source_root)
    if not root.is_dir():
        raise PlanFileError(
            f"the plan was made from the spec directory {root}, which no longer exists "
            "(nothing was written); plan again from where the specs are now",
            where=where,
        )
    return root


def _tampered(detail: str, where: str) -> PlanFileError:
    return PlanFileError(
        f"the plan file was tampered with or is inconsistent: {detail} (nothing was "
        "written); plan again",
        where=where,
    )

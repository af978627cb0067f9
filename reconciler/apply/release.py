"""The facade of ``learnops release``: compile, open the target, perform (or list) what
falls due on a day, close. Platforms with a scheduler of their own need none of it.

Releases follow what was applied, not the files: the plan is a promise, so a plan newly
added to an assignment in the specs, or a step's release moved, reaches learners only
once ``apply`` wrote it. The state store keeps the spec each write was made from
(:attr:`reconciler.state.Record.spec`); :func:`applied_state` is the specs as applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from reconciler.compiler import compile_dir
from reconciler.model import Address, DesiredResource, DesiredState, Location, content_hash
from reconciler.providers import Provider
from reconciler.providers.releases import Releaser, ReleaseReport
from reconciler.state import Record
from reconciler.state.target import open_target

# Where a resource removed from the specs, but not yet from the platform, comes from.
_FROM_STATE = Location("(the state store)", 0, 0)


@dataclass(frozen=True)
class ReleaseOutcome:
    provider: str
    report: ReleaseReport | None  # None: the platform schedules releases itself
    dry_run: bool
    # Resources whose specs differ from what was applied (released as applied).
    unapplied: tuple[Address, ...] = ()


@dataclass(frozen=True)
class Applied:
    """The specs as the last applies wrote them, and the resources whose files say else."""

    state: DesiredState
    unapplied: tuple[Address, ...]


def release_directory(spec_dir: Path, *, today: date, target: str | None = None,
                      dry_run: bool = False) -> ReleaseOutcome:
    """What ``learnops release`` does: ``SpecError`` when the specs do not compile."""
    compiled = compile_dir(spec_dir)
    opened = open_target(compiled.state.project, target)
    try:
        provider = opened.provider
        if not isinstance(provider, Releaser):
            return ReleaseOutcome(provider.name, None, dry_run)
        applied = applied_state(compiled.state, opened.state.snapshot().records)
        return ReleaseOutcome(provider.name, releases(provider, applied.state, today,
                                                      dry_run=dry_run),
                              dry_run, applied.unapplied)
    finally:
        opened.close()


def releases(provider: Provider, applied: DesiredState, today: date, *,
             dry_run: bool) -> ReleaseReport | None:
    """The releases due on ``today`` through ``provider`` by the ``applied`` specs
    (:func:`applied_state`), performed unless ``dry_run``; ``None`` for a platform that
    releases by itself."""
    if not isinstance(provider, Releaser):
        return None
    if dry_run:
        return provider.releases_due(applied, today)
    return provider.release_due(applied, today)


def applied_state(desired: DesiredState, records: Mapping[Address, Record]) -> Applied:
    """``desired`` as it was applied: a resource whose record holds its spec hash as it
    is; one changed since, as its record's spec; one never applied, left out (so is a
    changed one whose record has no spec: imported, or from before records kept it); one
    removed from the specs but not from the platform, as its record's spec. Content the
    platform provides (``existing: true`` objects) is never written, and stays."""
    resources: list[DesiredResource] = []
    unapplied: list[Address] = []
    for resource in desired.resources:
        record = records.get(resource.address)
        if (record is not None and record.spec_hash == resource.spec_hash) or (
                resource.kind == "LearningObject" and resource.spec.get("existing") is True):
            resources.append(resource)
            continue
        unapplied.append(resource.address)
        if record is not None and record.spec is not None:
            resources.append(replace(resource, spec=record.spec))
    wanted = desired.by_address()
    for address, record in sorted(records.items()):
        # An inactivation keeps the record without a spec: nothing left to release by.
        if address not in wanted and record.spec is not None:
            unapplied.append(address)
            resources.append(DesiredResource(address, record.spec, _FROM_STATE))
    digest = content_hash([[str(r.address), r.spec_hash] for r in resources])
    return Applied(replace(desired, resources=tuple(resources), digest=digest),
                   tuple(unapplied))

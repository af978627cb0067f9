"""Settling pending writes: an apply that stopped between a platform write and its record
(a crash, a kill) leaves a :class:`reconciler.state.PendingWrite`. The next plan reads
the resource back and says what became of it, as Pulumi settles a pending operation:

- a create or update *landed* when the resource holds what the write was made from (its
  spec hash; or, for a platform holding part of a spec, what it holds of the same spec):
  it is recorded as managed, as the write would have recorded it;
- an inactivation landed when the resource is inactive (its record is refreshed); a
  delete when the resource is gone (its record goes too);
- otherwise the write did not land: the pending entry goes, and the record (if any)
  stays as it was.

The plan is made on the settled records, so it shows what apply will do; apply writes
the settlement to the state before its first write (a plan that only settles still has
something to apply). ``state: platform`` keeps no pending writes: nothing to settle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import assert_never

from reconciler.model import Address, DesiredResource
from reconciler.plan.model import Settled
from reconciler.plan.normalize import essence, essence_json, matches_hash
from reconciler.providers import LiveResource
from reconciler.state import PendingWrite, Record


def settle(
    pending: Iterable[PendingWrite],
    live: Mapping[Address, LiveResource],
    desired: Mapping[Address, DesiredResource],
    held: Callable[[DesiredResource], DesiredResource] | None,
) -> tuple[Settled, ...]:
    """What became of each pending write, judged from the live resources just read."""
    return tuple(_settle(write, live.get(write.address), desired.get(write.address), held)
                 for write in pending)


def settled_records(
    records: Mapping[Address, Record], settled: Iterable[Settled]
) -> dict[Address, Record]:
    """``records`` as they are once ``settled`` is written."""
    out = dict(records)
    for outcome in settled:
        if outcome.record is not None:
            out[outcome.address] = outcome.record
        elif outcome.landed:  # a delete that landed
            out.pop(outcome.address, None)
    return out


def _settle(
    write: PendingWrite,
    resource: LiveResource | None,
    wanted: DesiredResource | None,
    held: Callable[[DesiredResource], DesiredResource] | None,
) -> Settled:
    def outcome(landed: bool) -> Settled:
        record = None
        if landed and resource is not None:
            written = (wanted.spec if wanted is not None and write.spec_hash is not None
                       and wanted.spec_hash == write.spec_hash else None)
            record = Record(
                address=write.address, platform_id=resource.platform_id or write.address.name,
                spec_hash=write.spec_hash, essence=essence_json(write.address.kind, resource),
                fingerprint=None if resource.version is None else str(resource.version),
                applied_at=write.started_at, spec=None if written is None else dict(written),
            )
        return Settled(write.address, write.action, landed, record)

    match write.action:
        case "create" | "update":
            return outcome(resource is not None
                           and holds(write.address.kind, write.spec_hash, resource, wanted, held))
        case "inactivate":
            return outcome(resource is not None and (
                resource.status.get("active") is False or resource.spec.get("active") is False))
        case "delete":
            return outcome(resource is None)
        case _:
            assert_never(write.action)


def holds(
    kind: str,
    spec_hash: str | None,
    resource: LiveResource,
    wanted: DesiredResource | None,
    held: Callable[[DesiredResource], DesiredResource] | None,
) -> bool:
    """Whether ``resource`` holds what a write of the spec hashed ``spec_hash`` wrote
    (``wanted``: that spec in the code now; ``held``: what the platform holds of a spec).
    Settling a pending write asks it, and so does apply after a write's answer was lost."""
    if matches_hash(kind, resource.spec, spec_hash):
        return True
    # A platform that holds part of a spec (Kolibri) cannot show the written spec's
    # hash: it holds what it holds of that spec when the code still says the same.
    if wanted is None or held is None or wanted.spec_hash != spec_hash:
        return False
    shown = held(wanted)
    return essence(kind, shown.spec, shown.labels, shown.annotations) == essence(
        kind, resource.spec, resource.labels, resource.annotations)

"""``learnops state rm | import | mv``: edits of the state outside an apply, each under
the apply lease and raising the serial (a saved plan made before one is stale).

Only stores that keep their own records can be edited (``local``, ``postgres``);
with ``state: platform`` ownership is the platform's metadata, changed by a write
(the adopt annotation), never by editing state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reconciler.errors import UsageError
from reconciler.model import KINDS, Address, content_hash
from reconciler.plan.normalize import essence_json
from reconciler.providers import Lock
from reconciler.state import Record, StateConflictError, StateWriter
from reconciler.state.sql import utc_iso
from reconciler.state.target import Target


def parse_address(text: str) -> Address:
    """``Kind/name`` as the CLI takes it; a :class:`UsageError` naming the kinds."""
    address = Address.parse(text)
    if address.kind not in KINDS or not address.name:
        raise UsageError(
            f"'{text}' is not a resource address (KIND/NAME, KIND one of {', '.join(KINDS)})"
        )
    return address


def editable(state: StateWriter) -> None:
    if not state.editable:
        raise UsageError(
            f"{state.backend} state keeps learnops' records on the platform itself, so they "
            "cannot be edited: use the adopt annotation to take a resource over, or set "
            "state: local (or postgres) in learnops.yaml"
        )


def record_of(state: StateWriter, address: Address) -> Record:
    record = state.snapshot().records.get(address)
    if record is None:
        raise StateConflictError(
            f"{address} is not in the {state.backend} state at {state.location} "
            "(learnops state list shows what is)"
        )
    return record


def remove(state: StateWriter, lease: Lock, address: Address) -> Record:
    """Forget ``address``: learnops stops managing it, the platform keeps it."""
    editable(state)
    _, serial = state.serial()
    record = record_of(state, address)
    state.forget(lease, address)
    state.persist(lease, serial)
    return record


def import_resource(
    target: Target, lease: Lock, address: Address, platform_id: str, now: Callable[[], float]
) -> Record:
    """Record the live resource ``platform_id`` as ``address``: learnops manages it from
    now on, as the platform holds it (the next plan shows what the code changes)."""
    state = target.state
    editable(state)
    _, serial = state.serial()
    if address in state.snapshot().records:
        raise StateConflictError(
            f"{address} is already in the state (learnops state rm it first to import "
            "another resource under that address)"
        )
    live = next(
        (r for r in target.provider.read_resources([address.kind])
         if (r.platform_id or r.address.name) == platform_id),
        None,
    )
    if live is None:
        raise StateConflictError(
            f"the platform ({target.provider.name}) has no {address.kind} with id "
            f"'{platform_id}'"
        )
    if live.address != address and not target.provider.capabilities.own_ids:
        raise UsageError(
            f"provider {target.provider.name} names its resources by their address: "
            f"import {live.address} {platform_id}, or rename the resource in code"
        )
    record = Record(
        address=address, platform_id=platform_id, spec_hash=content_hash(dict(live.spec)),
        essence=essence_json(address.kind, live),
        fingerprint=None if live.version is None else str(live.version),
        applied_at=utc_iso(now()),
    )
    state.record(lease, record)
    state.persist(lease, serial)
    return record


def move(target: Target, lease: Lock, old: Address, new: Address) -> Record:
    """The record of ``old`` under the address ``new`` (a resource renamed in code)."""
    state = target.state
    editable(state)
    if old.kind != new.kind:
        raise UsageError(f"a {old.kind} cannot become a {new.kind}: the kinds must match")
    if not target.provider.capabilities.own_ids:
        # Plan finds a resource by its address; where the address is the platform's
        # name for it, a record moved to another address finds nothing there.
        raise UsageError(
            f"cannot move its record to {new}: plan finds {target.provider.name}'s "
            f"resources by their address, not by the platform's id, so {new} would be "
            f"another resource; to rename it, rename it in code and apply (plan creates "
            f"{new} and removes {old}, whose learners' records stay), or keep the name",
            where=str(old),
        )
    _, serial = state.serial()
    record = record_of(state, old)
    if new in state.snapshot().records:
        raise StateConflictError(f"{new} is already in the state: nothing was moved")
    moved = replace(record, address=new)
    state.record(lease, moved)  # first: an interruption leaves both, never neither
    state.forget(lease, old)
    state.persist(lease, serial)
    return moved

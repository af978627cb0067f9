"""The executor's side of the state store: one bracket per write (Pulumi's pending
operations). ``begin`` before the platform call, then ``record`` what landed (or
``forget`` what a delete removed) or ``fail`` the intent; ``persist`` raises the
serial once the walk is done. A crash between the call and the record leaves the
pending entry: the next plan reads the platform and settles it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reconciler.model import JSON, Address
from reconciler.plan.model import Plan, Settled
from reconciler.plan.normalize import essence_json
from reconciler.providers import LiveResource, Lock, WriteRequest
from reconciler.state import PendingWrite, Record, StateWriter
from reconciler.state.sql import utc_iso


class Bookkeeper:
    """The executor's side of the state store: one bracket per write."""

    def __init__(self, state: StateWriter, lease: Lock, clock: Callable[[], float]) -> None:
        self.state = state
        self.lease = lease
        self.clock = clock

    def serial(self, plan: Plan) -> int:
        return plan.state_serial if plan.state_serial is not None else self.state.serial()[1]

    def begin(self, request: WriteRequest) -> None:
        self.state.begin(self.lease, PendingWrite(
            request.address, request.action, request.idempotency_key, utc_iso(self.clock()),
            request.spec_hash if request.action in ("create", "update") else None,
        ))

    def landed(self, request: WriteRequest, after: LiveResource | None) -> None:
        if request.action == "delete":
            self.state.forget(self.lease, request.address)
            return
        kind = request.address.kind
        if after is not None:
            found = essence_json(kind, after)
            platform_id = after.platform_id or request.address.name
            fingerprint = None if after.version is None else str(after.version)
        else:  # the platform answered without the resource: what was written
            found = essence_json(kind, _Written(request))
            platform_id, fingerprint = request.address.name, None
        written = request.spec if request.action in ("create", "update") else None
        self.state.record(self.lease, Record(
            address=request.address, platform_id=platform_id, spec_hash=request.spec_hash,
            essence=found, fingerprint=fingerprint, applied_at=utc_iso(self.clock()),
            spec=None if written is None else dict(written),
        ))

    def settle(self, settled: Iterable[Settled]) -> None:
        """Write what the plan found of an interrupted apply's pending writes."""
        for outcome in settled:
            if outcome.record is not None:
                self.state.record(self.lease, outcome.record)
            elif outcome.landed:
                self.state.forget(self.lease, outcome.address)
            else:
                self.state.fail(self.lease, outcome.address)

    def failed(self, address: Address) -> None:
        self.state.fail(self.lease, address)

    def persist(self, serial: int) -> None:
        self.state.persist(self.lease, serial)


@dataclass(frozen=True)
class _Written:
    request: WriteRequest

    @property
    def spec(self) -> Mapping[str, JSON]:
        return self.request.spec or {}

    @property
    def labels(self) -> Mapping[str, str]:
        return self.request.labels

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.request.annotations

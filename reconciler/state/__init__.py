"""The state store: learnops' own record of what it manages, as Terraform keeps state.

Per managed resource a :class:`Record` (address, platform id, the spec hash and the
essence last applied, the platform's version if it reports one, when); per store a
lineage fixed at creation and a serial raised by every apply that wrote; pending
writes (intent recorded before a platform call, closed after it); and the apply
lock. The planner gets a :class:`StateReader`, the executor a :class:`StateWriter`,
the apply lease a :class:`StateLocker`.

Backends (``state:`` in learnops.yaml, entry-point group ``reconciler.state_backends``):
``platform`` reads ownership off the platform itself (the reference platform holds
it), ``local`` is a SQLite file under ``.learnops/``, ``postgres`` a shared database.
One store holds one *workspace* per target, so targets never see each other's records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reconciler.errors import ReconcilerError
from reconciler.model import JSON, Address, DesiredState
from reconciler.providers import AppliedSpecs, LiveResource, Lock, WriteAction

__all__ = [
    "PendingWrite",
    "Record",
    "Snapshot",
    "StateConflictError",
    "StateLocker",
    "StateReader",
    "StateStore",
    "StateWriter",
]


class StateConflictError(ReconcilerError):
    """The state moved under a writer (serial compare-and-swap failed), or a state
    command names an address the state does not hold."""

    code = "LO210"


@dataclass(frozen=True)
class Record:
    """One resource learnops manages. ``essence`` is what learnops last wrote, as the
    planner compares it (``None`` where the backend keeps only the hash: ``platform``);
    ``fingerprint`` the platform's version of it after the write, if it has one.
    ``spec`` is the spec that write was made from, whole: where a platform holds only
    part of it (Kolibri), learnops acts on the rest itself (``learnops release``), and
    acts on what was applied, not on the files (``None``: not known, e.g. imported)."""

    address: Address
    platform_id: str
    spec_hash: str | None
    essence: Mapping[str, JSON] | None = None
    fingerprint: str | None = None
    applied_at: str = ""  # ISO 8601 UTC; empty when the backend does not know
    spec: Mapping[str, JSON] | None = None

    def to_json(self) -> dict[str, JSON]:
        return {
            "address": str(self.address), "platform_id": self.platform_id,
            "spec_hash": self.spec_hash,
            "essence": dict(self.essence) if self.essence is not None else None,
            "fingerprint": self.fingerprint, "applied_at": self.applied_at,
            "spec": dict(self.spec) if self.spec is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSON]) -> Record:
        essence, spec = data.get("essence"), data.get("spec")
        fingerprint, spec_hash = data.get("fingerprint"), data.get("spec_hash")
        return cls(
            address=Address.parse(str(data["address"])), platform_id=str(data["platform_id"]),
            spec_hash=None if spec_hash is None else str(spec_hash),
            essence=dict(essence) if isinstance(essence, Mapping) else None,
            fingerprint=None if fingerprint is None else str(fingerprint),
            applied_at=str(data.get("applied_at") or ""),
            spec=dict(spec) if isinstance(spec, Mapping) else None,
        )


@dataclass(frozen=True)
class PendingWrite:
    """A write begun and not yet recorded or failed: its outcome is unknown until a
    read settles it (a crash between the platform call and the record): the next plan
    reads the resource back and, where it holds what ``spec_hash`` was written from,
    records it (:mod:`reconciler.plan.settle`). ``spec_hash``: ``None`` for removals."""

    address: Address
    action: WriteAction
    idempotency_key: str
    started_at: str
    spec_hash: str | None = None


@dataclass(frozen=True)
class Snapshot:
    lineage: str
    serial: int
    records: Mapping[Address, Record] = field(default_factory=dict)
    pending: tuple[PendingWrite, ...] = ()

    def applied_specs(self, desired: DesiredState) -> AppliedSpecs:
        """The spec each record's write was made from (``None`` where the record keeps
        none): what a platform holding part of a spec reads the rest back from. A pending
        write counts as made from ``desired``'s spec where that still has the hash it was
        made from: settling it reads the platform as the write would have left it."""
        applied: dict[Address, Mapping[str, JSON] | None] = {
            address: record.spec for address, record in self.records.items()}
        if self.pending:
            wanted = desired.by_address()
            for write in self.pending:
                resource = wanted.get(write.address)
                if resource is not None and write.spec_hash == resource.spec_hash:
                    applied[write.address] = resource.spec
        return applied


@runtime_checkable
class StateReader(Protocol):
    """All the planner gets."""

    @property
    def backend(self) -> str:
        """``platform``, ``local``, ``postgres``, ...: shown in plans and errors."""
        ...

    @property
    def location(self) -> str:
        """Where the state lives, free of secrets (a path, a DSN without password)."""
        ...

    @property
    def editable(self) -> bool:
        """Whether records live in the store itself (``learnops state rm/import/mv``
        edit them), rather than on the platform (``platform``)."""
        ...

    def snapshot(self, live: Sequence[LiveResource] | None = None) -> Snapshot:
        """Every record of this workspace. ``live``: the platform's resources as the
        caller just read them, so a backend whose records live on the platform needs
        no second read."""
        ...

    def serial(self) -> tuple[str, int]:
        """``(lineage, serial)``, cheaply: saved-plan staleness and idle sync cycles."""
        ...


@runtime_checkable
class StateWriter(StateReader, Protocol):
    """What the executor and ``learnops state`` get; every change holds the lease."""

    def begin(self, lease: Lock, write: PendingWrite) -> None: ...

    def record(self, lease: Lock, record: Record) -> None: ...

    def fail(self, lease: Lock, address: Address) -> None: ...

    def forget(self, lease: Lock, address: Address) -> None: ...

    def persist(self, lease: Lock, expect_serial: int) -> int:
        """Raise the serial from ``expect_serial`` (compare-and-swap); the new one.
        :class:`StateConflictError` when another writer moved it meanwhile."""
        ...


@runtime_checkable
class StateLocker(Protocol):
    """The apply lock; :class:`reconciler.apply.lock.ApplyLease` retries and renews it."""

    def acquire_lock(self, holder: str, ttl_seconds: float) -> Lock:
        """Raises ``LockHeldError`` naming the holder at once when another apply has it."""
        ...

    def renew_lock(self, lock: Lock, ttl_seconds: float) -> Lock: ...

    def release_lock(self, lock: Lock) -> None: ...

    def force_unlock(self, lock_id: str) -> None: ...


@runtime_checkable
class StateStore(StateWriter, StateLocker, Protocol):
    def close(self) -> None: ...

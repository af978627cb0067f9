"""What the sync knows, as frozen values: the status ``/status`` serves and the report
each cycle hands to its listeners (metrics, notifications, the CLI's log lines).

``revision`` is the last good revision (it compiled and planned cleanly): the one
the platform follows. ``head`` is the branch's latest commit, which may be a bad
one: then ``last_error`` says why, with ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from reconciler.model import JSON

SyncState = Literal["Unknown", "Synced", "OutOfSync", "Failed"]


def stamp(moment: datetime) -> str:
    """A status timestamp: UTC to the second, ``Z``-suffixed. ``moment`` comes from the
    clock the sync is given (STYLE 12): the sync never reads the real time itself."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class SyncFailure:
    """Why the last cycle failed. ``where`` is ``file:line:col`` (relative to the
    repository) for a spec problem, else a resource address or the repository;
    ``details`` holds every problem, one formatted line each."""

    message: str
    code: str
    where: str | None
    details: tuple[str, ...]
    revision: str | None
    at: str

    def line(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def to_json(self) -> dict[str, JSON]:
        return {
            "message": self.message, "code": self.code, "where": self.where,
            "details": list(self.details), "revision": self.revision, "at": self.at,
        }


@dataclass(frozen=True, order=True)
class ChangeRecord:
    """One change a sync applied (or failed to)."""

    address: str
    action: str

    def to_json(self) -> dict[str, JSON]:
        return {"address": self.address, "action": self.action}


@dataclass(frozen=True)
class AppliedSet:
    """The changes one sync applied, at which revision and when."""

    revision: str
    changes: tuple[ChangeRecord, ...]
    at: str

    def to_json(self) -> dict[str, JSON]:
        return {"revision": self.revision, "at": self.at,
                "changes": [change.to_json() for change in self.changes]}


@dataclass(frozen=True)
class SyncStatus:
    repo: str
    branch: str
    path: str
    state: SyncState = "Unknown"
    head: str | None = None
    revision: str | None = None
    state_version: int | None = None
    drifted: tuple[str, ...] = ()  # addresses changed behind learnops' back, not reverted
    held_removals: tuple[str, ...] = ()  # removed from code, kept until --prune
    pending: tuple[str, ...] = ()  # other changes not applied (no --auto-apply)
    last_error: SyncFailure | None = None
    last_applied: AppliedSet | None = None
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    cycles: int = 0  # cycles run, idle ones included

    def to_json(self) -> dict[str, JSON]:
        return {
            "repo": self.repo, "branch": self.branch, "path": self.path,
            "status": self.state, "head": self.head, "revision": self.revision,
            "state_version": self.state_version,
            "drifted": list(self.drifted), "held_removals": list(self.held_removals),
            "pending": list(self.pending),
            "last_error": self.last_error.to_json() if self.last_error else None,
            "last_applied": self.last_applied.to_json() if self.last_applied else None,
            "last_attempt_at": self.last_attempt_at, "last_success_at": self.last_success_at,
            "cycles": self.cycles,
        }


@dataclass(frozen=True)
class CycleReport:
    """One cycle, for listeners. ``idle``: nothing had moved, nothing was done.
    ``retryable``: the failure is not the revision's fault (the platform or git
    failed), so the loop backs off and tries again."""

    idle: bool
    status: SyncStatus
    duration: float
    applied: tuple[ChangeRecord, ...] = ()
    failed: tuple[ChangeRecord, ...] = ()
    failure: SyncFailure | None = None
    retryable: bool = False
    released: tuple[str, ...] = ()  # releases and upkeep done for a platform without a scheduler

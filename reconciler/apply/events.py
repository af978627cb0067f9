"""What an apply reports: progress events while it runs, and its result at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.model import Address

# -- what a run reports ------------------------------------------------------------


@dataclass(frozen=True)
class AppliedChange:
    address: Address
    action: str
    # True when a retry found the first attempt had committed (its answer was lost).
    recovered: bool = False


@dataclass(frozen=True)
class FailedChange:
    address: Address
    action: str
    error: str
    code: str
    # True when the write may have landed (stopped while retrying one that got no
    # answer): its pending write stays, for the next plan to settle from the platform.
    unknown: bool = False


@dataclass(frozen=True)
class SkippedChange:
    address: Address
    action: str
    cause: str


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[AppliedChange, ...]
    failed: tuple[FailedChange, ...]
    skipped: tuple[SkippedChange, ...]
    writes: int  # writes that changed something: applied changes, recovered ones included
    unchanged: int = 0  # no-op changes: nothing to write
    attempts: int = 0  # write calls sent to the platform, retries and failures included
    # Why the apply stopped before the end (platform unreachable, out of time, a signal):
    # what it did not reach is in ``skipped``, never attempted.
    stopped: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


# -- progress events (the CLI renders them) ------------------------------------------


@dataclass(frozen=True)
class ChangeStarted:
    address: Address
    action: str


@dataclass(frozen=True)
class ChangeRetrying:
    address: Address
    action: str
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class ChangeDone:
    outcome: AppliedChange | FailedChange | SkippedChange


ApplyEvent = ChangeStarted | ChangeRetrying | ChangeDone
EventSink = Callable[[ApplyEvent], None]

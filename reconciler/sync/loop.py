"""The sync loop: a cycle every ``interval``, sooner when a webhook asks, later after
failures (exponential backoff), and a clean stop.

Cycles never overlap (one lock), so at most one apply is in flight from this
process; the platform's apply lock keeps it apart from every other apply.
:meth:`SyncLoop.stop` is safe to call from a signal handler: it only raises flags,
and the running cycle stops at its next step boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.apply.executor import StopSignal
from reconciler.sync.cycle import Syncer
from reconciler.sync.status import CycleReport, SyncStatus

Listener = Callable[[CycleReport], None]


@dataclass(frozen=True)
class Backoff:
    """After ``n`` failures in a row the next cycle waits ``interval * 2**n``, at most
    ``ceiling`` (and never less than ``interval``)."""

    interval: float
    ceiling: float = 600.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return self.interval
        return max(self.interval, min(self.ceiling, self.interval * 2.0 ** min(failures, 32)))


class SyncLoop:
    def __init__(
        self,
        syncer: Syncer,
        *,
        interval: float,
        max_backoff: float = 600.0,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.syncer = syncer
        self.backoff = Backoff(interval, max(max_backoff, interval))
        self.listeners = tuple(listeners)
        self.failures = 0  # retryable failures in a row
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._stop_reason = "stopping"
        self._one_cycle = threading.Lock()
        self._current: StopSignal | None = None
        self.cut_short = False  # stop() came while a cycle ran

    @property
    def status(self) -> SyncStatus:
        return self.syncer.status

    @property
    def trigger_pending(self) -> bool:
        """A cycle was asked for (webhook) and has not started yet."""
        return self._wake.is_set() and not self._stopping.is_set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def trigger(self) -> None:
        """Run the next cycle now (a push landed)."""
        self._wake.set()

    def stop(self, reason: str = "stopping") -> None:
        """Finish at the next step boundary; an apply starts no further writes."""
        self._stop_reason = reason
        self._stopping.set()
        current = self._current
        if current is not None:
            self.cut_short = True  # a cycle (maybe an apply) was under way: not a clean stop
            current.stop(reason)
        self._wake.set()

    def run_once(self) -> CycleReport:
        with self._one_cycle:
            signal = StopSignal()
            self._current = signal
            if self._stopping.is_set():
                signal.stop(self._stop_reason)
            try:
                report = self.syncer.cycle(signal)
            finally:
                self._current = None
        if report.failure is None:
            # The stop came as the cycle was ending (its status written, its memory
            # being saved): it cut nothing short, and the stop is a clean one.
            self.cut_short = False
        if report.failure is not None and report.retryable:
            self.failures += 1
        elif report.failure is None:
            self.failures = 0
        for listener in self.listeners:
            listener(report)
        return report

    def run_forever(self) -> None:
        """Cycles until :meth:`stop`; closes the platform connection at the end."""
        try:
            while not self._stopping.is_set():
                # Cleared before the cycle: a push during it earns another one at once.
                self._wake.clear()
                self.run_once()
                if self._stopping.is_set():
                    break
                self._wake.wait(self.backoff.delay(self.failures))
        finally:
            self.syncer.close()

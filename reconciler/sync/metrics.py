"""Prometheus metrics of the sync, in a registry of their own (not the process-wide
default, so two loops in one process, or tests, never share counters)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from reconciler.sync.status import CycleReport, SyncState

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST
_STATES: Final[tuple[SyncState, ...]] = ("Unknown", "Synced", "OutOfSync", "Failed")
# Idle cycles take milliseconds; an apply of thousands of resources, minutes.
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class SyncMetrics:
    """A cycle listener that keeps the figures ``/metrics`` serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "learnops_sync_duration_seconds", "Time one sync cycle took (idle ones included).",
            ["idle"], buckets=_BUCKETS, registry=self.registry,
        )
        self.changes_applied = Counter(
            "learnops_sync_changes_applied", "Changes the sync applied to the platform.",
            ["action"], registry=self.registry,
        )
        self.failures = Counter(
            "learnops_sync_failures", "Sync cycles that failed.", registry=self.registry,
        )
        self.drifted = Gauge(
            "learnops_sync_drifted_resources",
            "Resources changed outside learnops and not reverted.", registry=self.registry,
        )
        self.held_removals = Gauge(
            "learnops_sync_held_removals", "Removals held until --prune.", registry=self.registry,
        )
        # The usual alert that a sync is stuck: time() - this > a few intervals. Idle
        # cycles count: nothing to do is a successful sync.
        self.last_success = Gauge(
            "learnops_sync_last_success_timestamp_seconds",
            "Unix time of the last successful sync cycle (idle ones included).",
            registry=self.registry,
        )
        self.state = Gauge(
            "learnops_sync_status", "1 for the sync's current status.", ["status"],
            registry=self.registry,
        )
        self.set_state("Unknown")

    def set_state(self, current: SyncState) -> None:
        for state in _STATES:
            self.state.labels(status=state).set(1 if state == current else 0)

    def __call__(self, report: CycleReport) -> None:
        self.duration.labels(idle=str(report.idle).lower()).observe(report.duration)
        for change in report.applied:
            self.changes_applied.labels(action=change.action).inc()
        if report.failure is not None:
            self.failures.inc()
        self.drifted.set(len(report.status.drifted))
        self.held_removals.set(len(report.status.held_removals))
        self.set_state(report.status.state)
        if report.status.last_success_at is not None:
            self.last_success.set(_unix_time(report.status.last_success_at))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _unix_time(stamp: str) -> float:
    """``2027-01-15T09:30:00Z`` (the status's form) as seconds since the epoch."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

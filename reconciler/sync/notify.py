"""Chat notifications: a Slack-compatible ``{"text": ...}`` POST when a sync applies
changes, fails, or finds drift; at most one message per (event, revision).

A notification that cannot be delivered does not fail the sync: it is counted,
and the same event on the same revision is tried again the next time it happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final, Literal

import requests

from reconciler.sync.status import CycleReport

Event = Literal["applied", "failed", "drift"]
TIMEOUT: Final = 5.0  # seconds: a chat hook must not hold up the sync

Sender = Callable[[str, dict[str, str]], None]


def post_json(url: str, message: dict[str, str]) -> None:
    response = requests.post(url, json=message, timeout=TIMEOUT)
    response.raise_for_status()


def messages_for(report: CycleReport) -> list[tuple[Event, str, str]]:
    """(event, revision, text) for every event of one cycle."""
    if report.idle:
        return []
    status = report.status
    revision = status.head or "unknown"  # the key that sends each event once
    # Before the first successful ls-remote there is no commit to name.
    where = f"{status.repo}@{status.branch}" + (f" {status.head[:12]}" if status.head else "")
    found: list[tuple[Event, str, str]] = []
    if report.applied:
        names = ", ".join(f"{c.action} {c.address}" for c in report.applied[:10])
        more = f" and {len(report.applied) - 10} more" if len(report.applied) > 10 else ""
        found.append(("applied", revision,
                      f"learnops sync applied {len(report.applied)} change(s) from {where}: "
                      f"{names}{more}"))
    if report.failure is not None:
        found.append(("failed", revision,
                      f"learnops sync failed at {where}: {report.failure.line()}"))
    if status.drifted and report.failure is None:
        found.append(("drift", revision,
                      f"learnops sync found drift at {where} (changed outside "
                      f"learnops, not reverted): {', '.join(status.drifted)}"))
    return found


class Notifier:
    """A cycle listener posting to ``url``."""

    def __init__(self, url: str, *, send: Sender | None = None) -> None:
        self.url = url
        self._send: Sender = send or post_json
        self._sent: set[tuple[Event, str]] = set()
        self._lock = threading.Lock()
        self.undelivered = 0

    def __call__(self, report: CycleReport) -> None:
        for event, revision, text in messages_for(report):
            with self._lock:
                if (event, revision) in self._sent:
                    continue
                try:
                    self._send(self.url, {"text": text})
                except requests.RequestException:
                    self.undelivered += 1
                    continue
                self._sent.add((event, revision))

"""The platform's wall clock: today's date where the program runs (its time zone).

The one place the sandbox reads the real time; everything else is given the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from reconciler.rules.durations import local_date


def now() -> datetime:
    return datetime.now(UTC)


def wall_clock(zone: str = "UTC") -> Callable[[], date]:
    """Today's date in ``zone`` (an IANA name), read when called."""
    return lambda: local_date(now(), zone)

"""The command line's clock: the one place learnops reads the real time (STYLE 12).

"Today" is a date in the project's time zone (``timezone:`` in learnops.yaml,
default UTC), never the host's: a program run from a laptop in Tokyo and from CI
in UTC agrees on which day it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from reconciler.rules.durations import local_date


def now() -> datetime:
    return datetime.now(UTC)


def today(zone: str = "UTC") -> date:
    return local_date(now(), zone)

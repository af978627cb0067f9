"""Durations of the spec language: ``<n>m|h|d|w|mo|y`` (``mo``/``y`` are calendar units)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconciler.errors import ReconcilerError

_PATTERN = re.compile(r"([0-9]+)(mo|m|h|d|w|y)")
_UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}


class DurationError(ReconcilerError):
    code = "LO010"


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # m | h | d | w | mo | y

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        word = _UNIT_WORDS[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"

    def add_to(self, day: date) -> date:
        """The date ``self`` after ``day``. Minutes and hours count from midnight and
        land on the day they reach (``36h`` after Monday is Tuesday); months and years
        are calendar units clamped to the month's end (Jan 31 + 1mo = Feb 28/29)."""
        midnight = datetime.combine(day, datetime.min.time())
        match self.unit:
            case "m":
                return (midnight + timedelta(minutes=self.amount)).date()
            case "h":
                return (midnight + timedelta(hours=self.amount)).date()
            case "d":
                return day + timedelta(days=self.amount)
            case "w":
                return day + timedelta(weeks=self.amount)
            case "mo":
                return _add_months(day, self.amount)
            case "y":
                return _add_months(day, 12 * self.amount)
        raise DurationError(f"unknown duration unit {self.unit!r}")

    def subtract_from(self, day: date) -> date:
        """The date ``self`` before ``day`` (for renewal windows)."""
        match self.unit:
            case "mo":
                return _add_months(day, -self.amount)
            case "y":
                return _add_months(day, -12 * self.amount)
        return day - (self.add_to(day) - day)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def is_duration(text: object) -> bool:
    return isinstance(text, str) and _PATTERN.fullmatch(text) is not None


def parse_duration(text: str) -> Duration:
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise DurationError(
            f"{text!r} is not a duration: write <number><unit>, unit one of m, h, d, w, mo, y "
            "(e.g. 45m, 36h, 7d, 2w, 6mo, 1y)"
        )
    return Duration(int(match.group(1)), match.group(2))


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> date:
    """An ISO ``YYYY-MM-DD`` date (dates stay strings in specs; rules parse them here)."""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise DurationError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def local_date(moment: datetime, zone: str) -> date:
    """The date ``moment`` falls on in ``zone`` (an IANA name): a program's days are
    its own time zone's, not the host's."""
    return moment.astimezone(ZoneInfo(zone)).date()

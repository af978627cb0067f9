"""Durations and dates of the spec language."""

from __future__ import annotations

from datetime import date

import pytest

from reconciler.rules.durations import (
    Duration,
    DurationError,
    is_duration,
    parse_date,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("7d", date(2027, 1, 4), date(2027, 1, 11)),
        ("2w", date(2027, 1, 4), date(2027, 1, 18)),
        ("1mo", date(2027, 1, 31), date(2027, 2, 28)),
        ("1mo", date(2028, 1, 31), date(2028, 2, 29)),
        ("3mo", date(2027, 11, 30), date(2028, 2, 29)),
        ("6mo", date(2027, 8, 31), date(2028, 2, 29)),
        ("1y", date(2028, 2, 29), date(2029, 2, 28)),
        ("12mo", date(2027, 3, 15), date(2028, 3, 15)),
        ("45m", date(2027, 1, 4), date(2027, 1, 4)),
        ("1440m", date(2027, 1, 4), date(2027, 1, 5)),
        ("23h", date(2027, 1, 4), date(2027, 1, 4)),
        ("36h", date(2027, 1, 4), date(2027, 1, 5)),
        ("0d", date(2027, 1, 4), date(2027, 1, 4)),
    ],
)
def test_add_to(text: str, start: date, expected: date) -> None:
    assert parse_duration(text).add_to(start) == expected


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("30d", date(2028, 3, 10), date(2028, 2, 9)),
        ("1mo", date(2027, 3, 31), date(2027, 2, 28)),
        ("1y", date(2028, 2, 29), date(2027, 2, 28)),
        ("2w", date(2027, 1, 18), date(2027, 1, 4)),
    ],
)
def test_subtract_from(text: str, end: date, expected: date) -> None:
    assert parse_duration(text).subtract_from(end) == expected


def test_parse_and_describe() -> None:
    assert parse_duration("6mo") == Duration(6, "mo")
    assert str(parse_duration("45m")) == "45m"
    assert parse_duration("1w").describe() == "1 week"
    assert parse_duration("36h").describe() == "36 hours"


@pytest.mark.parametrize(
    "text", ["", "7", "d", "7 d", "-1d", "1.5h", "7days", "1M", "2mos", " 7d", "7d\n"])
def test_parse_errors_name_the_text_and_the_units(text: str) -> None:
    assert not is_duration(text)
    with pytest.raises(DurationError) as raised:
        parse_duration(text)
    assert repr(text) in raised.value.message
    assert "m, h, d, w, mo, y" in raised.value.message


def test_is_duration_accepts_only_strings() -> None:
    assert is_duration("7d") and is_duration("1y")
    assert not is_duration(7) and not is_duration(None)


def test_parse_date() -> None:
    assert parse_date("2027-06-01") == date(2027, 6, 1)
    for bad in ["2027-6-1", "20270601", "2027-02-30", "June 1", "2027-06-01T00:00"]:
        with pytest.raises(DurationError, match="YYYY-MM-DD"):
            parse_date(bad)

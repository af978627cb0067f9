"""The ``where`` conditions of an audience, parsed once into typed values.

Both evaluators (the indexed engine and the per-user reference) and ``explain`` read
these, so a condition means the same thing everywhere. Semantics (DESIGN §2): a list
is "any of", a scalar "equals" (compared as strings), ``{not: x}`` holds when the
attribute is absent or not in ``x``, ``{exists: bool}``, ``{after|before: DATE}`` are
strict ISO-date comparisons. A missing attribute fails all but ``not``/``exists: false``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import assert_never

from reconciler.errors import ReconcilerError
from reconciler.model import JSON
from reconciler.rules.durations import DurationError, parse_date


class AudienceError(ReconcilerError):
    """An audience that cannot be evaluated: an unknown reference or a malformed rule."""

    code = "LO012"


@dataclass(frozen=True)
class AnyOf:
    """The attribute is present and equals one of ``values``."""

    values: frozenset[str]


@dataclass(frozen=True)
class NoneOf:
    """The attribute is absent or equals none of ``values``."""

    values: frozenset[str]


@dataclass(frozen=True)
class Exists:
    present: bool


@dataclass(frozen=True)
class DateRange:
    """The attribute is an ISO date strictly after ``after`` and strictly before ``before``."""

    after: date | None
    before: date | None


Condition = AnyOf | NoneOf | Exists | DateRange
_OPERATORS = ("not", "exists", "after", "before")


def as_text(value: JSON) -> str:
    """How a spec scalar compares with a CSV cell: YAML ``true`` is ``"true"``, ``7`` is ``"7"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@functools.lru_cache(maxsize=65536)
def as_date(text: str) -> date | None:
    """A cell's value as a date, or None when it is not ``YYYY-MM-DD`` (then no date
    comparison holds for it)."""
    try:
        return parse_date(text)
    except DurationError:
        return None


def parse_where(audience: str, where: Mapping[str, JSON]) -> list[tuple[str, Condition]]:
    """Every condition of a ``where`` block as ``(attribute, condition)``; an operator
    mapping with several keys yields one condition per key (all must hold)."""
    return [
        (attribute, condition)
        for attribute, raw in where.items()
        for condition in parse_condition(audience, attribute, raw)
    ]


def parse_condition(audience: str, attribute: str, raw: JSON) -> list[Condition]:
    where = f"Audience/{audience}"
    if isinstance(raw, list):
        return [AnyOf(_texts(raw, where, attribute))]
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - set(_OPERATORS))
        if unknown or not raw:
            raise AudienceError(
                f"where.{attribute}: expected a value, a list, or one of "
                f"{', '.join(_OPERATORS)} "
                f"(got {', '.join(map(str, unknown)) or 'an empty mapping'})",
                where=where,
            )
        conditions: list[Condition] = []
        if "not" in raw:
            negated = raw["not"]
            values = negated if isinstance(negated, list) else [negated]
            conditions.append(NoneOf(_texts(values, where, f"{attribute}.not")))
        if "exists" in raw:
            if not isinstance(raw["exists"], bool):
                raise AudienceError(f"where.{attribute}.exists must be true or false", where=where)
            conditions.append(Exists(raw["exists"]))
        if "after" in raw or "before" in raw:
            conditions.append(DateRange(
                _bound(raw["after"], where, f"{attribute}.after") if "after" in raw else None,
                _bound(raw["before"], where, f"{attribute}.before") if "before" in raw else None,
            ))
        return conditions
    return [AnyOf(_texts([raw], where, attribute))]


def _texts(values: list[JSON], where: str, path: str) -> frozenset[str]:
    for value in values:
        if value is None or isinstance(value, list | Mapping):
            raise AudienceError(f"where.{path}: {value!r} is not a value to compare", where=where)
    return frozenset(as_text(value) for value in values)


def _bound(raw: JSON, where: str, path: str) -> date:
    bound = None if raw is None else as_date(as_text(raw))
    if bound is None:
        raise AudienceError(f"where.{path}: {raw!r} is not a date: write YYYY-MM-DD", where=where)
    return bound


def holds(condition: Condition, value: str | None) -> bool:
    """Whether one user's attribute value (None: absent) satisfies ``condition``."""
    match condition:
        case AnyOf(values):
            return value is not None and value in values
        case NoneOf(values):
            return value is None or value not in values
        case Exists(present):
            return (value is not None) == present
        case DateRange(after, before):
            day = None if value is None else as_date(value)
            return (day is not None and (after is None or day > after)
                    and (before is None or day < before))
        case _:
            assert_never(condition)


def describe(condition: Condition) -> str:
    """The condition as a reviewer reads it: ``one of Nurse, Physician``."""
    match condition:
        case AnyOf(values):
            listed = ", ".join(sorted(values))
            return f"equal to {listed}" if len(values) == 1 else f"one of {listed}"
        case NoneOf(values):
            return f"absent or none of {', '.join(sorted(values))}"
        case Exists(present):
            return "present" if present else "absent"
        case DateRange(after, before):
            bounds = [f"after {after}" if after else "", f"before {before}" if before else ""]
            return "a date " + " and ".join(b for b in bounds if b)
        case _:
            assert_never(condition)

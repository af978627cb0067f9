"""When an assignment enrolls a learner and when the learner is due, and what it hands out.

The sandbox platform enrolls on these terms (DESIGN §1): ``start: immediately`` enrolls
on the day the assignment is applied, a start date enrolls on that date (or at once,
once it has passed); ``due`` is a duration after enrollment or a fixed date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal, NamedTuple

from reconciler.model import JSON
from reconciler.rules.durations import is_duration, parse_date, parse_duration

ItemKind = Literal["plan", "object"]


class Item(NamedTuple):
    """What an assignment hands out: a certification plan or a learning object
    (a tuple, so it sorts and hashes as ``(kind, name)``)."""

    kind: ItemKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def assignment_items(spec: Mapping[str, JSON]) -> list[Item]:
    """The assignment's items in the order written."""
    items: list[Item] = []
    for entry in spec.get("items") or []:
        if isinstance(entry.get("plan"), str):
            items.append(Item("plan", entry["plan"]))
        if isinstance(entry.get("object"), str):
            items.append(Item("object", entry["object"]))
    return items


def is_active(spec: Mapping[str, JSON]) -> bool:
    return spec.get("active", True) is not False


def start_on(spec: Mapping[str, JSON], today: date) -> date:
    """Enrollment day: ``today`` for ``immediately``, else the start date (today once past)."""
    start = spec.get("start", "immediately")
    if not isinstance(start, str) or start == "immediately":
        return today
    return max(parse_date(start), today)


def due_on(spec: Mapping[str, JSON], enrolled_on: date) -> date | None:
    """A learner's due date through this assignment: a duration after they were
    enrolled through it, or a fixed date; None without ``due``."""
    due = spec.get("due")
    if not isinstance(due, str):
        return None
    return parse_duration(due).add_to(enrolled_on) if is_duration(due) else parse_date(due)

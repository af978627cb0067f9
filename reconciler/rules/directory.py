"""The user directory as audience rules see it, and the HRIS-style CSV it is imported from."""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.errors import ReconcilerError
from reconciler.rules.durations import DurationError, parse_date

# Columns with a meaning of their own; every other column is an attribute.
_ID, _GROUPS, _STATUS = "employee_id", "groups", "status"
_STATUSES = {"": True, "active": True, "inactive": False}


class DirectoryError(ReconcilerError):
    """A user CSV that cannot be imported. ``where`` is ``source:line`` of the first
    problem; ``problems`` holds every problem found, each as ``source:line: message``,
    so one run reports them all (an import is all or nothing)."""

    code = "LO011"

    def __init__(self, message: str, *, where: str | None = None,
                 problems: tuple[str, ...] = ()) -> None:
        super().__init__(message, where=where)
        self.problems = problems


@dataclass(frozen=True)
class User:
    """A person in the platform's directory. ``attributes`` holds every HRIS column
    but ``employee_id``, ``groups`` and ``status``; an empty cell is an absent attribute
    (so ``exists: false`` matches it). Inactive users belong to no audience."""

    employee_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()
    active: bool = True


def users_csv(users: Iterable[User]) -> str:
    """``users`` as the HRIS CSV :func:`parse_users_csv` reads back to the same users:
    one column per attribute any of them has, then ``groups`` and ``status``."""
    people = list(users)
    columns = sorted({name for user in people for name in user.attributes})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_ID, *columns, _GROUPS, _STATUS])
    for user in people:
        writer.writerow([
            user.employee_id,
            *(user.attributes.get(name, "") for name in columns),
            ";".join(sorted(user.groups)),
            "active" if user.active else "inactive",
        ])
    return out.getvalue()


def parse_users_csv(text: str, source: str = "users.csv") -> list[User]:
    """Parse the HRIS export (header row first) into users, in file order.

    Cells are trimmed; ``groups`` is ``;``-separated; ``status`` is ``active``,
    ``inactive`` or empty (active); ``hire_date`` must be ``YYYY-MM-DD`` when given.
    Any problem raises :class:`DirectoryError` naming ``source:line``, and nothing is
    returned, so a caller never imports half a file."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    problems: list[str] = []
    users: list[User] = []
    try:
        header = _read_header(reader, source, problems)
        if header is not None:
            users = _read_rows(reader, header, source, problems)
    except csv.Error as exc:
        # The csv module stops at a broken quote; nothing after it can be trusted.
        problems.append(f"{source}:{reader.line_num}: malformed CSV ({exc})")
    if problems:
        first_where, _, first_message = problems[0].partition(": ")
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DirectoryError(first_message + more, where=first_where, problems=tuple(problems))
    return users


def _read_header(reader: Reader, source: str, problems: list[str]) -> list[str] | None:
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines before the header
        header = [cell.strip() for cell in row]
        where = f"{source}:{reader.line_num}"
        if _ID not in header:
            problems.append(f"{where}: header has no employee_id column")
        if "" in header:
            problems.append(f"{where}: header has an empty column name")
        seen: set[str] = set()
        for name in header:
            if name in seen and name:
                problems.append(f"{where}: column {name!r} appears twice in the header")
            seen.add(name)
        return None if problems else header
    problems.append(f"{source}:1: the file is empty: expected a header with employee_id")
    return None


def _read_rows(reader: Reader, header: list[str], source: str,
               problems: list[str]) -> list[User]:
    users: list[User] = []
    first_line: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num  # a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue
        where = f"{source}:{start}"
        if len(row) != len(header):
            problems.append(f"{where}: expected {len(header)} cells, found {len(row)}")
            continue
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        user = _row_to_user(cells, where, problems)
        if user is None:
            continue
        if user.employee_id in first_line:
            problems.append(
                f"{where}: employee_id {user.employee_id} already appears on line "
                f"{first_line[user.employee_id]}"
            )
            continue
        first_line[user.employee_id] = start
        users.append(user)
    return users


def _row_to_user(cells: dict[str, str], where: str, problems: list[str]) -> User | None:
    found = len(problems)
    employee_id = cells[_ID]
    if not employee_id:
        problems.append(f"{where}: employee_id is empty")
    status = cells.get(_STATUS, "")
    if status.lower() not in _STATUSES:
        problems.append(f"{where}: status {status!r} is not one of active, inactive (or empty)")
    hire_date = cells.get("hire_date", "")
    if hire_date:
        try:
            parse_date(hire_date)
        except DurationError:
            problems.append(f"{where}: hire_date {hire_date!r} is not a date: write YYYY-MM-DD")
    if len(problems) > found:
        return None
    groups = frozenset(g.strip() for g in cells.get(_GROUPS, "").split(";") if g.strip())
    attributes = {
        name: value for name, value in cells.items()
        if name not in (_ID, _GROUPS, _STATUS) and value
    }
    return User(employee_id, attributes, groups, _STATUSES[status.lower()])

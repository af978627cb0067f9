"""The platform's event log: everything that happened to a learner, once, dated the
program day it happened on (its *effective* date), not the day it was processed.

A client's write records what it causes at once (an enrollment starting today, a
completion, a certificate); the scheduler records what time causes (a step
released, a reminder, a due date passing, a certificate expiring). Each event has
a key naming its occasion, unique in the table, so recording it twice is a no-op:
that is what makes a catch-up after downtime safe to repeat.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from reconciler_sandbox.batches import rows_in
from reconciler_sandbox.journal import utc_iso

# In the order they are processed when several fall on one day: a step is released
# before it is reminded of, due before it is overdue, a certificate issued before
# a renewal of it opens.
KINDS: Final = (
    "assignment_started", "step_released", "completed", "certificate_issued", "reminder",
    "step_due", "due", "step_overdue", "overdue", "renewal_opened", "expiring", "expired",
)
ORDER: Final = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Event:
    kind: str
    on_date: date
    employee_id: str
    item_kind: str  # plan | object
    item_name: str
    key: str  # the occasion; unique
    step: str | None = None
    enrollment_id: int | None = None
    detail: str | None = None  # the date the event is about (due, expiry), for messages

    def sort_key(self) -> tuple[date, int, str]:
        return self.on_date, ORDER[self.kind], self.key


def record_all(conn: sqlite3.Connection, events: Sequence[Event],
               at: datetime) -> list[int | None]:
    """Record each event unless its occasion is on record (or earlier in ``events``):
    the id of each recorded now, None for the others. One statement for them all;
    ids are the ones recording them in turn would give (the next after the largest),
    so the log is the same either way."""
    known = {row[0] for row in rows_in(
        conn, "SELECT dedup_key FROM events WHERE dedup_key IN ({marks})",
        [event.key for event in events])}
    top = conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0
    ids: list[int | None] = []
    rows = []
    now = utc_iso(at)
    for event in events:
        if event.key in known:
            ids.append(None)
            continue
        known.add(event.key)
        top += 1
        ids.append(top)
        rows.append((top, event.kind, event.on_date.isoformat(), event.employee_id,
                     event.item_kind, event.item_name, event.step, event.enrollment_id,
                     event.detail, event.key, now))
    conn.executemany(
        "INSERT INTO events (id, kind, on_date, employee_id, item_kind, item_name, step,"
        " enrollment_id, detail, dedup_key, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?)", rows,
    )
    return ids


def listing(conn: sqlite3.Connection, *, employee_id: str | None = None,
            since: date | None = None) -> list[dict[str, object]]:
    """Recorded events in date order, for one learner and from a day if asked."""
    where, args = ["1"], []
    if employee_id is not None:
        where.append("employee_id = ?")
        args.append(employee_id)
    if since is not None:
        where.append("on_date >= ?")
        args.append(since.isoformat())
    rows = conn.execute(
        f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY on_date, id", args,
    ).fetchall()
    return [
        {"id": row["id"], "kind": row["kind"], "on": row["on_date"],
         "employee_id": row["employee_id"], "item": {row["item_kind"]: row["item_name"]},
         "step": row["step"]}
        for row in rows
    ]

"""Notifications the platform sends: to learners (assigned, renewal, reminder,
certified) and to a plan's admins (completed, overdue, expiring).

Each carries a dedup key naming the learner, the item and the occasion, and the
key is unique in the table: however many assignments reach a learner, however
often a daily job looks at an overdue step, one notification goes out.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from reconciler_sandbox.journal import utc_now


@dataclass(frozen=True)
class Notice:
    recipient: str  # an employee id, or an admin's address
    event: str
    learner: str
    item_kind: str | None
    item_name: str | None
    on_date: date
    message: str
    dedup_key: str


def send(conn: sqlite3.Connection, notice: Notice) -> bool:
    """Record the notification unless one with its key exists; True when sent now."""
    cursor = conn.execute(
        "INSERT INTO notifications (recipient, event, learner, item_kind, item_name, on_date,"
        " message, dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedup_key) DO NOTHING",
        (notice.recipient, notice.event, notice.learner, notice.item_kind, notice.item_name,
         notice.on_date.isoformat(), notice.message, notice.dedup_key, utc_now()),
    )
    return cursor.rowcount == 1


def listing(conn: sqlite3.Connection, recipient: str | None) -> list[dict[str, Any]]:
    if recipient is None:
        rows = conn.execute("SELECT * FROM notifications ORDER BY id").fetchall()
    else:
        rows = conn.execute(
            "SELECT * FROM notifications WHERE recipient = ? ORDER BY id", (recipient,)
        ).fetchall()
    return [
        {
            "id": row["id"], "recipient": row["recipient"], "event": row["event"],
            "learner": row["learner"], "item": _item(row["item_kind"], row["item_name"]),
            "on": row["on_date"], "message": row["message"],
        }
        for row in rows
    ]


def _item(kind: str | None, name: str | None) -> dict[str, str] | None:
    return None if kind is None or name is None else {kind: name}

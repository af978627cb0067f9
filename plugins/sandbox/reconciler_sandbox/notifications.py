"""Who is told of an event, and what they read.

Recipients: the learner, their manager (the ``manager_id`` attribute of the
directory, when that person is a user), and the plan's ``notify.admins`` for the
events the plan subscribes them to (``notify.on``). What each is sent:

========================  ===========================================  ===============
event                     learner                                      others
========================  ===========================================  ===============
assignment_started        assigned (cycle 1, if on_assign) or renewal
step_released             step_available (not for steps open on day one)
reminder                  reminder
completed                                                              admins
certificate_issued        certified
step_overdue                                                           manager, admins
overdue                   overdue                                      manager, admins
expiring                                                               admins
expired                   expired                                      admins
========================  ===========================================  ===============

One notification per (recipient, event): the event is recorded once however many
assignments reach the learner, and a recipient is told of it once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from reconciler.model import JSON
from reconciler_sandbox.events import Event, record_all
from reconciler_sandbox.journal import utc_iso
from reconciler_sandbox.resources import item_title

# What each notification kind is subscribed to in a plan's ``notify.on``.
_ADMIN_SUBSCRIPTION: Final = {"completed": "completed", "step_overdue": "overdue",
                              "overdue": "overdue", "expiring": "expiring",
                              "expired": "expired"}
ROLES: Final = ("learner", "manager", "admin")


@dataclass(frozen=True)
class Notice:
    recipient: str  # an employee id, or an admin's address
    role: str  # learner | manager | admin
    kind: str
    event_id: int
    event: Event
    message: str


def happen(conn: sqlite3.Connection, event: Event, plan_spec: Mapping[str, JSON] | None,
           *, at: datetime, on_assign: bool = True) -> bool:
    """Record ``event`` and send what it means to each recipient; False (and nothing
    sent) when it was on record already. ``at``: the platform's time, stamped on both."""
    return happen_all(conn, [event], plan_spec, at=at, on_assign=on_assign)[0]


def happen_all(conn: sqlite3.Connection, events: Sequence[Event],
               plan_spec: Mapping[str, JSON] | None, *, at: datetime,
               on_assign: bool = True) -> list[bool]:
    """:func:`happen` for each of ``events`` (of one plan, or none), in order, with a
    statement per table for them all."""
    ids = record_all(conn, events, at)
    titles: dict[tuple[str, str], str] = {}
    now = utc_iso(at)
    rows = []
    for event, event_id in zip(events, ids, strict=True):
        if event_id is None:
            continue
        about = (event.item_kind, event.item_name)
        if about not in titles:
            titles[about] = item_title(conn, *about)
        for notice in _notices(conn, event, event_id, plan_spec or {}, on_assign,
                               titles[about]):
            rows.append((notice.recipient, notice.role, notice.kind, event.employee_id,
                         event.item_kind, event.item_name, event.step,
                         event.on_date.isoformat(), notice.message,
                         f"{event_id}:{notice.recipient}", event_id, now))
    conn.executemany(
        "INSERT INTO notifications (recipient, role, event, learner, item_kind, item_name,"
        " step, on_date, message, dedup_key, event_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING",
        rows,
    )
    return [event_id is not None for event_id in ids]


def _notices(conn: sqlite3.Connection, event: Event, event_id: int,
             spec: Mapping[str, JSON], on_assign: bool, title: str) -> list[Notice]:
    learner = event.employee_id
    step = f"step {event.step} of {title}" if event.step else title
    when = event.detail or ""
    to_learner: tuple[str, str] | None = None
    to_others: str | None = None
    manager = False
    match event.kind:
        case "assignment_started" if event.detail == "renewal":
            to_learner = ("renewal", f"Time to renew your certification: {title}")
        case "assignment_started" if on_assign:
            to_learner = ("assigned", f"You have been enrolled in {title},"
                                      f" starting {event.on_date.isoformat()}")
        case "step_released" if event.detail == "later":
            to_learner = ("step_available", f"A new step is available in {title}: {event.step}")
        case "reminder":
            to_learner = ("reminder", f"Reminder: {step} is due on {when}")
        case "completed":
            to_others = f"{learner} completed {title}"
        case "certificate_issued":
            to_learner = ("certified", f"Certificate issued: {title}, valid until {when}")
        case "step_overdue":
            to_others, manager = f"{learner} is overdue on {step} (due {when})", True
        case "overdue":
            to_learner = ("overdue", f"{title} was due on {when} and is overdue")
            to_others, manager = f"{learner} is overdue on {title} (due {when})", True
        case "expiring":
            to_others = f"{learner}'s certificate for {title} expires on {when}"
        case "expired":
            to_learner = ("expired", f"Your certificate for {title} expired on {when}")
            to_others = f"{learner}'s certificate for {title} expired on {when}"
    kind = "overdue" if event.kind == "step_overdue" else event.kind
    notices: list[Notice] = []
    if to_learner is not None:
        notices.append(Notice(learner, "learner", to_learner[0], event_id, event, to_learner[1]))
    if to_others is None:
        return notices
    boss = _manager_of(conn, learner) if manager else None
    if boss is not None:
        notices.append(Notice(boss, "manager", kind, event_id, event, to_others))
    notify = spec.get("notify") or {}
    if _ADMIN_SUBSCRIPTION.get(event.kind) in (notify.get("on") or []):
        notices += [Notice(str(admin), "admin", kind, event_id, event, to_others)
                    for admin in notify.get("admins") or []]
    return notices


def _manager_of(conn: sqlite3.Connection, employee_id: str) -> str | None:
    row = conn.execute("SELECT attributes FROM users WHERE employee_id = ?",
                       (employee_id,)).fetchone()
    manager = json.loads(row["attributes"]).get("manager_id") if row is not None else None
    if not isinstance(manager, str) or not manager or manager == employee_id:
        return None
    known = conn.execute("SELECT 1 FROM users WHERE employee_id = ?", (manager,)).fetchone()
    return manager if known is not None else None


def listing(conn: sqlite3.Connection, *, recipient: str | None = None, kind: str | None = None,
            since: date | None = None, after: tuple[str, int] | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Notifications sent, in date order (then as sent); filtered by recipient (an
    employee id or an admin's address), kind and first day; a page starts after the
    ``(date, id)`` of the last one seen."""
    where: list[str] = ["1"]
    args: list[str | int] = []
    for column, value in (("recipient", recipient), ("event", kind)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if since is not None:
        where.append("on_date >= ?")
        args.append(since.isoformat())
    if after is not None:
        where.append("(on_date > ? OR (on_date = ? AND id > ?))")
        args += [after[0], after[0], after[1]]
    query = f"SELECT * FROM notifications WHERE {' AND '.join(where)} ORDER BY on_date, id"
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    return [_wire(row) for row in conn.execute(query, args).fetchall()]


def _wire(row: sqlite3.Row) -> dict[str, Any]:
    item = (None if row["item_kind"] is None or row["item_name"] is None
            else {row["item_kind"]: row["item_name"]})
    return {
        "id": row["id"], "recipient": row["recipient"], "role": row["role"],
        "kind": row["event"], "on": row["on_date"], "learner": row["learner"], "item": item,
        "plan": row["item_name"] if row["item_kind"] == "plan" else None,
        "step": row["step"], "message": row["message"],
    }

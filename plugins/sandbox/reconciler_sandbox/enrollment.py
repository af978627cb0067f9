"""Who is enrolled in what, and why: assignments turned into enrollments.

A learner has at most one current enrollment per item (plan or learning
object), whatever number of assignments reach them; each assignment that does
is a *source* row of that enrollment. An enrollment stays active while at least
one source is active; when the last one goes (the assignment is inactivated or
deleted, the learner leaves its audience, the item leaves its items) the
enrollment becomes inactive: access stops, the record and its completions stay.
A source coming back reactivates the same enrollment, progress intact (on its
plan version, or the newest for a plan that migrates learners in progress). An
enrollment still waiting for an assignment's later start begins as soon as another
assignment gives the item: what a learner gets never depends on which assignment
was written first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from reconciler.model import JSON
from reconciler.rules.assignment import assignment_items, due_on, start_on
from reconciler_sandbox.batches import CHUNK, rows_in
from reconciler_sandbox.events import Event
from reconciler_sandbox.journal import utc_iso
from reconciler_sandbox.notifications import happen_all
from reconciler_sandbox.plans import current_version, rejoin_version
from reconciler_sandbox.progress import Enrollment

Key = tuple[str, str, str]  # (employee_id, item_kind, item_name)


@dataclass(frozen=True)
class Link:
    enrollment_id: int
    active: bool
    state: str


def reconcile_assignment(
    conn: sqlite3.Connection, name: str, spec: Mapping[str, JSON] | None,
    members: frozenset[str], today: date, only: frozenset[str] | None = None,
    why_leaving: str = "left the audience", *, at: datetime,
) -> list[int | Enrollment]:
    """Make the enrollments sourced by assignment ``name`` match ``members`` x items.
    ``spec`` None: the assignment is gone. ``only``: just these learners changed
    (an import), so nobody else's enrollments are looked at. Returns the
    enrollments created (as written) or reactivated (their ids), for the caller to
    settle."""
    active = spec is not None and spec.get("active", True) is not False
    items = assignment_items(spec) if spec is not None else []
    people = members if only is None else members & only
    wanted: set[Key] = {(u, k, n) for u in people for k, n in items} if active else set()

    links = _links(conn, name, only)
    dropped = [key for key, link in links.items() if link.active and key not in wanted]
    reason = _reason(name, spec, why_leaving)
    for key in dropped:
        _unlink(conn, name, links[key].enrollment_id, reason)

    added = sorted(key for key in wanted if not (key in links and links[key].active))
    if spec is not None:
        _refresh_due(conn, name, spec)
    if not added or spec is None:
        return []
    enrolled_on = start_on(spec, today)
    due = due_on(spec, enrolled_on)
    notify = bool((spec.get("notify") or {}).get("on_assign", True))
    current = _current_enrollments(conn, added, only)
    created = _enroll(conn, [key for key in added if key not in current], enrolled_on, today,
                      notify, at)
    touched: list[int | Enrollment] = []
    waiting: list[int] = []  # existing enrollments this assignment may start sooner
    sources = []
    due_text, since = (due.isoformat() if due else None), enrolled_on.isoformat()
    for key in added:
        enrollment = current.get(key)
        if enrollment is None:
            # A first cycle: no certificate renewed by it, so the assignment's due.
            fresh = created[key]
            enrollment_id, source_due = fresh.id, None
            touched.append(fresh)
        else:
            enrollment_id = enrollment.enrollment_id
            if enrollment.state == "inactive":
                conn.execute(
                    "UPDATE enrollments SET state = 'active', inactive_reason = NULL"
                    " WHERE id = ?", (enrollment_id,),
                )
                rejoin_version(conn, enrollment_id, today)
            source_due = renewal_due(conn, enrollment_id)
            touched.append(enrollment_id)
            waiting.append(enrollment_id)
        sources.append((enrollment_id, name, source_due or due_text, since))
    conn.executemany(
        "INSERT INTO enrollment_sources (enrollment_id, assignment, active, due_on, since)"
        " VALUES (?, ?, 1, ?, ?) ON CONFLICT (assignment, enrollment_id) DO UPDATE SET"
        " active = 1, due_on = excluded.due_on, since = excluded.since", sources,
    )
    _start_sooner(conn, waiting, enrolled_on, today, notify, at)
    return touched


def _start_sooner(conn: sqlite3.Connection, enrollment_ids: list[int], enrolled_on: date,
                  today: date, notify: bool, at: datetime) -> None:
    """Those of ``enrollment_ids`` still waiting for a start after ``enrolled_on`` (an
    assignment starting later reached the learner first) begin on ``enrolled_on``;
    beginning today, the learners are told at once, as a new enrollment's are."""
    day = enrolled_on.isoformat()
    moved = [row for start in range(0, len(enrollment_ids), CHUNK) for row in conn.execute(
        "UPDATE enrollments SET enrolled_on = ? WHERE enrolled_on > ? AND id IN"
        f" ({','.join('?' * len(enrollment_ids[start:start + CHUNK]))})"
        " RETURNING id, employee_id, item_kind, item_name",
        (day, day, *enrollment_ids[start:start + CHUNK]),
    ).fetchall()]
    if moved and enrolled_on <= today:
        happen_all(conn, [
            Event("assignment_started", enrolled_on, row["employee_id"], row["item_kind"],
                  row["item_name"], f"assignment_started:{row['id']}:",
                  enrollment_id=row["id"])
            for row in moved], None, at=at, on_assign=notify)


def _refresh_due(conn: sqlite3.Connection, name: str, spec: Mapping[str, JSON]) -> None:
    """A changed ``due`` applies to learners already enrolled through the assignment,
    counted from the day each was enrolled through it. Renewal cycles are not
    governed by the assignment's due: they stay due when the certificate expires."""
    # Learners enrolled on the same day are due on the same day: one update per day.
    for (since,) in conn.execute(
        "SELECT DISTINCT s.since FROM enrollment_sources s JOIN enrollments e"
        " ON e.id = s.enrollment_id WHERE s.assignment = ? AND s.active = 1 AND e.cycle = 1",
        (name,),
    ).fetchall():
        due = due_on(spec, date.fromisoformat(since))
        text = due.isoformat() if due else None
        conn.execute(
            "UPDATE enrollment_sources SET due_on = ? WHERE assignment = ? AND active = 1"
            " AND since = ? AND due_on IS NOT ? AND EXISTS (SELECT 1 FROM enrollments e"
            " WHERE e.id = enrollment_sources.enrollment_id AND e.cycle = 1)",
            (text, name, since, text),
        )


def renewal_due(conn: sqlite3.Connection, enrollment_id: int) -> str | None:
    """A renewal cycle is due when the certificate it renews expires (None for a
    first cycle): that holds for every assignment reaching it."""
    row = conn.execute(
        "SELECT c.expires_on FROM enrollments cur JOIN enrollments prev"
        " ON prev.employee_id = cur.employee_id AND prev.item_kind = cur.item_kind"
        " AND prev.item_name = cur.item_name AND prev.cycle = cur.cycle - 1"
        " JOIN certificates c ON c.enrollment_id = prev.id WHERE cur.id = ?",
        (enrollment_id,),
    ).fetchone()
    return None if row is None or row["expires_on"] is None else str(row["expires_on"])


def _reason(name: str, spec: Mapping[str, JSON] | None, why_leaving: str) -> str:
    if spec is None:
        return f"assignment {name} deleted"
    if spec.get("active", True) is False:
        return f"assignment {name} inactivated"
    return f"{why_leaving} of assignment {name}"


def _links(conn: sqlite3.Connection, name: str, only: frozenset[str] | None) -> dict[Key, Link]:
    """The enrollments ``name`` is a source of (of the learners ``only``, if given)."""
    query = ("SELECT s.enrollment_id, s.active, e.employee_id, e.item_kind, e.item_name,"
             " e.state FROM enrollment_sources s JOIN enrollments e ON e.id = s.enrollment_id"
             " WHERE s.assignment = ? AND e.state != 'renewed'")
    rows = (conn.execute(query, (name,)) if only is None else rows_in(
        conn, query + " AND e.employee_id IN ({marks})", sorted(only), before=(name,)))
    return {
        (row["employee_id"], row["item_kind"], row["item_name"]):
            Link(row["enrollment_id"], bool(row["active"]), row["state"])
        for row in rows
    }


def _unlink(conn: sqlite3.Connection, assignment: str, enrollment_id: int, reason: str) -> None:
    conn.execute(
        "UPDATE enrollment_sources SET active = 0 WHERE assignment = ? AND enrollment_id = ?",
        (assignment, enrollment_id),
    )
    conn.execute(
        "UPDATE enrollments SET state = 'inactive', inactive_reason = ? WHERE id = ?"
        " AND state = 'active' AND NOT EXISTS (SELECT 1 FROM enrollment_sources"
        " WHERE enrollment_id = ? AND active = 1)",
        (reason, enrollment_id, enrollment_id),
    )


def _current_enrollments(conn: sqlite3.Connection, keys: list[Key],
                         only: frozenset[str] | None) -> dict[Key, Link]:
    """The latest cycle of each of ``keys``' enrollments, where there is one: read per
    item, or (``only``: an import) per learner it changed."""
    learners: dict[tuple[str, str], list[str]] = {}
    for employee_id, kind, item in keys:
        learners.setdefault((kind, item), []).append(employee_id)
    query = ("SELECT id, employee_id, state FROM enrollments e WHERE item_kind = ?"
             " AND item_name = ? {learners} AND cycle = (SELECT max(cycle) FROM enrollments"
             " WHERE employee_id = e.employee_id AND item_kind = e.item_kind"
             " AND item_name = e.item_name)")
    found: dict[Key, Link] = {}
    for (kind, item), employee_ids in learners.items():
        rows = (conn.execute(query.format(learners=""), (kind, item)) if only is None
                else rows_in(conn, query.format(learners="AND employee_id IN ({marks})"),
                             employee_ids, before=(kind, item)))
        for row in rows:
            found[(row["employee_id"], kind, item)] = Link(row["id"], True, row["state"])
    return found


def _enroll(conn: sqlite3.Connection, keys: list[Key], enrolled_on: date, today: date,
            notify: bool, at: datetime) -> dict[Key, Enrollment]:
    """New first cycles, one statement for them all, numbered as inserting them in turn
    would. Starting today, they have started (and the learners are told at once);
    starting later, the scheduler starts them on their day."""
    versions: dict[str, int | None] = {}
    created: dict[Key, Enrollment] = {}
    top = conn.execute("SELECT max(id) FROM enrollments").fetchone()[0] or 0
    for key in keys:
        employee_id, kind, item = key
        if kind == "plan" and item not in versions:
            versions[item] = current_version(conn, item)
        top += 1
        created[key] = Enrollment(
            id=top, employee_id=employee_id, item_kind=kind, item_name=item, cycle=1,
            plan_version=versions[item] if kind == "plan" else None, enrolled_on=enrolled_on,
            state="active", inactive_reason=None, started_on=None, completed_on=None)
    day, now = enrolled_on.isoformat(), utc_iso(at)
    conn.executemany(
        "INSERT INTO enrollments (id, employee_id, item_kind, item_name, cycle, plan_version,"
        " enrolled_on, state, created_at) VALUES (?, ?, ?, ?, 1, ?, ?, 'active', ?)",
        [(e.id, e.employee_id, e.item_kind, e.item_name, e.plan_version, day, now)
         for e in created.values()],
    )
    if enrolled_on <= today:
        happen_all(conn, [
            Event("assignment_started", enrolled_on, e.employee_id, e.item_kind, e.item_name,
                  f"assignment_started:{e.id}:", enrollment_id=e.id)
            for e in created.values()], None, at=at, on_assign=notify)
    return created

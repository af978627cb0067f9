"""The platform's scheduler: what time causes, recorded on the day it happens.

:func:`tick` brings the platform to a day: every event due by then (a step
released, a reminder, a due date, an overdue, a renewal window opening, a
certificate expiring or lapsing) is recorded with its effective date and told to
its recipients (:mod:`.notifications`), in date order, and the platform's date
moves to that day. It never moves back.

Whether an event happens is decided from the data as of the event's own day (was
the step completed by its due date? was the item done by the reminder day?), never
from when the scheduler ran, and each event is recorded once (its key): so a tick
after 30 days of downtime records exactly what 30 daily ticks would have. What
does change with the gap is only what clients wrote meanwhile: an enrollment that
became inactive during the gap gets no events for it (its learner no longer has
the item, as in a real LMS whose nightly job skips unenrolled learners).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from reconciler.errors import InvalidRequest
from reconciler.model import JSON
from reconciler.rules.durations import parse_duration
from reconciler_sandbox import learning
from reconciler_sandbox.events import Event
from reconciler_sandbox.journal import utc_iso
from reconciler_sandbox.notifications import happen
from reconciler_sandbox.plans import VersionSpecs, current_version
from reconciler_sandbox.progress import Enrollment, Progress
from reconciler_sandbox.resources import fetch


@dataclass(frozen=True)
class TickResult:
    since: date | None  # the platform's date before (None: never ticked)
    until: date  # its date now
    recorded: int  # events recorded by this tick


def platform_date(conn: sqlite3.Connection) -> date | None:
    """The last day the scheduler processed (None before its first tick)."""
    row = conn.execute("SELECT today FROM platform_clock WHERE id = 1").fetchone()
    return None if row is None else date.fromisoformat(row["today"])


def check_forward(conn: sqlite3.Connection, until: date) -> date | None:
    """The platform's date, when ``until`` does not lie before it (else a clear error)."""
    since = platform_date(conn)
    if since is not None and until < since:
        raise InvalidRequest(
            f"the platform's date is {since.isoformat()}: it moves forward only, not back"
            f" to {until.isoformat()}", pointer="/until")
    return since


@dataclass(frozen=True)
class Due:
    """What one pass found due by a day: events not on record yet (with the plan spec
    and on_assign each is told with), the renewal cycles to open, and the plan
    enrollments finished ahead of the schedule whose completion and certificate are
    to be recorded (on the day the last step released)."""

    pending: tuple[Pending, ...]
    renewals: tuple[Renewal, ...]
    certifications: tuple[Certification, ...] = ()

    @property
    def opens_more(self) -> bool:
        """Recording it opens what a further pass may find due: a renewal's new cycle,
        a certificate's expiry."""
        return bool(self.renewals or self.certifications)


def due(conn: sqlite3.Connection, until: date, at: datetime,
        employee_id: str | None = None) -> Due:
    """Everything due by ``until`` and not on record, in date order. Only reads, so
    a served platform works it out without holding the write lock."""
    known = {row[0] for row in conn.execute("SELECT dedup_key FROM events")}
    pending, renewals, certifications = _due_events(conn, until, at, employee_id, known)
    fresh = sorted((p for p in pending if p[0].key not in known),
                   key=lambda p: p[0].sort_key())
    return Due(tuple(fresh), tuple(renewals), tuple(certifications))


def record(conn: sqlite3.Connection, found: Due, at: datetime) -> int:
    """Record what ``due`` found (each event once, whoever recorded it meanwhile) and
    open the renewals; the number of events recorded now."""
    for enrollment, spec, completed_on in found.certifications:
        learning.certify(conn, enrollment, dict(spec), completed_on, at)
    recorded = sum(happen(conn, event, spec, at=at, on_assign=on_assign)
                   for event, spec, on_assign in found.pending)
    for enrollment, renew_on, expires_on in found.renewals:
        _open_renewal(conn, enrollment, renew_on, expires_on, at)
    return recorded


def move_date(conn: sqlite3.Connection, until: date) -> None:
    """The platform has processed ``until``: its date moves there (never back)."""
    conn.execute(
        "INSERT INTO platform_clock (id, today) VALUES (1, ?)"
        " ON CONFLICT (id) DO UPDATE SET today = max(today, excluded.today)",
        (until.isoformat(),))


def tick(conn: sqlite3.Connection, until: date, at: datetime, *,
         employee_id: str | None = None) -> TickResult:
    """Process everything due by ``until`` and move the platform's date there, in the
    caller's transaction. ``employee_id``: only that learner (a look ahead for one
    page, in a transaction that is rolled back; the platform's date is left alone)."""
    since = check_forward(conn, until)
    recorded = 0
    # A renewal opened starts a new cycle whose own events may fall due by ``until``:
    # go round until a pass opens nothing new.
    while True:
        found = due(conn, until, at, employee_id)
        recorded += record(conn, found, at)
        if not found.opens_more:
            break
    if employee_id is None:
        move_date(conn, until)
    return TickResult(since, max(until, since or until), recorded)


Pending = tuple[Event, Mapping[str, JSON] | None, bool]
Certification = tuple[Enrollment, Mapping[str, JSON], date]


class _EventMaker(Protocol):
    """An event of one enrollment (``_learning_events`` makes them)."""

    def __call__(self, kind: str, on: date, key: str, step: str | None = None,
                 detail: str | None = None) -> Event: ...


Renewal = tuple[Enrollment, date, date]


class _Context:
    """What one pass reads once: plan versions, assignments, learners' completions."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.specs = VersionSpecs(conn)
        self._assignments: dict[str, Mapping[str, JSON]] = {}
        self._completions: dict[str, dict[str, list[date]]] = {}

    def assignment(self, name: str) -> Mapping[str, JSON]:
        if name not in self._assignments:
            stored = fetch(self.conn, "Assignment", name)
            self._assignments[name] = stored.spec if stored is not None else {}
        return self._assignments[name]

    def completions(self, employee_id: str) -> dict[str, list[date]]:
        if employee_id not in self._completions:
            self._completions[employee_id] = learning.completions_of(self.conn, employee_id)
        return self._completions[employee_id]

    def plan_spec(self, enrollment: Enrollment) -> Mapping[str, JSON] | None:
        if enrollment.item_kind != "plan":
            return None
        return self.specs.get(enrollment.item_name, enrollment.plan_version or 0)


def _due_events(conn: sqlite3.Connection, until: date, at: datetime, employee_id: str | None,
                recorded: set[str]) -> tuple[list[Pending], list[Renewal], list[Certification]]:
    where, args = "state = 'active' AND enrolled_on <= ?", [until.isoformat()]
    if employee_id is not None:
        where, args = where + " AND employee_id = ?", [*args, employee_id]
    context = _Context(conn)
    pending: list[Pending] = []
    renewals: list[Renewal] = []
    certifications: list[Certification] = []
    for enrollment in learning.enrollments(conn, where, args):
        sources = learning.active_sources(conn, enrollment.id)
        on_assign = any((context.assignment(a).get("notify") or {}).get("on_assign", True)
                        is not False for a, _ in sources)
        spec = context.plan_spec(enrollment)
        progress = learning.progress_of(enrollment, context.specs,
                                        context.completions(enrollment.employee_id), until)
        if (spec is not None and progress.completed_on is not None
                and progress.completed_on <= until
                and not learning.certified(conn, enrollment, spec, recorded)):
            # Finished ahead of the schedule: certified on the day the last step released.
            certifications.append((enrollment, spec, progress.completed_on))
        leads = sorted({str(lead) for assignment, _ in sources
                        for lead in (context.assignment(assignment).get("notify") or {})
                        .get("reminders") or []})
        due = min((d for _, d in sources if d is not None), default=None)
        # An enrollment that came back (a source reattached after a spell inactive)
        # hears nothing of the days it had no access.
        back_on = _active_since(conn, enrollment.id)
        for event in _learning_events(enrollment, progress, due, leads, until):
            if event.kind == "assignment_started" or back_on is None or event.on_date >= back_on:
                pending.append((event, spec, on_assign))
        renewal = _renewal_due(conn, enrollment, until)
        if renewal is not None:
            renewals.append(renewal)
    pending += [(event, spec, True) for event, spec in _certificate_events(
        conn, context, until, employee_id)]
    return pending, renewals, certifications


def _active_since(conn: sqlite3.Connection, enrollment_id: int) -> date | None:
    """Since when the enrollment has had access without a break: the day its earliest
    active source attached (its start, or the day it was reactivated)."""
    row = conn.execute("SELECT min(since) FROM enrollment_sources WHERE enrollment_id = ?"
                       " AND active = 1", (enrollment_id,)).fetchone()
    return None if row[0] is None else date.fromisoformat(row[0])


def _learning_events(enrollment: Enrollment, progress: Progress, due: date | None,
                     leads: list[str], until: date) -> Iterator[Event]:
    """An active enrollment's events by ``until``, each decided as of its own day."""
    def event(kind: str, on: date, key: str, step: str | None = None,
              detail: str | None = None) -> Event:
        return Event(kind, on, enrollment.employee_id, enrollment.item_kind,
                     enrollment.item_name, f"{kind}:{enrollment.id}:{key}", step,
                     enrollment.id, detail)

    start = enrollment.enrolled_on
    yield event("assignment_started", start, "", detail="renewal" if enrollment.cycle > 1
                else None)
    finished = progress.completed_on
    for step in progress.steps:
        released = step.release_date
        if released is None or released > until:
            continue
        # What opens on the first day is announced by the enrollment itself.
        yield event("step_released", released, step.name, step.name,
                    "later" if released > start else "with the enrollment")
        if step.due_date is None or (finished is not None and finished <= step.due_date):
            continue
        yield from _reminders(event, leads, step.due_date, released, step.completed_on,
                              until, f"step:{step.name}", step.name)
        if step.due_date <= until:
            yield event("step_due", step.due_date, step.name, step.name,
                        step.due_date.isoformat())
        late = step.due_date + timedelta(days=1)
        done_in_time = step.completed_on is not None and step.completed_on <= step.due_date
        if late <= until and not done_in_time and (finished is None or finished > late):
            yield event("step_overdue", late, step.name, step.name, step.due_date.isoformat())
    if due is None or due < start or (finished is not None and finished <= due):
        return
    yield from _reminders(event, leads, due, start, finished, until, "due", None)
    if due <= until:
        yield event("due", due, "", detail=due.isoformat())
    late = due + timedelta(days=1)
    if late <= until and (finished is None or finished > due):
        yield event("overdue", late, "", detail=due.isoformat())


def _reminders(event: _EventMaker, leads: list[str], due: date, opened: date,
               completed_on: date | None, until: date, about: str, step: str | None
               ) -> Iterator[Event]:
    """One reminder per lead time before ``due`` (on the day it opened, if the lead
    reaches back before that), unless the thing was done by the reminder's day."""
    for lead in leads:
        remind_on = max(parse_duration(lead).subtract_from(due), opened)
        if remind_on > until or remind_on > due:
            continue
        if completed_on is not None and completed_on <= remind_on:
            continue
        yield event("reminder", remind_on, f"{about}:{lead}", step, due.isoformat())


def _renewal_due(conn: sqlite3.Connection, enrollment: Enrollment,
                 until: date) -> Renewal | None:
    """A finished cycle whose certificate's renewal window (or, without one, its
    expiry) has come: the learner starts the next cycle that day."""
    if enrollment.item_kind != "plan" or enrollment.completed_on is None:
        return None
    row = conn.execute("SELECT expires_on, renew_from FROM certificates"
                       " WHERE enrollment_id = ?", (enrollment.id,)).fetchone()
    if row is None or row["expires_on"] is None:
        return None
    renew_on = date.fromisoformat(row["renew_from"] or row["expires_on"])
    if renew_on > until:
        return None
    return enrollment, renew_on, date.fromisoformat(row["expires_on"])


def _certificate_events(conn: sqlite3.Connection, context: _Context, until: date,
                        employee_id: str | None
                        ) -> Iterator[tuple[Event, Mapping[str, JSON] | None]]:
    """A certificate's renewal window opening (``expiring``) and its lapse
    (``expired``) unless a newer certificate of the plan was issued by then."""
    where, args = "expires_on IS NOT NULL AND coalesce(renew_from, expires_on) <= ?", [
        until.isoformat()]
    if employee_id is not None:
        where, args = where + " AND employee_id = ?", [*args, employee_id]
    for row in conn.execute(f"SELECT * FROM certificates WHERE {where} ORDER BY id", args):
        spec = context.specs.get(row["plan"], row["plan_version"])
        expires = date.fromisoformat(row["expires_on"])
        renew_on = date.fromisoformat(row["renew_from"] or row["expires_on"])
        base = (row["employee_id"], "plan", row["plan"])
        yield Event("expiring", renew_on, *base, f"expiring:{row['id']}",
                    detail=expires.isoformat()), spec
        if expires > until:
            continue
        renewed = conn.execute(
            "SELECT 1 FROM certificates WHERE employee_id = ? AND plan = ? AND id != ?"
            " AND issued_on > ? AND issued_on <= ?",
            (row["employee_id"], row["plan"], row["id"], row["issued_on"], row["expires_on"]),
        ).fetchone()
        if renewed is None:
            yield Event("expired", expires, *base, f"expired:{row['id']}",
                        detail=expires.isoformat()), spec


def _open_renewal(conn: sqlite3.Connection, enrollment: Enrollment, renew_on: date,
                  expires_on: date, at: datetime) -> None:
    """The next cycle of the plan, due when the certificate it renews expires; the
    certificate held is kept until then."""
    version = current_version(conn, enrollment.item_name) or enrollment.plan_version
    renewal = conn.execute(
        "INSERT INTO enrollments (employee_id, item_kind, item_name, cycle, plan_version,"
        " enrolled_on, state, created_at) VALUES (?, 'plan', ?, ?, ?, ?, 'active', ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (enrollment.employee_id, enrollment.item_name, enrollment.cycle + 1, version,
         renew_on.isoformat(), utc_iso(at)),
    ).fetchone()
    conn.execute("UPDATE enrollments SET state = 'renewed' WHERE id = ?", (enrollment.id,))
    if renewal is None:
        return
    happen(conn, Event("renewal_opened", renew_on, enrollment.employee_id, "plan",
                       enrollment.item_name, f"renewal_opened:{enrollment.id}",
                       enrollment_id=enrollment.id, detail=expires_on.isoformat()), None,
           at=at)
    conn.execute(
        "INSERT INTO enrollment_sources (enrollment_id, assignment, active, due_on, since)"
        " SELECT ?, assignment, 1, ?, ? FROM enrollment_sources"
        " WHERE enrollment_id = ? AND active = 1",
        (renewal[0], expires_on.isoformat(), renew_on.isoformat(), enrollment.id),
    )
    conn.execute("UPDATE enrollment_sources SET active = 0 WHERE enrollment_id = ?",
                 (enrollment.id,))
    # Completions already on record for the new cycle's days count toward it.
    learning.settle(conn, [renewal[0]], renew_on, at)

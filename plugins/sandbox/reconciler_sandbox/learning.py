"""What happens as learners learn and time passes: completions, finished
enrollments, certificates, renewals, overdue steps and their notifications.

Time-driven events (a certificate entering its renewal window, a step falling
overdue, a reminder before a due date) are materialised by :func:`catch_up`
for a given day, the way a real platform's nightly job would. Every event's
date comes from the data (a due date, a renewal date), never from when the job
ran, and each is deduplicated, so catching up to the same day twice changes
nothing. Catching up is the platform's own doing, not a client's write: it
leaves the state version and the audit log alone.

What is kept: the engine keeps what a catch-up materialises only for a day that
has come (up to the platform's today); reads for a later day compute the same
events for their answer and roll them back. Kept events are not undone by a
later catch-up to an earlier day: a renewal opened, or an overdue or reminder
notice sent, stays even if a completion dated before it is recorded afterwards.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from reconciler.errors import InvalidRequest, NotFoundError, PermanentError
from reconciler.model import JSON
from reconciler.rules.durations import parse_duration
from reconciler.rules.schedule import certificate_dates
from reconciler_sandbox.journal import utc_now
from reconciler_sandbox.notifications import Notice, send
from reconciler_sandbox.plans import VersionSpecs, current_version
from reconciler_sandbox.progress import (
    Completions,
    Enrollment,
    Progress,
    object_progress,
    plan_progress,
)
from reconciler_sandbox.resources import fetch

# Settling looks at everything ever recorded, whatever its date; views pick a day.
EVER = date.max


def item_title(conn: sqlite3.Connection, kind: str, item: str) -> str:
    stored = fetch(conn, "CertificationPlan" if kind == "plan" else "LearningObject", item)
    title = stored.spec.get("title") if stored is not None else None
    return str(title) if title else item


def assigned_notice(conn: sqlite3.Connection, employee_id: str, kind: str, item: str,
                    cycle: int, on: date) -> Notice:
    title = item_title(conn, kind, item)
    renewal = cycle > 1
    return Notice(
        recipient=employee_id, event="renewal" if renewal else "assigned",
        learner=employee_id, item_kind=kind, item_name=item, on_date=on,
        message=(f"Time to renew your certification: {title}" if renewal
                 else f"You have been enrolled in {title}, starting {on.isoformat()}"),
        dedup_key=f"assigned:{employee_id}:{kind}:{item}:{cycle}",
    )


def enrollments(conn: sqlite3.Connection, where: str = "1", args: Iterable[Any] = ()
                ) -> list[Enrollment]:
    rows = conn.execute(
        f"SELECT * FROM enrollments WHERE {where} ORDER BY employee_id, item_kind, item_name,"
        " cycle", tuple(args),
    ).fetchall()
    return [Enrollment.from_row(row) for row in rows]


def completions_of(conn: sqlite3.Connection, employee_id: str) -> dict[str, list[date]]:
    done: dict[str, list[date]] = defaultdict(list)
    for row in conn.execute(
        "SELECT object_name, completed_on FROM completions WHERE employee_id = ? AND passed = 1"
        " ORDER BY completed_on", (employee_id,),
    ):
        done[row["object_name"]].append(date.fromisoformat(row["completed_on"]))
    return done


def progress_of(enrollment: Enrollment, specs: VersionSpecs, completions: Completions,
                as_of: date) -> Progress:
    if enrollment.item_kind == "plan":
        assert enrollment.plan_version is not None  # plan enrollments always have one
        spec = specs.get(enrollment.item_name, enrollment.plan_version)
        return plan_progress(enrollment, spec, completions, as_of)
    return object_progress(enrollment, completions, as_of)


def settle(conn: sqlite3.Connection, enrollment_ids: Iterable[int]) -> None:
    """Record when enrollments started and finished; a finished plan issues its
    certificate and tells its admins."""
    specs = VersionSpecs(conn)
    completions: dict[str, dict[str, list[date]]] = {}
    for enrollment_id in enrollment_ids:
        found = enrollments(conn, "id = ?", (enrollment_id,))
        if not found or found[0].state != "active":
            continue
        enrollment = found[0]
        if enrollment.employee_id not in completions:
            completions[enrollment.employee_id] = completions_of(conn, enrollment.employee_id)
        progress = progress_of(enrollment, specs, completions[enrollment.employee_id], EVER)
        conn.execute(
            "UPDATE enrollments SET started_on = ?, completed_on = ? WHERE id = ?",
            (_iso(progress.started_on), _iso(progress.completed_on), enrollment.id),
        )
        newly_finished = progress.completed_on is not None and enrollment.completed_on is None
        if newly_finished and enrollment.item_kind == "plan":
            assert progress.completed_on is not None
            spec = specs.get(enrollment.item_name, enrollment.plan_version or 0)
            _certify(conn, enrollment, spec, progress.completed_on)


def _certify(conn: sqlite3.Connection, enrollment: Enrollment, spec: dict[str, JSON],
             completed_on: date) -> None:
    title = spec.get("title") or enrollment.item_name
    certificate = spec.get("certificate")
    if isinstance(certificate, dict):
        dates = certificate_dates(completed_on, certificate)
        conn.execute(
            "INSERT INTO certificates (enrollment_id, employee_id, plan, plan_version, template,"
            " issued_on, expires_on, renew_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (enrollment_id) DO NOTHING",
            (enrollment.id, enrollment.employee_id, enrollment.item_name,
             enrollment.plan_version, certificate.get("template"), dates.issued.isoformat(),
             dates.expires.isoformat(), _iso(dates.renew_from)),
        )
        send(conn, Notice(
            enrollment.employee_id, "certified", enrollment.employee_id, "plan",
            enrollment.item_name, completed_on,
            f"Certificate issued: {title}, valid until {dates.expires.isoformat()}",
            f"certified:{enrollment.id}",
        ))
    _tell_admins(conn, spec, "completed", enrollment, completed_on,
                 f"{enrollment.employee_id} completed {title}", f"completed:{enrollment.id}")


def _tell_admins(conn: sqlite3.Connection, spec: dict[str, JSON], event: str,
                 enrollment: Enrollment, on: date, message: str, key: str) -> None:
    notify = spec.get("notify") or {}
    if event not in (notify.get("on") or []):
        return
    for admin in notify.get("admins") or []:
        send(conn, Notice(str(admin), event, enrollment.employee_id, enrollment.item_kind,
                          enrollment.item_name, on, message, f"{key}:{admin}"))


def record_completion(conn: sqlite3.Connection, employee_id: str, object_name: str,
                      completed_on: date, score: int | None, actor: str) -> dict[str, Any]:
    """Record that a learner completed (or attempted) a learning object. Only a
    learner with access on that day may: an active enrollment in the object, or in
    a plan whose step holding it has been released to them."""
    if conn.execute("SELECT 1 FROM users WHERE employee_id = ?", (employee_id,)).fetchone() is None:
        raise NotFoundError(f"no user {employee_id}", where=f"learners/{employee_id}")
    stored = fetch(conn, "LearningObject", object_name)
    if stored is None:
        raise NotFoundError(f"no learning object {object_name}",
                            where=f"LearningObject/{object_name}")
    rule = stored.spec.get("completion") or {"type": "view"}
    if rule.get("type") == "min_score" and score is None:
        raise InvalidRequest(f"{object_name} needs a score of at least"
                             f" {rule.get('min_score')} to pass", pointer="/score")
    passed = rule.get("type") != "min_score" or (score or 0) >= int(rule["min_score"])

    specs = VersionSpecs(conn)
    completions = completions_of(conn, employee_id)
    reaching = [
        enrollment for enrollment in enrollments(
            conn, "employee_id = ? AND state = 'active'", (employee_id,))
        if _holds(enrollment, object_name, specs)
    ]
    if not any(_open_on(e, object_name, specs, completions, completed_on) for e in reaching):
        raise PermanentError(
            f"{employee_id} has no access to {object_name} on {completed_on.isoformat()}: "
            "not enrolled in it, or the plan step holding it is not released yet",
            where=f"learners/{employee_id}",
        )
    conn.execute(
        "INSERT INTO completions (employee_id, object_name, completed_on, score, passed,"
        " recorded_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (employee_id, object_name, completed_on.isoformat(), score, int(passed), utc_now(),
         actor),
    )
    if passed:
        settle(conn, [e.id for e in reaching])
    finished = enrollments(
        conn, f"id IN ({','.join('?' * len(reaching))}) AND completed_on IS NOT NULL",
        [e.id for e in reaching],
    )
    return {
        "employee_id": employee_id, "object": object_name,
        "completed_on": completed_on.isoformat(), "score": score, "passed": passed,
        "completed": [{e.item_kind: e.item_name} for e in finished],
    }


def _holds(enrollment: Enrollment, object_name: str, specs: VersionSpecs) -> bool:
    if enrollment.item_kind == "object":
        return enrollment.item_name == object_name
    spec = specs.get(enrollment.item_name, enrollment.plan_version or 0)
    return any(object_name in step["items"] for step in spec.get("steps") or [])


def _open_on(enrollment: Enrollment, object_name: str, specs: VersionSpecs,
             completions: Completions, day: date) -> bool:
    if enrollment.enrolled_on > day:
        return False
    if enrollment.item_kind == "object":
        return True
    progress = progress_of(enrollment, specs, completions, day)
    return any(step.released and any(i.object == object_name for i in step.items)
               for step in progress.steps)


def catch_up(conn: sqlite3.Connection, as_of: date, employee_id: str | None = None) -> None:
    """Materialise what is due by ``as_of``: renewals, overdue and expiring notices to
    admins, reminders to learners."""
    where: str = "state = 'active'"
    args: tuple[str, ...] = ()
    if employee_id is not None:
        where, args = "state = 'active' AND employee_id = ?", (employee_id,)
    specs = VersionSpecs(conn)
    assignments: dict[str, dict[str, JSON]] = {}
    completions: dict[str, dict[str, list[date]]] = {}
    for enrollment in enrollments(conn, where, args):
        if enrollment.enrolled_on > as_of:
            continue
        learner = enrollment.employee_id
        if learner not in completions:
            completions[learner] = completions_of(conn, learner)
        progress = progress_of(enrollment, specs, completions[learner], as_of)
        sources = _active_sources(conn, enrollment.id)
        if progress.completed_on is None:
            _remind(conn, enrollment, sources, assignments, as_of)
        if enrollment.item_kind != "plan":
            continue
        spec = specs.get(enrollment.item_name, enrollment.plan_version or 0)
        title = spec.get("title") or enrollment.item_name
        if progress.completed_on is None:
            for step in progress.steps:
                if step.overdue and step.due_date is not None:
                    _tell_admins(conn, spec, "overdue", enrollment, _next_day(step.due_date),
                                 f"{learner} is overdue on step {step.name} of {title}",
                                 f"overdue:{enrollment.id}:{step.name}")
            due = min((d for _, d in sources if d is not None), default=None)
            if due is not None and as_of > due:
                _tell_admins(conn, spec, "overdue", enrollment, _next_day(due),
                             f"{learner} is overdue on {title} (due {due.isoformat()})",
                             f"overdue:{enrollment.id}:due")
        elif enrollment.completed_on is not None:
            _renew_if_due(conn, enrollment, spec, as_of)


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _active_sources(conn: sqlite3.Connection, enrollment_id: int) -> list[tuple[str, date | None]]:
    return [
        (row["assignment"], date.fromisoformat(row["due_on"]) if row["due_on"] else None)
        for row in conn.execute(
            "SELECT assignment, due_on FROM enrollment_sources WHERE enrollment_id = ?"
            " AND active = 1 ORDER BY assignment", (enrollment_id,),
        )
    ]


def _remind(conn: sqlite3.Connection, enrollment: Enrollment,
            sources: list[tuple[str, date | None]], cache: dict[str, dict[str, JSON]],
            as_of: date) -> None:
    for assignment, due in sources:
        if due is None:
            continue
        if assignment not in cache:
            stored = fetch(conn, "Assignment", assignment)
            cache[assignment] = stored.spec if stored is not None else {}
        for before in (cache[assignment].get("notify") or {}).get("reminders") or []:
            remind_on = parse_duration(str(before)).subtract_from(due)
            if remind_on <= as_of <= due:
                title = item_title(conn, enrollment.item_kind, enrollment.item_name)
                send(conn, Notice(
                    enrollment.employee_id, "reminder", enrollment.employee_id,
                    enrollment.item_kind, enrollment.item_name, remind_on,
                    f"Reminder: {title} is due on {due.isoformat()}",
                    f"reminder:{enrollment.id}:{before}",
                ))


def _renew_if_due(conn: sqlite3.Connection, enrollment: Enrollment, spec: dict[str, JSON],
                  as_of: date) -> None:
    """Inside the renewal window (or at expiry, without one) the learner starts a new
    cycle of the plan; the certificate they hold is kept until it expires."""
    row = conn.execute(
        "SELECT id, expires_on, renew_from FROM certificates WHERE enrollment_id = ?",
        (enrollment.id,),
    ).fetchone()
    if row is None or row["expires_on"] is None:
        return
    renew_on = date.fromisoformat(row["renew_from"] or row["expires_on"])
    if renew_on > as_of:
        return
    title = spec.get("title") or enrollment.item_name
    _tell_admins(conn, spec, "expiring", enrollment, renew_on,
                 f"{enrollment.employee_id}'s certificate for {title} expires on "
                 f"{row['expires_on']}", f"expiring:{row['id']}")
    version = current_version(conn, enrollment.item_name) or enrollment.plan_version
    renewal = conn.execute(
        "INSERT INTO enrollments (employee_id, item_kind, item_name, cycle, plan_version,"
        " enrolled_on, state, created_at) VALUES (?, 'plan', ?, ?, ?, ?, 'active', ?)"
        " RETURNING id",
        (enrollment.employee_id, enrollment.item_name, enrollment.cycle + 1, version,
         renew_on.isoformat(), utc_now()),
    ).fetchone()[0]
    conn.execute("UPDATE enrollments SET state = 'renewed' WHERE id = ?", (enrollment.id,))
    # The renewal is due when the certificate it replaces expires.
    conn.execute(
        "INSERT INTO enrollment_sources (enrollment_id, assignment, active, due_on, since)"
        " SELECT ?, assignment, 1, ?, ? FROM enrollment_sources"
        " WHERE enrollment_id = ? AND active = 1",
        (renewal, row["expires_on"], renew_on.isoformat(), enrollment.id),
    )
    conn.execute("UPDATE enrollment_sources SET active = 0 WHERE enrollment_id = ?",
                 (enrollment.id,))
    send(conn, assigned_notice(conn, enrollment.employee_id, "plan", enrollment.item_name,
                               enrollment.cycle + 1, renew_on))


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()

"""What happens as learners learn: completions, finished enrollments and certificates.

A completion is a client's write: what it causes (the enrollment completed, the
certificate issued) is recorded in the same transaction, as events dated the day
of the completion. What time causes afterwards (renewal, expiry, overdue,
reminders) is the scheduler's (:mod:`.scheduler`).

Finishing ahead of the schedule: an item completed before its step is released
(through another assignment, say) counts for the step, but the step, the plan and
its certificate complete no earlier than the step's release. An enrollment's
``completed_on`` is the day it completes (or will, on the schedule, with what the
learner has done); it counts as finished only once that day has come, and the
certificate and the "completed" notices are issued on that day (by settling on it,
or by the scheduler's run that reaches it), so status counts, the report and the
learner view agree on every day.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date, datetime
from typing import Any

from reconciler.errors import InvalidRequest, NotFoundError, PermanentError
from reconciler.model import JSON
from reconciler.rules.schedule import certificate_dates
from reconciler_sandbox.batches import rows_in
from reconciler_sandbox.events import Event
from reconciler_sandbox.journal import utc_iso
from reconciler_sandbox.notifications import happen
from reconciler_sandbox.plans import VersionSpecs
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


def enrollments(conn: sqlite3.Connection, where: str = "1", args: Iterable[Any] = ()
                ) -> list[Enrollment]:
    rows = conn.execute(
        f"SELECT * FROM enrollments WHERE {where} ORDER BY employee_id, item_kind, item_name,"
        " cycle", tuple(args),
    ).fetchall()
    return [Enrollment.from_row(row) for row in rows]


def completions_of(conn: sqlite3.Connection, employee_id: str) -> dict[str, list[date]]:
    """The days the learner passed each object, earliest first."""
    return _completions_of_all(conn, [employee_id]).get(employee_id) or defaultdict(list)


def progress_of(enrollment: Enrollment, specs: VersionSpecs, completions: Completions,
                as_of: date) -> Progress:
    if enrollment.item_kind == "plan":
        assert enrollment.plan_version is not None  # plan enrollments always have one
        spec = specs.get(enrollment.item_name, enrollment.plan_version)
        return plan_progress(enrollment, spec, completions, as_of)
    return object_progress(enrollment, completions, as_of)


def settle(conn: sqlite3.Connection, touched: Iterable[int | Enrollment], today: date,
           at: datetime) -> None:
    """Record when enrollments started and finish; a plan finished by ``today`` issues
    its certificate and tells its admins (a later finish waits for its day).
    ``touched``: enrollments by id, or as just written (not read again)."""
    specs = VersionSpecs(conn)
    given: dict[int, int | Enrollment] = {}
    for enrollment in touched:  # settling one twice changes nothing more
        given.setdefault(enrollment if isinstance(enrollment, int) else enrollment.id,
                         enrollment)
    found = {e.id: e for e in _by_id(conn, [i for i in given.values() if isinstance(i, int)])}
    found.update((i, e) for i, e in given.items() if isinstance(e, Enrollment))
    active = [found[i] for i in given if i in found and found[i].state == "active"]
    completions = _completions_of_all(conn, sorted({e.employee_id for e in active}))
    # Learners who have completed nothing progress alike on the same item and day.
    alike: dict[tuple[str, str, int | None, date, date | None], Progress] = {}
    changed = []
    for enrollment in active:
        done = completions.get(enrollment.employee_id)
        if done:
            progress = progress_of(enrollment, specs, done, EVER)
        else:
            key = (enrollment.item_kind, enrollment.item_name, enrollment.plan_version,
                   enrollment.enrolled_on, enrollment.counts_from)
            if key not in alike:
                alike[key] = progress_of(enrollment, specs, {}, EVER)
            progress = alike[key]
        if (progress.started_on, progress.completed_on) != (enrollment.started_on,
                                                            enrollment.completed_on):
            changed.append((_iso(progress.started_on), _iso(progress.completed_on),
                            enrollment.id))
        if progress.completed_on is not None and enrollment.item_kind == "plan":
            spec = specs.get(enrollment.item_name, enrollment.plan_version or 0)
            certify_when_due(conn, enrollment, spec, progress.completed_on, today, at)
    conn.executemany("UPDATE enrollments SET started_on = ?, completed_on = ? WHERE id = ?",
                     changed)


def _by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Enrollment]:
    return [Enrollment.from_row(row)
            for row in rows_in(conn, "SELECT * FROM enrollments WHERE id IN ({marks})", ids)]


def _completions_of_all(conn: sqlite3.Connection, employee_ids: Sequence[str]
                        ) -> dict[str, dict[str, list[date]]]:
    """:func:`completions_of` each learner, a chunk of them per statement (those with
    none left out)."""
    done: dict[str, dict[str, list[date]]] = {}
    for row in rows_in(
        conn, "SELECT employee_id, object_name, completed_on FROM completions"
        " WHERE employee_id IN ({marks}) AND passed = 1 ORDER BY completed_on", employee_ids,
    ):
        done.setdefault(row["employee_id"], defaultdict(list))[row["object_name"]].append(
            date.fromisoformat(row["completed_on"]))
    return done


def certify_when_due(conn: sqlite3.Connection, enrollment: Enrollment, spec: dict[str, JSON],
                     completed_on: date, today: date, at: datetime) -> None:
    """Issue the certificate of a plan enrollment finishing on ``completed_on``, once
    that day has come and only once."""
    if completed_on <= today and not _issued(conn, enrollment):
        certify(conn, enrollment, spec, completed_on, at)


def certified(conn: sqlite3.Connection, enrollment: Enrollment, spec: Mapping[str, JSON],
              recorded: Set[str]) -> bool:
    """Whether a finished plan enrollment's completion is on record (``recorded``: the
    keys of the events on record) with its certificate, if its plan gives one."""
    return completed_key(enrollment) in recorded and (
        not isinstance(spec.get("certificate"), dict) or _issued(conn, enrollment))


def completed_key(enrollment: Enrollment) -> str:
    return f"completed:{enrollment.id}"


def _issued(conn: sqlite3.Connection, enrollment: Enrollment) -> bool:
    return conn.execute("SELECT 1 FROM certificates WHERE enrollment_id = ?",
                        (enrollment.id,)).fetchone() is not None


def certify(conn: sqlite3.Connection, enrollment: Enrollment, spec: dict[str, JSON],
            completed_on: date, at: datetime) -> None:
    """Record the completion and issue the certificate, each once however often asked."""
    certificate = spec.get("certificate")
    about = (enrollment.employee_id, enrollment.item_kind, enrollment.item_name)
    happen(conn, Event("completed", completed_on, *about, completed_key(enrollment),
                       enrollment_id=enrollment.id), spec, at=at)
    if not isinstance(certificate, dict):
        return
    held = conn.execute(
        "SELECT max(expires_on) FROM certificates WHERE employee_id = ? AND plan = ?"
        " AND enrollment_id != ? AND issued_on <= ?",
        (enrollment.employee_id, enrollment.item_name, enrollment.id, completed_on.isoformat()),
    ).fetchone()[0]
    dates = certificate_dates(completed_on, certificate,
                              date.fromisoformat(held) if held else None)
    conn.execute(
        "INSERT INTO certificates (enrollment_id, employee_id, plan, plan_version, template,"
        " issued_on, expires_on, renew_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (enrollment_id) DO NOTHING",
        (enrollment.id, enrollment.employee_id, enrollment.item_name,
         enrollment.plan_version, certificate.get("template"), dates.issued.isoformat(),
         dates.expires.isoformat(), _iso(dates.renew_from)),
    )
    happen(conn, Event("certificate_issued", completed_on, *about,
                       f"certificate_issued:{enrollment.id}", enrollment_id=enrollment.id,
                       detail=dates.expires.isoformat()), spec, at=at)


def record_completion(conn: sqlite3.Connection, employee_id: str, object_name: str,
                      completed_on: date, score: int | None, actor: str,
                      today: date, at: datetime) -> dict[str, Any]:
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
    missing = missing_prerequisites(conn, object_name, completions, completed_on)
    if missing:
        raise PermanentError(
            f"{employee_id} cannot complete {object_name} on {completed_on.isoformat()}: it"
            f" requires {', '.join(missing)} first (not completed by then)",
            where=f"learners/{employee_id}",
        )
    conn.execute(
        "INSERT INTO completions (employee_id, object_name, completed_on, score, passed,"
        " recorded_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (employee_id, object_name, completed_on.isoformat(), score, int(passed), utc_iso(at),
         actor),
    )
    # A completion recorded for a later day says that day has come for this learner.
    day = max(today, completed_on)
    if passed:
        settle(conn, [e.id for e in reaching], day, at)
    # Finished by that day: a plan whose last step releases later finishes then.
    finished = enrollments(
        conn, f"id IN ({','.join('?' * len(reaching))}) AND completed_on <= ?",
        [*(e.id for e in reaching), day.isoformat()],
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


def missing_prerequisites(conn: sqlite3.Connection, object_name: str,
                          completions: Completions, day: date) -> list[str]:
    """The object's ``prerequisites`` the learner has not passed by ``day``, in the
    order written (any completion counts, whatever cycle or assignment it was in)."""
    stored = fetch(conn, "LearningObject", object_name)
    wanted = stored.spec.get("prerequisites") or [] if stored is not None else []
    return [str(name) for name in wanted
            if not any(done <= day for done in completions.get(str(name), ()))]


def active_sources(conn: sqlite3.Connection, enrollment_id: int) -> list[tuple[str, date | None]]:
    """The assignments reaching an enrollment now, with the due date each gives."""
    return [
        (row["assignment"], date.fromisoformat(row["due_on"]) if row["due_on"] else None)
        for row in conn.execute(
            "SELECT assignment, due_on FROM enrollment_sources WHERE enrollment_id = ?"
            " AND active = 1 ORDER BY assignment", (enrollment_id,),
        )
    ]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()

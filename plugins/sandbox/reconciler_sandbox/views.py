"""What people see: a learner's view on a day, the enrollments report, and the
``status`` block of each resource. Read-only over what the other modules wrote."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

from reconciler.rules.spreadsheet import csv_text
from reconciler_sandbox.learning import (
    completions_of,
    enrollments,
    missing_prerequisites,
    progress_of,
)
from reconciler_sandbox.plans import VersionSpecs, current_version
from reconciler_sandbox.progress import Completions, Enrollment, Progress, StepProgress
from reconciler_sandbox.resources import StoredResource, item_title


def _sources(conn: sqlite3.Connection, enrollment_id: int) -> list[dict[str, Any]]:
    return [
        {"assignment": row["assignment"], "active": bool(row["active"]), "due_on": row["due_on"]}
        for row in conn.execute(
            "SELECT assignment, active, due_on FROM enrollment_sources WHERE enrollment_id = ?"
            " ORDER BY assignment", (enrollment_id,),
        )
    ]


def _due(sources: list[dict[str, Any]]) -> date | None:
    """The earliest due date among the assignments reaching the learner (all of them
    for a record no longer active)."""
    live = [s for s in sources if s["active"]] or sources
    dues = [date.fromisoformat(s["due_on"]) for s in live if s["due_on"]]
    return min(dues, default=None)


def _status(enrollment: Enrollment, progress: Progress, as_of: date) -> str:
    if enrollment.enrolled_on > as_of:
        return "scheduled"
    if progress.completed_on is not None:
        return "completed"
    return "in_progress" if progress.started_on is not None else "not_started"


def certificate_status(row: sqlite3.Row, as_of: date) -> str:
    if row["expires_on"] is not None and as_of >= date.fromisoformat(row["expires_on"]):
        return "expired"
    if row["renew_from"] is not None and as_of >= date.fromisoformat(row["renew_from"]):
        return "renewal_due"
    return "valid"


def learner_view(conn: sqlite3.Connection, employee_id: str, as_of: date) -> dict[str, Any]:
    """The learner's page on ``as_of``: for each item, the enrollment cycle they were
    in that day (inactive enrollments give no access and are not shown), the plan's
    steps per its visibility, due dates, overdue flags and certificates."""
    specs = VersionSpecs(conn)
    completions = completions_of(conn, employee_id)
    seen: dict[tuple[str, str], Enrollment] = {}
    for enrollment in enrollments(conn, "employee_id = ? AND enrolled_on <= ?",
                                  (employee_id, as_of.isoformat())):
        seen[(enrollment.item_kind, enrollment.item_name)] = enrollment  # latest cycle wins
    shown = []
    for enrollment in seen.values():
        if enrollment.state == "inactive":
            continue
        progress = progress_of(enrollment, specs, completions, as_of)
        sources = _sources(conn, enrollment.id)
        due = _due(sources)
        entry: dict[str, Any] = {
            "item": {enrollment.item_kind: enrollment.item_name},
            "title": item_title(conn, enrollment.item_kind, enrollment.item_name),
            "cycle": enrollment.cycle,
            "enrolled_on": enrollment.enrolled_on.isoformat(),
            "due_on": _iso(due),
            "status": _status(enrollment, progress, as_of),
            # Overdue is the plan's own due date passing; a late step only puts the
            # learner behind (``overdue_steps``), the plan may still be done in time.
            "overdue": progress.completed_on is None and due is not None and as_of > due,
            "overdue_steps": _overdue_steps(progress),
            "completed_on": _iso(progress.completed_on),
            "assignments": [s["assignment"] for s in sources if s["active"]],
        }
        if enrollment.item_kind == "object":
            entry["requires"] = ([] if progress.completed_on else missing_prerequisites(
                conn, enrollment.item_name, completions, as_of))
        if enrollment.item_kind == "plan":
            spec = specs.get(enrollment.item_name, enrollment.plan_version or 0)
            visibility = spec.get("visibility", "released")
            entry["version"] = enrollment.plan_version
            entry["visibility"] = visibility
            releases = {str(step["name"]): step.get("release") or {"at": "enrollment"}
                        for step in spec.get("steps") or [] if isinstance(step, dict)}
            entry["steps"] = [
                {**_step(conn, step, completions, as_of), "release": releases.get(step.name)}
                for step in progress.steps if visibility == "all" or step.released
            ]
        shown.append(entry)
    certificates = [
        {
            "plan": row["plan"], "title": item_title(conn, "plan", row["plan"]),
            "version": row["plan_version"], "template": row["template"],
            "issued_on": row["issued_on"], "expires_on": row["expires_on"],
            "renew_from": row["renew_from"], "status": certificate_status(row, as_of),
        }
        for row in conn.execute(
            "SELECT * FROM certificates WHERE employee_id = ? AND issued_on <= ?"
            " ORDER BY issued_on, plan", (employee_id, as_of.isoformat()),
        )
    ]
    return {"employee_id": employee_id, "as_of": as_of.isoformat(), "enrollments": shown,
            "certificates": certificates}


def _overdue_steps(progress: Progress) -> list[str]:
    """Required steps past their own due date, in plan order (none once finished)."""
    if progress.completed_on is not None:
        return []
    return [step.name for step in progress.steps if step.overdue and step.required]


def _step(conn: sqlite3.Connection, step: StepProgress, completions: Completions,
          as_of: date) -> dict[str, Any]:
    state = "completed" if step.completed_on else "released" if step.released else "locked"
    return {
        "name": step.name, "state": state, "required": step.required,
        "release_date": _iso(step.release_date), "due_date": _iso(step.due_date),
        "overdue": step.overdue, "completed_on": _iso(step.completed_on),
        "items": [
            {"object": item.object, "title": item_title(conn, "object", item.object),
             "completed_on": _iso(item.completed_on),
             "requires": ([] if item.completed_on else
                          missing_prerequisites(conn, item.object, completions, as_of))}
            for item in step.items
        ],
    }


REPORT_COLUMNS = (
    "employee_id", "item_kind", "item", "cycle", "plan_version", "assignments", "enrolled_on",
    "due_on", "status", "overdue", "started_on", "completed_on", "certificate_issued",
    "certificate_expires", "certificate_status", "enrollment", "inactive_reason",
    "overdue_steps",
)


def enrollments_report(conn: sqlite3.Connection, as_of: date) -> str:
    """Every enrollment ever made (inactive and renewed cycles included), as of a day."""
    specs = VersionSpecs(conn)
    rows: list[tuple[object, ...]] = []
    completions: dict[str, Any] = {}
    for enrollment in enrollments(conn):
        learner = enrollment.employee_id
        if learner not in completions:
            completions[learner] = completions_of(conn, learner)
        progress = progress_of(enrollment, specs, completions[learner], as_of)
        sources = _sources(conn, enrollment.id)
        due = _due(sources)
        certificate = conn.execute(
            "SELECT * FROM certificates WHERE enrollment_id = ? AND issued_on <= ?",
            (enrollment.id, as_of.isoformat()),
        ).fetchone()
        started = enrollment.enrolled_on <= as_of
        overdue = (started and progress.completed_on is None and due is not None
                   and as_of > due)
        behind = _overdue_steps(progress) if started else []
        rows.append((
            learner, enrollment.item_kind, enrollment.item_name, enrollment.cycle,
            enrollment.plan_version or "", ";".join(s["assignment"] for s in sources),
            enrollment.enrolled_on.isoformat(), _iso(due) or "",
            _status(enrollment, progress, as_of), "yes" if overdue else "no",
            _iso(progress.started_on) or "", _iso(progress.completed_on) or "",
            certificate["issued_on"] if certificate else "",
            (certificate["expires_on"] or "") if certificate else "",
            certificate_status(certificate, as_of) if certificate else "",
            enrollment.state, enrollment.inactive_reason or "", ";".join(behind),
        ))
    return csv_text(REPORT_COLUMNS, rows)  # opened in spreadsheets: formula-safe cells


def resource_status(conn: sqlite3.Connection, stored: StoredResource, today: date,
                    members: Callable[[str], int]) -> dict[str, Any]:
    """Counts are of current enrollments (learner x item); ``learners`` is distinct people.
    ``in_progress``: begun (its start reached) and started, not completed by ``today``;
    ``completed``: begun and finished by ``today``; ``certified``: holding an unexpired
    certificate. An inactive assignment keeps counting what was completed and certified
    through it."""
    day = today.isoformat()
    match stored.kind:
        case "Assignment":
            counts = _counts(
                conn, "FROM enrollment_sources s JOIN enrollments e ON e.id = s.enrollment_id"
                " WHERE s.assignment = ? AND s.active = 1 AND e.state = 'active'",
                (stored.name,), day)
            inactive = conn.execute(
                "SELECT count(*) FROM enrollment_sources s JOIN enrollments e"
                " ON e.id = s.enrollment_id WHERE s.assignment = ? AND e.state = 'inactive'",
                (stored.name,)).fetchone()[0]
            active = stored.spec.get("active", True) is not False
            if not active:
                # Inactivated: nobody has access through it any more, but what was
                # earned through it before stays counted (completions, certificates).
                earned = _counts(
                    conn, "FROM enrollment_sources s JOIN enrollments e"
                    " ON e.id = s.enrollment_id WHERE s.assignment = ? AND e.state != 'renewed'",
                    (stored.name,), day)
                counts |= {key: earned[key] for key in ("completed", "certified")}
            return {"active": active, **counts, "inactive": int(inactive)}
        case "CertificationPlan":
            counts = _counts(conn, "FROM enrollments e WHERE e.item_kind = 'plan'"
                             " AND e.item_name = ? AND e.state = 'active'", (stored.name,), day)
            return {"current_version": current_version(conn, stored.name), **counts}
        case "LearningObject":
            return _counts(conn, "FROM enrollments e WHERE e.item_kind = 'object'"
                           " AND e.item_name = ? AND e.state = 'active'", (stored.name,), day)
        case "Audience":
            return {"members": members(stored.name)}
    return {}


def _counts(conn: sqlite3.Connection, source: str, args: tuple[str, ...],
            day: str) -> dict[str, int]:
    row = conn.execute(
        "SELECT count(*) AS enrolled, count(DISTINCT e.employee_id) AS learners,"
        # Waiting for its start, an enrollment is neither started nor done (items done
        # before through something else count from that day), as the report says.
        " sum(e.enrolled_on <= ?1 AND e.completed_on <= ?1) AS completed,"
        " sum(e.enrolled_on <= ?1 AND e.started_on <= ?1"
        " AND (e.completed_on IS NULL OR e.completed_on > ?1)) AS in_progress,"
        " sum(e.item_kind = 'plan' AND EXISTS (SELECT 1 FROM certificates c"
        "   WHERE c.employee_id = e.employee_id AND c.plan = e.item_name"
        "   AND c.issued_on <= ?1 AND (c.expires_on IS NULL OR c.expires_on > ?1)))"
        " AS certified " + source, (day, *args),
    ).fetchone()
    return {key: int(row[key] or 0)
            for key in ("enrolled", "learners", "in_progress", "completed", "certified")}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()

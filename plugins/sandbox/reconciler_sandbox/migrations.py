"""The sandbox schema, as ordered migrations: append a new tuple, never edit an old one.

Specs, labels and audit snapshots are canonical JSON text. Dates a learner sees
(enrolled, released, due, completed, certificate) are ISO ``YYYY-MM-DD`` strings,
which compare correctly as text; timestamps are ISO 8601 UTC.
"""

from __future__ import annotations

from typing import Final

_V1: Final = (
    # One row: the platform state version, raised by every write (plans compare it).
    "CREATE TABLE platform_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " version INTEGER NOT NULL, users_version INTEGER NOT NULL)",
    "INSERT INTO platform_state (id, version, users_version) VALUES (1, 0, 0)",
    """CREATE TABLE resources (
        kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
        managed_by TEXT, spec_hash TEXT, labels TEXT NOT NULL, annotations TEXT NOT NULL,
        spec TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, name)) WITHOUT ROWID""",
    # Who refers to whom, so deletes can name dependents and audience changes can
    # find the assignments they reach without reading every spec.
    """CREATE TABLE refs (
        kind TEXT NOT NULL, name TEXT NOT NULL, ref_kind TEXT NOT NULL, ref_name TEXT NOT NULL,
        PRIMARY KEY (kind, name, ref_kind, ref_name),
        FOREIGN KEY (kind, name) REFERENCES resources (kind, name) ON DELETE CASCADE)""",
    "CREATE INDEX refs_by_target ON refs (ref_kind, ref_name)",
    # Plan versions outlive the plan resource: enrollments keep pointing at them.
    """CREATE TABLE plan_versions (
        plan TEXT NOT NULL, version INTEGER NOT NULL, spec TEXT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (plan, version))""",
    """CREATE TABLE users (
        employee_id TEXT PRIMARY KEY, attributes TEXT NOT NULL, active INTEGER NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    """CREATE TABLE user_groups (
        employee_id TEXT NOT NULL REFERENCES users (employee_id) ON DELETE CASCADE,
        group_name TEXT NOT NULL, PRIMARY KEY (group_name, employee_id))""",
    "CREATE INDEX user_groups_by_user ON user_groups (employee_id)",
    # One row per (learner, item, cycle); cycle 2+ are certificate renewals. state:
    # active | inactive (no active source left: access stopped, record kept) |
    # renewed (an earlier cycle, superseded by the next one).
    """CREATE TABLE enrollments (
        id INTEGER PRIMARY KEY,
        employee_id TEXT NOT NULL REFERENCES users (employee_id),
        item_kind TEXT NOT NULL CHECK (item_kind IN ('plan', 'object')),
        item_name TEXT NOT NULL, cycle INTEGER NOT NULL, plan_version INTEGER,
        enrolled_on TEXT NOT NULL, state TEXT NOT NULL, inactive_reason TEXT,
        started_on TEXT, completed_on TEXT, created_at TEXT NOT NULL,
        UNIQUE (employee_id, item_kind, item_name, cycle))""",
    "CREATE INDEX enrollments_by_item ON enrollments (item_kind, item_name, state)",
    # Why a learner is enrolled: every assignment that reaches them (records kept).
    """CREATE TABLE enrollment_sources (
        enrollment_id INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
        assignment TEXT NOT NULL, active INTEGER NOT NULL, due_on TEXT,
        since TEXT NOT NULL, PRIMARY KEY (assignment, enrollment_id))""",
    "CREATE INDEX sources_by_enrollment ON enrollment_sources (enrollment_id)",
    """CREATE TABLE completions (
        id INTEGER PRIMARY KEY,
        employee_id TEXT NOT NULL REFERENCES users (employee_id),
        object_name TEXT NOT NULL, completed_on TEXT NOT NULL, score INTEGER,
        passed INTEGER NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL)""",
    "CREATE INDEX completions_by_user ON completions (employee_id, object_name)",
    """CREATE TABLE certificates (
        id INTEGER PRIMARY KEY,
        enrollment_id INTEGER NOT NULL UNIQUE REFERENCES enrollments (id),
        employee_id TEXT NOT NULL, plan TEXT NOT NULL, plan_version INTEGER NOT NULL,
        template TEXT, issued_on TEXT NOT NULL, expires_on TEXT, renew_from TEXT)""",
    "CREATE INDEX certificates_by_plan ON certificates (plan, employee_id)",
    "CREATE INDEX certificates_by_user ON certificates (employee_id)",
    # dedup_key makes "one notification per (learner, item, event)" a constraint.
    """CREATE TABLE notifications (
        id INTEGER PRIMARY KEY, recipient TEXT NOT NULL, event TEXT NOT NULL,
        learner TEXT NOT NULL, item_kind TEXT, item_name TEXT, on_date TEXT NOT NULL,
        message TEXT NOT NULL, dedup_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)""",
    "CREATE INDEX notifications_by_recipient ON notifications (recipient)",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
        before TEXT, after TEXT)""",
    """CREATE TABLE idempotency (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE locks (
        name TEXT PRIMARY KEY, lock_id TEXT NOT NULL UNIQUE, holder TEXT NOT NULL,
        expires_at REAL NOT NULL, acquired_at REAL NOT NULL)""",
    """CREATE TABLE tokens (
        secret_hash TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL,
        created_at TEXT NOT NULL)""",
)

# The scheduler: the platform's own date (the last day it processed; it only moves
# forward) and the event log, one row per thing that happened, dated the program
# day it happened on. A notification belongs to the event it tells of.
_V2: Final = (
    "CREATE TABLE platform_clock (id INTEGER PRIMARY KEY CHECK (id = 1), today TEXT NOT NULL)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, on_date TEXT NOT NULL,
        employee_id TEXT NOT NULL, item_kind TEXT NOT NULL, item_name TEXT NOT NULL,
        step TEXT, enrollment_id INTEGER, detail TEXT, dedup_key TEXT NOT NULL UNIQUE,
        recorded_at TEXT NOT NULL)""",
    "CREATE INDEX events_by_date ON events (on_date, id)",
    "CREATE INDEX events_by_learner ON events (employee_id, on_date)",
    "ALTER TABLE notifications ADD COLUMN event_id INTEGER REFERENCES events (id)",
    "ALTER TABLE notifications ADD COLUMN role TEXT NOT NULL DEFAULT 'learner'",
    "ALTER TABLE notifications ADD COLUMN step TEXT",
    "CREATE INDEX notifications_by_date ON notifications (on_date, id)",
)

# Expired idempotency answers are pruned oldest first, a few per keyed write.
_V3: Final = ("CREATE INDEX idempotency_by_age ON idempotency (created_at)",)

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2, _V3)

"""Certification plan versions: a version, once written, is never edited in place.

Writing a changed spec adds version N+1, which new enrollments get, even when
nobody is on version N: versions are the plan's history, and rewriting one nobody
is on would turn a later ``migrate`` into a no-op for learners still on an older
one. ``in_progress: keep`` leaves enrolled learners on the version they started;
``migrate`` moves every learner who has not finished, from whatever older version,
to the new one, and since
completions belong to the learner and the learning object, not to a version,
every item they completed carries over.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from reconciler.model import JSON, canonical_json
from reconciler_sandbox.journal import utc_iso


def current_version(conn: sqlite3.Connection, plan: str) -> int | None:
    row = conn.execute(
        "SELECT max(version) FROM plan_versions WHERE plan = ?", (plan,)
    ).fetchone()
    return None if row[0] is None else int(row[0])


def version_spec(conn: sqlite3.Connection, plan: str, version: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT spec FROM plan_versions WHERE plan = ? AND version = ?", (plan, version)
    ).fetchone()
    spec: dict[str, Any] = json.loads(row["spec"])
    return spec


class VersionSpecs:
    """Plan version specs read once per operation (many learners share a version)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}

    def get(self, plan: str, version: int) -> dict[str, Any]:
        key = (plan, version)
        if key not in self._cache:
            self._cache[key] = version_spec(self.conn, plan, version)
        return self._cache[key]


def record_plan_spec(conn: sqlite3.Connection, plan: str, spec: Mapping[str, JSON],
                     today: date, at: datetime) -> tuple[int, list[int]]:
    """Store ``spec`` as the plan's current version. Returns the current version and
    the enrollments moved onto it (to be re-settled: they may now be complete).
    Not finished by ``today`` includes finishing later on the old version's schedule."""
    current = current_version(conn, plan)
    text = canonical_json(dict(spec))
    if current is not None and version_spec(conn, plan, current) == json.loads(text):
        return current, []
    version = (current or 0) + 1
    conn.execute(
        "INSERT INTO plan_versions (plan, version, spec, created_at) VALUES (?, ?, ?, ?)",
        (plan, version, text, utc_iso(at)),
    )
    if spec.get("in_progress", "keep") != "migrate":
        return version, []
    moved = [row[0] for row in conn.execute(
        "UPDATE enrollments SET plan_version = ? WHERE item_kind = 'plan' AND item_name = ?"
        " AND state = 'active' AND (completed_on IS NULL OR completed_on > ?)"
        " AND plan_version < ? RETURNING id",
        (version, plan, today.isoformat(), version),
    )]
    return version, moved


def rejoin_version(conn: sqlite3.Connection, enrollment_id: int, today: date) -> None:
    """A learner back in a plan after a spell without it (the same enrollment, progress
    intact) stays on its version, unless the plan migrates (``in_progress: migrate``):
    then, not finished by ``today``, they move to the newest, as everyone unfinished in
    the plan moved when it changed."""
    row = conn.execute("SELECT item_kind, item_name, plan_version FROM enrollments"
                       " WHERE id = ?", (enrollment_id,)).fetchone()
    if row is None or row["item_kind"] != "plan":
        return
    current = current_version(conn, row["item_name"])
    if current is None or (row["plan_version"] or 0) >= current:
        return
    if version_spec(conn, row["item_name"], current).get("in_progress", "keep") != "migrate":
        return
    conn.execute("UPDATE enrollments SET plan_version = ? WHERE id = ?"
                 " AND (completed_on IS NULL OR completed_on > ?)",
                 (current, enrollment_id, today.isoformat()))

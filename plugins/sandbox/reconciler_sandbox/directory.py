"""The platform's user directory: users with HRIS attributes and group memberships.

An import adds and updates by ``employee_id`` and never deletes (an HRIS marks
leavers ``inactive``); it runs in the caller's transaction, so a file is either
imported whole or not at all. ``users_version`` moves with every change, so
evaluators can cache the directory between writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.model import canonical_json
from reconciler.rules.directory import User
from reconciler_sandbox.batches import rows_in
from reconciler_sandbox.journal import utc_iso


@dataclass(frozen=True)
class ImportResult:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: int

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(self.added) | frozenset(self.updated)


def upsert_users(conn: sqlite3.Connection, users: list[User], at: datetime) -> ImportResult:
    existing = {user.employee_id: user for user in all_users(conn)}
    added: list[str] = []
    updated: list[str] = []
    now = utc_iso(at)
    for user in users:
        before = existing.get(user.employee_id)
        if before == _normalised(user):
            continue
        (added if before is None else updated).append(user.employee_id)
        conn.execute(
            "INSERT INTO users (employee_id, attributes, active, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (employee_id) DO UPDATE SET"
            " attributes = excluded.attributes, active = excluded.active,"
            " updated_at = excluded.updated_at",
            (user.employee_id, canonical_json(dict(user.attributes)), int(user.active), now, now),
        )
        conn.execute("DELETE FROM user_groups WHERE employee_id = ?", (user.employee_id,))
        conn.executemany(
            "INSERT INTO user_groups (employee_id, group_name) VALUES (?, ?)",
            [(user.employee_id, group) for group in sorted(user.groups)],
        )
    if added or updated:
        conn.execute("UPDATE platform_state SET users_version = users_version + 1 WHERE id = 1")
    return ImportResult(tuple(added), tuple(updated), len(users) - len(added) - len(updated))


def _normalised(user: User) -> User:
    return User(user.employee_id, dict(user.attributes), frozenset(user.groups), user.active)


def users_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT users_version FROM platform_state WHERE id = 1").fetchone()
    return int(row[0])


def all_users(conn: sqlite3.Connection) -> list[User]:
    # Everyone's groups in one scan, not in batches of the ids read.
    rows = conn.execute("SELECT * FROM users ORDER BY employee_id").fetchall()
    return _with_groups(rows, conn.execute("SELECT employee_id, group_name FROM user_groups"))


def page_of_users(conn: sqlite3.Connection, after: str | None, limit: int) -> list[User]:
    rows = conn.execute(
        "SELECT * FROM users WHERE employee_id > ? ORDER BY employee_id LIMIT ?",
        (after or "", limit),
    ).fetchall()
    return _with_groups(rows, rows_in(
        conn, "SELECT employee_id, group_name FROM user_groups WHERE employee_id IN ({marks})",
        [row["employee_id"] for row in rows],
    ))


def user_exists(conn: sqlite3.Connection, employee_id: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM users WHERE employee_id = ?", (employee_id,)
    ).fetchone() is not None


def _with_groups(rows: list[sqlite3.Row], memberships: Iterable[sqlite3.Row]) -> list[User]:
    groups: dict[str, set[str]] = {}
    for g in memberships:
        groups.setdefault(g["employee_id"], set()).add(g["group_name"])
    return [
        User(row["employee_id"], json.loads(row["attributes"]),
             frozenset(groups.get(row["employee_id"], ())), bool(row["active"]))
        for row in rows
    ]


def user_wire(user: User) -> dict[str, Any]:
    return {
        "employee_id": user.employee_id, "attributes": dict(user.attributes),
        "groups": sorted(user.groups), "active": user.active,
    }


def groups_with_counts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Groups and how many *active* users are in them (inactive users belong nowhere)."""
    rows = conn.execute(
        "SELECT g.group_name AS name, sum(u.active) AS members FROM user_groups g"
        " JOIN users u USING (employee_id) GROUP BY g.group_name ORDER BY g.group_name"
    ).fetchall()
    return [{"name": row["name"], "members": int(row["members"])} for row in rows]

"""What every write leaves behind, inside its own transaction: an audit entry, a
raised platform state version, and (when the caller sent one) the idempotency
record that lets a retried request replay its first answer instead of writing twice."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from reconciler.errors import InvalidRequest
from reconciler.model import JSON, canonical_json, content_hash


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def raise_state_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "UPDATE platform_state SET version = version + 1 WHERE id = 1 RETURNING version"
    ).fetchone()
    return int(row[0])


def state_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT version FROM platform_state WHERE id = 1").fetchone()[0])


def record_audit(
    conn: sqlite3.Connection, *, actor: str, action: str, kind: str, name: str,
    before: JSON, after: JSON,
) -> None:
    conn.execute(
        "INSERT INTO audit (at, actor, action, kind, name, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), actor, action, kind, name, _dump(before), _dump(after)),
    )


def audit_entries(conn: sqlite3.Connection, *, after: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
    ).fetchall()
    return [
        {
            "id": row["id"], "at": row["at"], "actor": row["actor"], "action": row["action"],
            "kind": row["kind"], "name": row["name"],
            "before": _load(row["before"]), "after": _load(row["after"]),
        }
        for row in rows
    ]


def fingerprint(request: JSON) -> str:
    return content_hash(request)


def replay(conn: sqlite3.Connection, key: str | None, request_fingerprint: str) -> JSON | None:
    """The stored answer for ``key``, or None when the key is new (or absent).
    A key reused for a different request is the caller's bug, not a replay."""
    if key is None:
        return None
    row = conn.execute(
        "SELECT fingerprint, response FROM idempotency WHERE key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    if row["fingerprint"] != request_fingerprint:
        raise InvalidRequest(
            f"idempotency key {key!r} was already used for a different request",
            pointer="/idempotency_key",
        )
    return json.loads(row["response"])


def remember(conn: sqlite3.Connection, key: str | None, request_fingerprint: str,
             response: JSON) -> None:
    if key is None:
        return
    conn.execute(
        "INSERT INTO idempotency (key, fingerprint, response, created_at) VALUES (?, ?, ?, ?)",
        (key, request_fingerprint, canonical_json(response), utc_now()),
    )


def _dump(value: JSON) -> str | None:
    return None if value is None else canonical_json(value)


def _load(text: str | None) -> JSON:
    return None if text is None else json.loads(text)

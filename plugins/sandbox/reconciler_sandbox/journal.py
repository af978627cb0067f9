"""What every write leaves behind, inside its own transaction: an audit entry, a
raised platform state version, and (when the caller sent one) the idempotency
record that lets a retried request replay its first answer instead of writing twice.

Remembered answers are kept for :data:`RETENTION` (24 hours, as mature APIs keep
theirs): a retry within it replays; the same key sent later is a new request. Every
keyed write deletes a few expired answers (:data:`PRUNE_PER_WRITE`, oldest first, by
an index), so the table holds about a day of keyed writes at a bounded cost per
write. Time is the platform's clock, passed in (``now``), never read here.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from reconciler.errors import InvalidRequest
from reconciler.model import JSON, canonical_json, content_hash

RETENTION: Final = timedelta(hours=24)
# More than the one answer a keyed write adds, so a backlog of expired ones drains.
PRUNE_PER_WRITE: Final = 8


def utc_now() -> str:
    return utc_iso(datetime.now(UTC))


def utc_iso(moment: datetime) -> str:
    """``moment`` as stored: ISO 8601 UTC to the millisecond, ``Z``; such texts compare
    in time order."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


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


def replay(conn: sqlite3.Connection, key: str | None, request_fingerprint: str,
           now: datetime) -> JSON | None:
    """The stored answer for ``key``, or None when the key is new, absent or its answer
    older than :data:`RETENTION`. A key reused for a different request within it is
    the caller's bug, not a replay. Deletes a few expired answers on the way."""
    if key is None:
        return None
    oldest_kept = utc_iso(now - RETENTION)
    conn.execute(
        "DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency"
        " WHERE created_at <= ? ORDER BY created_at LIMIT ?)",
        (oldest_kept, PRUNE_PER_WRITE),
    )
    row = conn.execute(
        "SELECT fingerprint, response FROM idempotency WHERE key = ? AND created_at > ?",
        (key, oldest_kept),
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
             response: JSON, now: datetime) -> None:
    if key is None:
        return
    # A row still under the key is an expired answer the pruning has not reached yet
    # (a live one would have replayed): the new request's answer takes its place.
    conn.execute(
        "INSERT OR REPLACE INTO idempotency (key, fingerprint, response, created_at)"
        " VALUES (?, ?, ?, ?)",
        (key, request_fingerprint, canonical_json(response), utc_iso(now)),
    )


def _dump(value: JSON) -> str | None:
    return None if value is None else canonical_json(value)


def _load(text: str | None) -> JSON:
    return None if text is None else json.loads(text)

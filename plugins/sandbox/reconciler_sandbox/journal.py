"""What every write leaves behind, inside its own transaction: an audit entry, a
raised platform state version, and (when the caller sent one) the idempotency
record that lets a retried request replay its first answer instead of writing twice.

Remembered answers are kept for :data:`RETENTION` (24 hours, as mature APIs keep
theirs): a retry within it replays; the same key sent later is a new request. Every
keyed write deletes a few expired answers (:data:`PRUNE_PER_WRITE`, oldest first, by
an index), so the table holds about a day of keyed writes at a bounded cost per
write. Time is the platform's clock, passed in (``at``), never read here: the
same goes for the audit entry's time and every other stamp the sandbox stores.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from reconciler.errors import InvalidRequest
from reconciler.model import JSON, canonical_json, content_hash

RETENTION: Final = timedelta(hours=24)
# More than the one answer a keyed write adds, so a backlog of expired ones drains.
PRUNE_PER_WRITE: Final = 8


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
    before: JSON, after: JSON, at: datetime,
) -> None:
    conn.execute(
        "INSERT INTO audit (at, actor, action, kind, name, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utc_iso(at), actor, action, kind, name, _dump(before), _dump(after)),
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


@dataclass(frozen=True)
class KeyedRequest:
    """A write sent with an idempotency key: the key, what was asked (a hash of the
    request) and when."""

    key: str
    fingerprint: str
    at: datetime


def keyed_request(key: str | None, request: JSON, at: datetime) -> KeyedRequest | None:
    """``request`` under ``key``, or None without a key (then nothing is hashed: most
    writes carry no key)."""
    return None if key is None else KeyedRequest(key, content_hash(request), at)


def replay(conn: sqlite3.Connection, request: KeyedRequest | None) -> JSON | None:
    """The stored answer for the request's key, or None when the key is new, absent or
    its answer older than :data:`RETENTION`. A key reused for a different request
    within it is the caller's bug, not a replay. Deletes a few expired answers on the
    way."""
    if request is None:
        return None
    key = request.key
    oldest_kept = utc_iso(request.at - RETENTION)
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
    if row["fingerprint"] != request.fingerprint:
        raise InvalidRequest(
            f"idempotency key {key!r} was already used for a different request",
            pointer="/idempotency_key",
        )
    return json.loads(row["response"])


def remember(conn: sqlite3.Connection, request: KeyedRequest | None, response: JSON) -> None:
    if request is None:
        return
    # A row still under the key is an expired answer the pruning has not reached yet
    # (a live one would have replayed): the new request's answer takes its place.
    conn.execute(
        "INSERT OR REPLACE INTO idempotency (key, fingerprint, response, created_at)"
        " VALUES (?, ?, ?, ?)",
        (request.key, request.fingerprint, canonical_json(response), utc_iso(request.at)),
    )


def _dump(value: JSON) -> str | None:
    return None if value is None else canonical_json(value)


def _load(text: str | None) -> JSON:
    return None if text is None else json.loads(text)

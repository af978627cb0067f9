"""The apply lease: one holder at a time keeps two applies apart.

A lease expires unless renewed, so a crashed apply cannot block the platform
forever: once expired, the next ``acquire`` takes it over. Lease times are wall
clock (``time.time``), unlike learning dates, which follow the injected clock.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from reconciler.errors import InvalidRequest, LockHeldError, NotFoundError
from reconciler_sandbox.journal import record_audit

LEASE: Final = "apply"


def _wire(row: sqlite3.Row | dict[str, Any]) -> dict[str, Any]:
    expires = datetime.fromtimestamp(row["expires_at"], UTC)
    return {
        "lock_id": row["lock_id"], "holder": row["holder"],
        "expires_at": expires.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _check_ttl(ttl_seconds: float) -> None:
    if not ttl_seconds > 0:
        raise InvalidRequest("a lease needs a positive ttl_seconds", pointer="/ttl_seconds")


def _current(conn: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM locks WHERE name = ?", (LEASE,)
    ).fetchone()
    return row


def acquire(conn: sqlite3.Connection, holder: str, ttl_seconds: float) -> dict[str, Any]:
    _check_ttl(ttl_seconds)
    now = time.time()
    held = _current(conn)
    if held is not None and held["expires_at"] > now:
        raise LockHeldError(
            f"the platform is locked by {held['holder']} until {_wire(held)['expires_at']}",
            holder=held["holder"], lock_id=held["lock_id"],
        )
    lease = {"lock_id": uuid.uuid4().hex, "holder": holder, "expires_at": now + ttl_seconds}
    conn.execute("DELETE FROM locks WHERE name = ?", (LEASE,))
    conn.execute(
        "INSERT INTO locks (name, lock_id, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?, ?)",
        (LEASE, lease["lock_id"], holder, lease["expires_at"], now),
    )
    taken_over = None if held is None else _wire(held)
    record_audit(conn, actor=holder, action="lock", kind="Lock", name=LEASE,
                 before=taken_over, after=_wire(lease))
    return _wire(lease)


def renew(conn: sqlite3.Connection, lock_id: str, ttl_seconds: float) -> dict[str, Any]:
    """Extend our lease. An expired lease nobody took over can still be renewed."""
    _check_ttl(ttl_seconds)
    held = _current(conn)
    if held is None or held["lock_id"] != lock_id:
        if held is not None and held["expires_at"] > time.time():
            raise LockHeldError(
                f"lock {lock_id} was lost: {held['holder']} holds the platform now",
                holder=held["holder"], lock_id=held["lock_id"],
            )
        raise NotFoundError(f"no apply lock {lock_id}", where="locks/apply")
    expires_at = time.time() + ttl_seconds
    conn.execute("UPDATE locks SET expires_at = ? WHERE lock_id = ?", (expires_at, lock_id))
    return _wire({"lock_id": lock_id, "holder": held["holder"], "expires_at": expires_at})


def release(conn: sqlite3.Connection, lock_id: str) -> None:
    """Give the lease back; releasing one already gone (or taken over) changes nothing."""
    held = _current(conn)
    if held is None or held["lock_id"] != lock_id:
        return
    conn.execute("DELETE FROM locks WHERE lock_id = ?", (lock_id,))
    record_audit(conn, actor=held["holder"], action="unlock", kind="Lock", name=LEASE,
                 before=_wire(held), after=None)


def force(conn: sqlite3.Connection, lock_id: str, actor: str) -> None:
    """Break a lease whoever holds it (an operator clearing a stuck apply)."""
    held = _current(conn)
    if held is None or held["lock_id"] != lock_id:
        raise NotFoundError(f"no apply lock {lock_id}", where="locks/apply")
    conn.execute("DELETE FROM locks WHERE lock_id = ?", (lock_id,))
    record_audit(conn, actor=actor, action="force-unlock", kind="Lock", name=LEASE,
                 before=_wire(held), after=None)
